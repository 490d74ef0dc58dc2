// Serving scenarios in suite files: the keys, sweeps, ids and hashes, reading back from results,
// and every bad-input message (file + JSON pointer + what was expected).
#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "suites/suite_file.hpp"

using namespace infermark;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using nlohmann::json;

namespace {

const std::string kFile = "suites/s.json";

json suite_with(const json& workload) {
  json j = json::parse(R"({"name": "s", "version": 1, "models": {"tiny": {"family": "decoder",
      "hidden": 32, "heads": 4, "ffn": 64, "layers": 2, "vocab": 100, "norm": "layernorm",
      "activation": "gelu_tanh", "position": "learned", "max_seq": 64, "tied_embeddings": true},
      "enc": {"family": "encoder", "hidden": 32, "heads": 4, "ffn": 64, "layers": 1, "vocab": 100,
      "norm": "layernorm", "activation": "gelu", "position": "learned", "max_seq": 64}}})");
  j["workloads"] = json::array({workload});
  return j;
}

json server() {
  return json::parse(R"({"model": "tiny", "scenario": "server", "batch": 4, "prompt": 16,
      "generate": 8, "target_qps": 2, "ttft_p99_ms": 500, "tpot_p99_ms": 100, "precision": "f32"})");
}

std::string bad(const json& workload) {
  try {
    parse_suite(suite_with(workload).dump(), kFile);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    return e.what();
  }
  FAIL("expected a BadInput error for " << workload.dump());
  return {};
}

void require_at(const std::string& message, const std::string& pointer, const std::string& expected) {
  INFO(message);
  REQUIRE_THAT(message, StartsWith(kFile + ": at " + pointer + ": "));
  REQUIRE_THAT(message, Contains(expected));
}

}  // namespace

TEST_CASE("scenario suites: keys, defaults, ids and the derived step", "[scenario][suite_file]") {
  json g = json::parse(R"({"model": "tiny", "scenario": "generate", "batch": 1, "prompt": 32,
      "generate": 16, "precision": "f32"})");
  Suite s = parse_suite(suite_with(g).dump(), kFile);
  REQUIRE(s.workloads.size() == 1);
  const Workload& w = s.workloads[0];
  CHECK(w.id() == "tiny/generate/b1/p32/g16/f32/l2");
  CHECK(w.scenario.kind == ScenarioKind::Generate);
  CHECK(w.scenario.buckets == 4);
  CHECK(w.phase == Phase::Prefill);  // its widest step: the prefill of the prompt
  CHECK(w.seq == 32);
  CHECK(w.context == 0);

  Suite sv = parse_suite(suite_with(server()).dump(), kFile);
  CHECK(sv.workloads[0].id() == "tiny/server/b4/p16/g8/q2/f32/l2");
  CHECK(sv.workloads[0].scenario.requests == kServerDefaultRequests);
  CHECK_FALSE(sv.workloads[0].scenario.find_max_qps);

  json m = server();
  m["find_max_qps"] = true;
  m["prompt"] = {{"min", 8}, {"max", 24}};
  m["requests"] = 100;
  CHECK(parse_suite(suite_with(m).dump(), kFile).workloads[0].id() == "tiny/server/b4/p8-24/g8/qmax/f32/l2");

  json o = json::parse(R"({"model": "tiny", "scenario": "offline", "batch": 8, "prompt": 16,
      "generate": {"min": 4, "max": 12}, "requests": 32, "precision": "f32"})");
  const Workload off = parse_suite(suite_with(o).dump(), kFile).workloads[0];
  CHECK(off.id() == "tiny/offline/b8/p16/g4-12/n32/f32/l2");
  CHECK(off.scenario.generate.min == 4);
  CHECK(off.scenario.generate.max == 12);
}

TEST_CASE("scenario suites: sweeps over prompt, generate, target_qps and batch", "[scenario][suite_file]") {
  json j = server();
  j["target_qps"] = {1, 4};
  j["prompt"] = {8, 16};
  j["batch"] = {1, 2};
  const Suite s = parse_suite(suite_with(j).dump(), kFile);
  std::vector<std::string> ids;
  for (const auto& w : s.workloads) ids.push_back(w.id());
  // batch outermost (the step keys), then prompt, then target_qps.
  CHECK(ids == std::vector<std::string>{
                   "tiny/server/b1/p8/g8/q1/f32/l2", "tiny/server/b1/p8/g8/q4/f32/l2",
                   "tiny/server/b1/p16/g8/q1/f32/l2", "tiny/server/b1/p16/g8/q4/f32/l2",
                   "tiny/server/b2/p8/g8/q1/f32/l2", "tiny/server/b2/p8/g8/q4/f32/l2",
                   "tiny/server/b2/p16/g8/q1/f32/l2", "tiny/server/b2/p16/g8/q4/f32/l2"});
}

TEST_CASE("scenario suites: every parameter is part of the hash", "[scenario][suite_file]") {
  const Workload base = parse_suite(suite_with(server()).dump(), kFile).workloads[0];
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, json>>{{"ttft_p99_ms", 400},
                                                 {"tpot_p99_ms", 90},
                                                 {"buckets", 2},
                                                 {"requests", 100},
                                                 {"target_qps", 3},
                                                 {"find_max_qps", true},
                                                 {"generate", 9},
                                                 {"prompt", json{{"min", 15}, {"max", 16}}}}) {
    INFO(key);
    json j = server();
    j[key] = value;
    CHECK(parse_suite(suite_with(j).dump(), kFile).workloads[0].hash() != base.hash());
  }
  // The scenario itself: a step workload of the same widest shape hashes differently.
  Workload step = base;
  step.scenario = Scenario{};
  CHECK(step.hash() != base.hash());
}

