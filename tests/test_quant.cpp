// Quantized precisions (issue 12) without a backend: the quantizers against hand-computed values,
// workload ids and hashes, group-size checks, the cost model's weight bytes counted by hand, and
// the report's precision trade-off table.
#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "results/export_html.hpp"
#include "results/export_tradeoff.hpp"
#include "suites/cost_model.hpp"
#include "suites/graph.hpp"
#include "suites/quantize.hpp"
#include "suites/suite_file.hpp"
#include "support/tiny_models.hpp"

using namespace infermark;

namespace {

Workload quantized(const std::string& model, Precision p, int group = 32) {
  Workload w = testing::tiny_workload(model, Phase::Prefill, 1, 4, 0, Precision::F32);
  w.precision = p;
  w.group_size = group;
  validate_workload(w, "test", "/workload");
  return w;
}

}  // namespace

TEST_CASE("quantize int8: per output channel, values and scales by hand") {
  // Row 0: max |w| = 2.54 → scale 0.02; row 1 all zero → scale 1; row 2: max 0.127 → 0.001.
  const std::vector<float> w{2.54f, -1.0f, 0.5f, 0.0f,  //
                             0.0f,  0.0f,  0.0f, 0.0f,  //
                             -0.127f, 0.05f, 0.0f, 0.001f};
  const Int8Weights q = quantize_int8(w.data(), 3, 4);
  REQUIRE(q.scales.size() == 3);
  CHECK(q.scales[0] == Approx(0.02f));
  CHECK(q.scales[1] == 1.0f);
  CHECK(q.scales[2] == Approx(0.001f));
  CHECK(q.q == std::vector<int8_t>{127, -50, 25, 0, 0, 0, 0, 0, -127, 50, 0, 1});
  const std::vector<float> back = dequantize(q);
  for (size_t i = 0; i < w.size(); ++i) CHECK(back[i] == Approx(w[i]).margin(1e-6));
  // Re-quantizing the dequantized weights gives the same integers (backends rely on it).
  CHECK(quantize_int8(back.data(), 3, 4).q == q.q);
}

TEST_CASE("quantize int8: ties round half to even") {
  // max 127 → scale exactly 1: 0.5 → 0, 1.5 → 2, 2.5 → 2, -3.5 → -4.
  const std::vector<float> w{127.0f, 0.5f, 1.5f, 2.5f, -3.5f};
  const Int8Weights q = quantize_int8(w.data(), 1, 5);
  CHECK(q.scales[0] == 1.0f);
  CHECK(q.q == std::vector<int8_t>{127, 0, 2, 2, -4});
}

TEST_CASE("quantize int8 activations: one scale per token") {
  const std::vector<float> x{-2.54f, 1.0f, 0.0f};
  std::vector<int8_t> q(3);
  CHECK(quantize_row_int8(x.data(), 3, q.data()) == Approx(0.02f));
  CHECK(q == std::vector<int8_t>{-127, 50, 0});
  std::vector<double> d{-2.54, 1.0, 0.0};
  CHECK(quantize_dequantize_row_int8(d.data(), 3) == Approx(0.02));
  CHECK(d[0] == Approx(-2.54));
  CHECK(d[1] == Approx(1.0));  // 50 · 0.02
  std::vector<double> zero{0.0, 0.0};
  CHECK(quantize_dequantize_row_int8(zero.data(), 2) == 1.0);
  CHECK(zero == std::vector<double>{0.0, 0.0});
}

TEST_CASE("quantize int4w: groups, values and the packed bytes by hand") {
  // One row, K = 64, groups of 32. Group 0: max 0.7 → scale 0.1; w[0] = 0.7 → 7,
  // w[1] = -0.3 → -3, w[17] = 0.1 → 1. Group 1: all zero → scale 1, every value 0.
  std::vector<float> w(64, 0.0f);
  w[0] = 0.7f;
  w[1] = -0.3f;
  w[17] = 0.1f;
  const Int4Weights q = quantize_int4(w.data(), 1, 64, 32);
  REQUIRE(q.scales.size() == 2);
  CHECK(q.scales[0] == Approx(0.1f));
  CHECK(q.scales[1] == 1.0f);
  REQUIRE(q.packed.size() == 32);
  // Byte j: k = j in the low nibble, k = j + 16 in the high one, each as q + 8.
  CHECK(q.packed[0] == 0x8f);  // low 7 + 8 = 15, high (k = 16) 0 + 8
  CHECK(q.packed[1] == 0x95);  // low -3 + 8 = 5, high (k = 17) 1 + 8 = 9
  for (size_t j = 2; j < 32; ++j) CHECK(q.packed[j] == 0x88);
  CHECK(q.value(0, 0) == 7);
  CHECK(q.value(0, 1) == -3);
  CHECK(q.value(0, 17) == 1);
  CHECK(q.value(0, 40) == 0);
  const std::vector<float> back = dequantize(q);
  CHECK(back[0] == Approx(0.7f));
  CHECK(back[1] == Approx(-0.3f));
  CHECK(back[17] == Approx(0.1f));
  CHECK(back[5] == 0.0f);
  // Values stay in [-7, 7]: the extreme of a group maps to ±7 exactly.
  std::vector<float> neg(32, 0.0f);
  neg[3] = -1.4f;
  CHECK(quantize_int4(neg.data(), 1, 32, 32).value(0, 3) == -7);
  CHECK(quantize_int4(dequantize(q).data(), 1, 64, 32).packed == q.packed);
}

