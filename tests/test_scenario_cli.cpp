// Serving scenarios end to end through the CLI on the reference backend: a smoke-sized generate,
// server and offline run (tests/data/scenario_smoke.json), validated and schema-checked, and bad
// scenario keys refused with exit code 2 before anything is written.
#include <catch2/catch.hpp>

#include "support/cli_fixture.hpp"

using namespace infermark::test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

const std::string kSuite = std::string(INFERMARK_SOURCE_DIR) + "/tests/data/scenario_smoke.json";

const json* summary(const json& b, const std::string& tag) {
  for (const auto& s : b.at("summaries"))
    if (s.at("tag") == tag) return &s;
  return nullptr;
}

}  // namespace

TEST_CASE("cli scenarios: generate, server and offline on the reference backend", "[scenario][cli]") {
  ScratchDir dir;
  const std::string out = dir.file("run.json");
  const ProcessResult r = run_infermark({"run", "--suite", kSuite, "--backend", "reference",
                                         "--cache-dir", dir.cache(), "--out", out}, {}, 240);
  INFO(transcript(r));
  REQUIRE(r.exit_code == 0);  // nothing failed
  const json doc = read_json(out);
  REQUIRE(doc["benchmarks"].size() == 3);

  const json& gen = doc["benchmarks"][0];
  CHECK(gen["workload"]["id"] == "tiny-gpt2/generate/b1/p16/g8/f32/l2");
  CHECK(gen["workload"]["scenario"] == "generate");
  CHECK((gen["state"] == "passed" || gen["state"] == "mistrusted"));
  CHECK(gen["correctness"]["verdict"] == "pass");
  CHECK(gen["correctness"]["checked"] == "self");
  for (const char* tag : {"scenario/ttft/median", "scenario/ttft/p99", "scenario/tpot/median",
                          "scenario/tpot/p99", "scenario/itl/p99", "scenario/e2e/median",
                          "throughput/prefill_tokens_per_s", "throughput/decode_tokens_per_s"}) {
    INFO(tag);
    REQUIRE(summary(gen, tag));
    CHECK((*summary(gen, tag))["value"].get<double>() > 0);
  }
  CHECK(summary(gen, "scenario/ttft/median")->contains("ci95"));
  // Contexts 16 … 22 in two buckets: 19 and 22 (decode steps at 16–19 run the c19 executable).
  const json& steps = gen["scenario"]["steps"];
  CHECK(steps["context_buckets"] == json::array({19, 22}));
  CHECK_THAT(steps["summary"].get<std::string>(), Contains("decode steps ran at context buckets 19,22"));
  int64_t decode_runs = 0, prefill_runs = 0;
  for (const auto& e : steps["executables"])
    (e["phase"] == "decode" ? decode_runs : prefill_runs) += e["runs"].get<int64_t>();
  const int64_t reps = gen["scenario"]["repetitions"].get<int64_t>();
  CHECK(prefill_runs == reps);
  CHECK(decode_runs == 7 * reps);  // 8 tokens: the first from prefill, 7 decode steps
  CHECK(gen["samples"]["host"].size() == size_t(reps));

  const json& srv = doc["benchmarks"][1];
  CHECK(srv["workload"]["id"] == "tiny-gpt2/server/b2/p8-16/g4-8/q40/f32/l2");
  REQUIRE(summary(srv, "scenario/achieved_qps"));
  REQUIRE(summary(srv, "scenario/ttft/p99"));
  REQUIRE(summary(srv, "scenario/tpot/p90"));
  // At least 24 requests, and arrivals spanning 10 × the 100 ms TTFT bound: 40 QPS × 1 s = 40.
  CHECK(srv["samples"]["host"].size() == 40);
  CHECK(srv["scenario"]["requests"]["arrival_s"].size() == 40);
  // 40 requests cannot give 99% confidence in a p99 (MLPerf needs 459): said, not hidden.
  CHECK(srv["state"] == "mistrusted");
  CHECK(srv["validity"]["early_stopping"]["ttft"]["met"] == false);
  CHECK_THAT(srv["reason"].get<std::string>(), Contains("confidence") || Contains("exceeds the bound"));
  CHECK(srv["validity"]["stopping"] == "all_requests_done");
  CHECK(srv["energy"].contains("state"));

  const json& off = doc["benchmarks"][2];
  CHECK(off["workload"]["id"] == "tiny-gpt2/offline/b4/p8/g4/n8/f32/l2");
  REQUIRE(summary(off, "throughput/output_tokens_per_s"));
  REQUIRE(summary(off, "throughput/requests_per_s"));
  CHECK((*summary(off, "throughput/output_tokens_per_s"))["value"].get<double>() ==
        Approx(4 * (*summary(off, "throughput/requests_per_s"))["value"].get<double>()));
  CHECK(off["scenario"]["load"]["max_running"] == 4);

  const ProcessResult v = run_infermark({"validate", out});
  INFO(transcript(v));
  CHECK(v.exit_code == 0);
  const ProcessResult schema = run_process(
      {"/usr/bin/python3", std::string(INFERMARK_SOURCE_DIR) + "/tests/support/validate_schema.py",
       std::string(INFERMARK_SOURCE_DIR) + "/results/schema/result.schema.json", out});
  INFO(transcript(schema));
  CHECK((schema.exit_code == 0 || schema.exit_code == 77));

  SECTION("validate notices a summary that no longer matches the requests") {
    json edited = doc;
    for (auto& s : edited["benchmarks"][1]["summaries"])
      if (s["tag"] == "scenario/ttft/p99") s["value"] = s["value"].get<double>() * 2;
    const std::string path = dir.file("edited.json");
    write_text(path, edited.dump());
    const ProcessResult e = run_infermark({"validate", path});
    CHECK(e.exit_code == 1);
    CHECK_THAT(e.out + e.err, Contains("scenario/ttft/p99") && Contains("requests.ttft_s"));
  }
}

TEST_CASE("cli scenarios: bad scenario keys exit 2 naming file, key and expectation", "[scenario][cli][bad_input]") {
  ScratchDir dir;
  const std::string out = dir.file("run.json");
  json suite = read_json(kSuite);
  suite["workloads"][1]["generate"] = 1;
  const std::string path = dir.file("bad.json");
  write_text(path, suite.dump());
  const ProcessResult r = run_infermark({"run", "--suite", path, "--backend", "reference", "--out", out});
  INFO(transcript(r));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains(path + ": at /workloads/1/generate: expected at least 2 output tokens"));
  CHECK_FALSE(exists(out));

  suite = read_json(kSuite);
  suite["workloads"][0]["phase"] = "decode";
  write_text(path, suite.dump());
  const ProcessResult p = run_infermark({"run", "--suite", path, "--backend", "reference", "--out", out});
  CHECK(p.exit_code == 2);
  CHECK_THAT(p.err, Contains(path + ": at /workloads/0/phase: a \"generate\" workload has no \"phase\""));
  CHECK_FALSE(exists(out));
}