TEST_CASE("scenario suites: workloads read back from result JSON", "[scenario][suite_file]") {
  json m = server();
  m["prompt"] = {{"min", 8}, {"max", 24}};
  m["find_max_qps"] = true;
  const Workload w = parse_suite(suite_with(m).dump(), kFile).workloads[0];
  const json out = json::parse(workload_to_json(w).dump());
  CHECK(out["scenario"] == "server");
  CHECK(out["phase"] == "prefill");
  CHECK(out["seq"] == 24);
  CHECK(out["prompt"]["max"] == 24);
  const Workload back = workload_from_json(out, "run.json", "/benchmarks/0/workload");
  CHECK(back.id() == w.id());
  CHECK(back.hash() == w.hash());
  CHECK(back.scenario.ttft_p99_ms == 500);

  json edited = out;
  edited["seq"] = 99;
  try {
    workload_from_json(edited, "run.json", "/w");
    FAIL("an inconsistent seq was accepted");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), StartsWith("run.json: at /w/seq: expected seq = the longest prompt (24)"));
  }
}

TEST_CASE("scenario suites: bad input names the file, the key and what was expected",
          "[scenario][suite_file][bad_input]") {
  SECTION("an unknown scenario") {
    json j = server();
    j["scenario"] = "batch";
    require_at(bad(j), "/workloads/0/scenario", "expected one of step | generate | server | offline");
  }
  SECTION("a scenario key on a step workload") {
    json j = json::parse(R"({"model": "tiny", "phase": "prefill", "batch": 1, "seq": 8,
        "precision": "f32", "target_qps": 3})");
    require_at(bad(j), "/workloads/0/target_qps", "add \"scenario\"");
  }
  SECTION("phase, seq or context on a scenario") {
    json j = server();
    j["seq"] = 16;
    require_at(bad(j), "/workloads/0/seq", "a \"server\" workload has no \"seq\"");
  }
  SECTION("a key of another scenario") {
    json j = json::parse(R"({"model": "tiny", "scenario": "generate", "batch": 1, "prompt": 8,
        "generate": 8, "precision": "f32", "ttft_p99_ms": 100})");
    require_at(bad(j), "/workloads/0/ttft_p99_ms", "applies to scenario \"server\" only");
  }
  SECTION("a missing bound") {
    json j = server();
    j.erase("tpot_p99_ms");
    require_at(bad(j), "/workloads/0", "missing required key \"tpot_p99_ms\"");
  }
  SECTION("a single output token") {
    json j = server();
    j["generate"] = 1;
    require_at(bad(j), "/workloads/0/generate", "expected at least 2 output tokens");
  }
  SECTION("requests longer than max_seq") {
    json j = server();
    j["prompt"] = 60;
    require_at(bad(j), "/workloads/0/generate", "expected prompt + generate ≤ max_seq of tiny (64), got 60 + 8 = 68");
  }
  SECTION("a range with max below min") {
    json j = server();
    j["prompt"] = {{"min", 16}, {"max", 8}};
    require_at(bad(j), "/workloads/0/prompt/max", "expected max ≥ min (16), got 8");
  }
  SECTION("a range in a generate scenario") {
    json j = json::parse(R"({"model": "tiny", "scenario": "generate", "batch": 1,
        "prompt": {"min": 8, "max": 16}, "generate": 8, "precision": "f32"})");
    require_at(bad(j), "/workloads/0/prompt", "expected a fixed length for scenario \"generate\"");
  }
  SECTION("a non-positive rate or bound") {
    json j = server();
    j["target_qps"] = 0;
    require_at(bad(j), "/workloads/0/target_qps", "expected a positive number, got 0");
    j = server();
    j["ttft_p99_ms"] = "500";
    require_at(bad(j), "/workloads/0/ttft_p99_ms", "expected a positive number, got \"500\"");
  }
  SECTION("an encoder") {
    json j = server();
    j["model"] = "enc";
    require_at(bad(j), "/workloads/0/scenario", "needs a decoder model");
  }
  SECTION("too many buckets, a wrong type for find_max_qps, an offline pool without a size") {
    json j = server();
    j["buckets"] = 33;
    require_at(bad(j), "/workloads/0/buckets", "expected 1 ≤ buckets ≤ 32");
    j = server();
    j["find_max_qps"] = 1;
    require_at(bad(j), "/workloads/0/find_max_qps", "expected true or false, got 1");
    j = json::parse(R"({"model": "tiny", "scenario": "offline", "batch": 2, "prompt": 8,
        "generate": 8, "precision": "f32"})");
    require_at(bad(j), "/workloads/0", "missing required key \"requests\"");
  }
  SECTION("a misspelt scenario key") {
    json j = server();
    j["target_qsp"] = 2;
    require_at(bad(j), "/workloads/0/target_qsp", "did you mean \"target_qps\"?");
  }
}
