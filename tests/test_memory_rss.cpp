// Memory of a real run (issue 14), end to end through the executable on the reference backend:
// peak RSS grows with batch, the backend's own allocation records match a hand count, expected
// sizes sit beside them, and `validate` and the JSON Schema accept the new fields.
#include <catch2/catch.hpp>

#include "support/cli_fixture.hpp"

using namespace infermark;
using namespace infermark::test;
using nlohmann::json;

namespace {

// Encoder, hidden 128, ffn 512, one layer, seq 64 (tests/test_memory_cost.cpp counts it by
// hand): 215,168 weights and 3072 activation elements per token; batch 1 and 64.
const char* kSuite = R"({
  "name": "memory-rss", "version": 1,
  "settings": {"warmup_s": 0.01, "min_time_s": 0.02, "max_time_s": 0.2, "min_iterations": 3,
               "target_ci": 0.5, "seed": 7, "correctness_budget_s": 60},
  "models": {"enc": {"family": "encoder", "hidden": 128, "heads": 2, "ffn": 512, "layers": 1,
                     "vocab": 64, "norm": "layernorm", "activation": "gelu", "position": "learned",
                     "max_seq": 64}},
  "workloads": [{"model": "enc", "phase": "encode", "batch": [1, 16], "seq": 64, "precision": "f32"}]
})";

const json& summary(const json& b, const std::string& tag) {
  for (const auto& s : b.at("summaries"))
    if (s.at("tag") == tag) return s;
  FAIL("no summary " << tag << " in " << b.at("id"));
  throw;
}

double value(const json& b, const std::string& tag) { return summary(b, tag).at("value").get<double>(); }

}  // namespace

TEST_CASE("peak RSS grows with batch on the reference backend, whose allocations match a hand count", "[memory]") {
  ScratchDir dir;
  write_text(dir.file("suite.json"), kSuite);
  const std::string out = dir.file("run.json");
  const ProcessResult p = run_infermark({"run", "--suite", dir.file("suite.json"), "--backend", "reference",
                                         "--quiet", "--no-energy", "--cache-dir", dir.cache(), "--out", out},
                                        {}, 300);
  INFO(p.describe() << "\n" << p.out << p.err);
  REQUIRE(p.exit_code == 0);
  const json doc = read_json(out);
  REQUIRE(doc.at("benchmarks").size() == 2);
  const json& b1 = doc["benchmarks"][0];
  const json& b16 = doc["benchmarks"][1];
  REQUIRE(b1.at("workload").at("batch") == 1);
  REQUIRE(b16.at("workload").at("batch") == 16);

  for (const json* b : {&b1, &b16}) {
    for (const auto& s : b->at("summaries"))
      if (s.at("tag").get<std::string>().rfind("memory/", 0) == 0 && s.at("tag") != "memory/bytes_per_s")
        CHECK(s.at("unit") == "B");
    // The reference holds everything in f64 (ids in i32): weights 215,168 × 8.
    const json& dev = b->at("memory").at("device");
    CHECK(dev.at("state") == "measured");
    CHECK(dev.at("weights") == 215168 * 8);
    CHECK(dev.at("kv_cache") == 0);
    CHECK(value(*b, "memory/device/weights") == 215168 * 8);
    // Expected at the workload precision (f32); the reference's f64 is its declared storage, so
    // its weights are not flagged.
    CHECK(value(*b, "memory/expected/weights") == 215168 * 4);
    CHECK(b->at("validity").at("memory").at("consistent") == true);
    CHECK(b->at("memory").at("fit").at("fits") == true);
    CHECK(value(*b, "memory/host/peak_rss") > 0);
  }
  // Activations: 3072 f64 per token plus 3 i32 ids per token.
  CHECK(b1["memory"]["device"]["activations"] == 3072 * 64 * 8 + 3 * 64 * 4);
  CHECK(b16["memory"]["device"]["activations"] == 3072 * 1024 * 8 + 3 * 1024 * 4);
  // Workspace: the attention scores of one query, context + seq = 64 doubles.
  CHECK(b1["memory"]["device"]["workspace"] == 64 * 8);
  CHECK(value(b1, "memory/device/activations") == 3072 * 64 * 8 + 3 * 64 * 4 + 64 * 8);
  CHECK(value(b16, "memory/expected/activations") == 3072 * 1024 * 4);
  CHECK(value(b16, "memory/expected/largest_activation") == 1024 * 512 * 4);

  // Each benchmark ran in its own process, so each peak is its own: batch 16 holds at least
  // 23.6 MB more activations (3072 × 960 tokens × 8 bytes) than batch 1, touched when zeroed.
  const double grown = value(b16, "memory/host/peak_rss") - value(b1, "memory/host/peak_rss");
  INFO("peak RSS b1 " << value(b1, "memory/host/peak_rss") << ", b16 " << value(b16, "memory/host/peak_rss"));
  CHECK(grown >= 3072.0 * 960 * 8);

  const ProcessResult v = run_infermark({"validate", out});
  INFO(v.describe() << "\n" << v.out << v.err);
  CHECK(v.exit_code == 0);
  const ProcessResult schema = run_process(
      {"/usr/bin/python3", std::string(INFERMARK_SOURCE_DIR) + "/tests/support/validate_schema.py",
       std::string(INFERMARK_SOURCE_DIR) + "/results/schema/result.schema.json", out});
  INFO(schema.describe() << "\n" << schema.out << schema.err);
  CHECK((schema.exit_code == 0 || schema.exit_code == 77));

  // The Markdown report's memory table: total 3,295,488 B; weights 1,721,344 B measured (f64)
  // beside 860,672 B expected (f32); activations 1,574,144 B beside the largest, 131,072 B.
  const ProcessResult md = run_infermark({"report", out, "--markdown"});
  INFO(md.out << md.err);
  CHECK_THAT(md.out, Catch::Contains("| peak RSS | device total | weights | KV cache | activations |"));
  CHECK_THAT(md.out, Catch::Contains(" | 3.30 MB | 1.72 MB / 861 kB | 0 B / 0 B | 1.57 MB / 131 kB | "));

  // validate catches an expected size that does not belong to the definition.
  json bad = doc;
  for (auto& s : bad["benchmarks"][0]["summaries"])
    if (s["tag"] == "memory/expected/weights") s["value"] = 215168 * 8;
  write_text(dir.file("bad.json"), bad.dump());
  const ProcessResult vb = run_infermark({"validate", dir.file("bad.json")});
  CHECK(vb.exit_code == 1);
  CHECK_THAT(vb.out + vb.err, Catch::Contains("memory/expected/weights"));
}