TEST_CASE("quantized workloads: ids, hashes and what the hash covers") {
  const Workload f32 = testing::tiny_workload("tiny-llama", Phase::Prefill, 1, 4, 0, Precision::F32);
  const Workload i8 = quantized("tiny-llama", Precision::Int8);
  const Workload g32 = quantized("tiny-llama", Precision::Int4W, 32);
  CHECK(i8.id() == "tiny-llama/prefill/b1/s4/int8-bf16/l2");
  CHECK(g32.id() == "tiny-llama/prefill/b1/s4/int4w-g32-bf16/l2");
  Workload i8_f32 = i8;
  i8_f32.compute = Precision::F32;
  CHECK(i8_f32.id() == "tiny-llama/prefill/b1/s4/int8-f32/l2");
  CHECK(i8_f32.hash() != i8.hash());
  // The group size is part of an int4w hash, ignored by every other precision.
  Workload f32_other_group = f32;
  f32_other_group.group_size = 32;
  CHECK(f32_other_group.hash() == f32.hash());
  Workload i8_other_group = i8;
  i8_other_group.group_size = 128;
  CHECK(i8_other_group.hash() == i8.hash());
  // The method is recorded in the workload block and read back.
  const auto j = workload_to_json(g32);
  CHECK(j.at("group_size") == 32);
  CHECK(j.at("compute") == "bf16");
  CHECK(j.at("quantization").get<std::string>().find("per group of 32") != std::string::npos);
  const Workload back = workload_from_json(nlohmann::json::parse(j.dump()), "r.json", "/w");
  CHECK(back.hash() == g32.hash());
  CHECK(back.id() == g32.id());
  CHECK_FALSE(workload_to_json(f32).contains("quantization"));
}

TEST_CASE("quantized workloads: group sizes the model cannot use are bad input") {
  Workload w = testing::tiny_workload("tiny-llama", Phase::Prefill, 1, 4, 0, Precision::F32);
  w.precision = Precision::Int4W;
  w.group_size = 128;  // hidden 64 and ffn 160 are not multiples of 128
  try {
    validate_workload(w, "suite.json", "/workloads/3");
    FAIL("expected BadInput");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK_THAT(e.what(), Catch::Contains("suite.json"));
    CHECK_THAT(e.what(), Catch::Contains("/workloads/3/group_size"));
    CHECK_THAT(e.what(), Catch::Contains("hidden = 64"));
  }
  w.group_size = 64;
  CHECK_THROWS_WITH(validate_workload(w, "s.json", "/w"), Catch::Contains("expected 32 or 128"));
  // A suite file sweeps precisions and applies group_size to int4w only.
  const std::string text = R"({"name": "q", "version": 1, "models": {"m": {"family": "decoder",
    "hidden": 64, "heads": 4, "kv_heads": 2, "ffn": 160, "layers": 1, "vocab": 64,
    "norm": "rmsnorm", "activation": "silu_glu", "position": "rope", "max_seq": 32}},
    "workloads": [{"model": "m", "phase": "decode", "batch": 1, "seq": 1, "context": 8,
    "precision": ["f32", "int8", "int4w"], "group_size": 32, "compute": "f32"}]})";
  const Suite s = parse_suite(text, "q.json");
  REQUIRE(s.workloads.size() == 3);
  CHECK(s.workloads[0].id() == "m/decode/b1/s1/c8/f32/l1");
  CHECK(s.workloads[1].id() == "m/decode/b1/s1/c8/int8-f32/l1");
  CHECK(s.workloads[2].id() == "m/decode/b1/s1/c8/int4w-g32-f32/l1");
}

TEST_CASE("cost model: quantized weight bytes, counted by hand") {
  // tiny-llama: hidden 64, 4 heads × 16, 2 KV heads (32 wide), ffn 160, vocab 512, 2 layers,
  // untied LM head. Matmul weights per layer: q 64·64, k 32·64, v 32·64, o 64·64, gate 160·64,
  // up 160·64, down 64·160 = 43008 elements over 576 output channels; the LM head 512·64 = 32768
  // over 512. Two layers: 118784 elements, 1664 channels, 3712 groups of 32.
  // Other weights stay in the float type: embedding 512·64 + norms 2·(2·64) + final 64 = 33088.
  const int64_t matmul = 118784, channels = 1664, groups = 3712, other = 33088;
  const Workload f32 = testing::tiny_workload("tiny-llama", Phase::Prefill, 1, 4, 0, Precision::F32);
  const Workload i8 = quantized("tiny-llama", Precision::Int8);
  const Workload i4 = quantized("tiny-llama", Precision::Int4W, 32);
  const int64_t f32_bytes = workload_cost(lower(f32)).weight_bytes;
  CHECK(f32_bytes == (matmul + other) * 4);
  // int8: one byte per weight (a quarter of f32) plus an f32 scale per output channel.
  CHECK(workload_cost(lower(i8)).weight_bytes == matmul + channels * 4 + other * 2);
  // int4w: half a byte per weight (1/8 of f32) plus an f32 scale per group of 32.
  CHECK(workload_cost(lower(i4)).weight_bytes == matmul / 2 + groups * 4 + other * 2);
  // The memory model agrees with the traffic model on what the weights take.
  CHECK(memory_cost(lower(i8)).weights_bytes() == matmul + channels * 4 + other * 2);
  CHECK(memory_cost(lower(i4)).weights_bytes() == matmul / 2 + groups * 4 + other * 2);
  CHECK(memory_cost(lower(i4)).elem_bytes == 2);  // activations in bf16, the default compute
}

TEST_CASE("report: the precision trade-off table marks the Pareto front") {
  RunResult run;
  auto add = [&](const std::string& precision, double median, double qnmse) {
    BenchmarkResult b;
    b.workload = {{"id", "m/decode/b1/s1/c8/" + precision + "/l1"}};
    b.id = b.workload["id"].get<std::string>() + "@onednn:cpu0";
    b.backend = "onednn";
    b.device = "cpu0";
    b.state = State::Passed;
    b.summaries.push_back({"latency/host/median", "s", median, std::nullopt, "", "", {}});
    if (qnmse > 0) b.summaries.push_back({"quantization/nmse", "1", qnmse, std::nullopt, "", "", {}});
    run.benchmarks.push_back(b);
  };
  add("bf16", 0.002, 0);
  add("int8-bf16", 0.001, 1e-4);
  add("int4w-g128-bf16", 0.0015, 1e-2);  // slower than int8 and less accurate: dominated
  const std::string t = tradeoff_table(run);
  INFO(t);
  CHECK_THAT(t, Catch::Contains("| bf16 ★ |"));
  CHECK_THAT(t, Catch::Contains("| int8-bf16 ★ |"));
  CHECK_THAT(t, Catch::Contains("| int4w-g128-bf16 |"));
  CHECK_THAT(t, Catch::Contains("2.00×"));  // 2 ms / 1 ms
  CHECK_THAT(t, Catch::Contains("1.33×"));  // 2 ms / 1.5 ms

  // The dashboard gets the same groups; each point names its benchmark in the page's list,
  // which holds the first run's benchmarks before the second's.
  RunResult other = run;
  other.benchmarks.erase(other.benchmarks.begin());  // int8 and int4w only: no float baseline
  const ojson d = dashboard_data({{"a.json", run}, {"b.json", other}});
  REQUIRE(d["tradeoff"].size() == 2);
  const ojson& second = d["tradeoff"][1];
  CHECK(second["run"] == 1);
  CHECK(second["baseline"] == "");
  REQUIRE(second["points"].size() == 2);
  CHECK(d["benchmarks"][second["points"][0]["bench"].get<size_t>()]["id"] ==
        "m/decode/b1/s1/c8/int8-bf16/l1@onednn:cpu0");
  CHECK(second["points"][1]["pareto"] == false);  // int8 is faster and more accurate
  CHECK(second["points"][0]["speedup"].is_null());
  CHECK(d["tradeoff"][0]["points"][1]["speedup"] == 2.0);

  // A quantized point without its quantization error is never on the front.
  RunResult unknown = run;
  unknown.benchmarks[2].summaries.pop_back();  // int4w's NMSE
  unknown.benchmarks[2].summaries[0].value = 0.0005;  // and now the fastest
  const auto groups = tradeoff_groups(unknown);
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].points[2].pareto == false);
  CHECK(groups[0].points[1].pareto == true);

  // Float precisions alone make no trade-off table.
  run.benchmarks.erase(run.benchmarks.begin() + 1, run.benchmarks.end());
  CHECK(tradeoff_table(run).empty());
  CHECK(tradeoff_groups(run).empty());
}
