// Quantized precisions on the oneDNN backend (issue 12): int8 and int4w op cases and tiny
// workloads against the reference on the same quantized model (the kernel error), the
// quantization error block of a benchmark, and supports().
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <fstream>
#include <iostream>

#include "config.hpp"
#include "support/skip.hpp"
#include "support/cpu_flags.hpp"

#if INFERMARK_HAS_ONEDNN

#include "backends/onednn/quant_kernels.hpp"
#include "backends/registry.hpp"
#include "harness/benchmark.hpp"
#include "harness/constants.hpp"
#include "harness/correctness.hpp"
#include "harness/quantization_error.hpp"
#include "harness/reference_cache.hpp"
#include "suites/graph.hpp"
#include "suites/quantize.hpp"
#include "support/backend_op_cases.hpp"
#include "support/tiny_models.hpp"

using namespace infermark;
using namespace infermark::onednn;

using infermark::test::skip;
using infermark::test::cpu_has_flag;

namespace {

// The compute type the tests use: bf16 where the CPU has it natively, else f32.
Precision compute_type() {
  return cpu_has_flag("avx512_bf16") || cpu_has_flag("amx_bf16") ? Precision::BF16 : Precision::F32;
}

bool int8_capable() { return cpu_has_flag("avx512_vnni") || cpu_has_flag("amx_int8"); }

Workload quantized(const std::string& model, Phase phase, int batch, int seq, int context,
                   Precision p) {
  return testing::tiny_quantized_workload(model, phase, batch, seq, context, p, compute_type());
}

// int4w with groups of 128 (the bf16 kernel).
Workload wide_llama_decode(Precision p) { return testing::wide_llama_decode(p, compute_type()); }

std::vector<Workload> tiny_workloads(Precision p) {
  return {wide_llama_decode(p),
          quantized("tiny-bert", Phase::Encode, 2, 16, 0, p),
          quantized("tiny-gpt2", Phase::Prefill, 1, 17, 0, p),
          quantized("tiny-gpt2", Phase::Decode, 2, 1, 31, p),
          quantized("tiny-llama", Phase::Prefill, 2, 16, 0, p),
          quantized("tiny-llama", Phase::Decode, 1, 1, 63, p)};
}

// Each workload against the reference on the same quantized model: within the kernel tolerance,
// and well below the quantization error itself (otherwise the kernel error would hide it).
void check_workloads(Precision p) {
  auto backend = make_backend("onednn");
  const DeviceInfo dev = backend->devices().at(0);
  for (const Workload& w : tiny_workloads(p)) {
    INFO("workload " << w.id());
    REQUIRE(backend->supports(w).ok);
    const Graph g = lower(w);
    const HostTensor ref = reference_output(w, 42, "", "synthetic:seed=42", "").output;
    Workload fw = w;
    fw.precision = Precision::F32;
    const HostTensor float_ref = reference_output(fw, 42, "", "synthetic:seed=42", "").output;
    auto exe = backend->compile(g, make_constants(g, 42, ""), dev, {1});
    exe->run();
    exe->sync();
    const ErrorStats kernel = compare_outputs(exe->output(), ref);
    const ErrorStats quant = compare_outputs(ref, float_ref);
    INFO("kernel nmse " << kernel.nmse << ", quantization nmse " << quant.nmse);
    CHECK(kernel.shapes_match);
    CHECK(kernel.finite);
    CHECK(kernel.nmse <= nmse_tolerance(p));
    CHECK(quant.nmse > 0);
    const auto impl = exe->implementation();
    CHECK(impl.dump().find(p == Precision::Int8 ? "quantize_rows_int8" : "int4w_matmul") !=
          std::string::npos);
    if (p == Precision::Int4W) {
      // From 16 rows of activations (matmul_quantized.cpp's kTiledMinRows) the weights go
      // through oneDNN's GEMM in dequantized blocks: the prefill and encode cases here; the
      // decode cases (1–2 rows) keep the GEMV kernel. Both are checked against the reference above.
      const bool tiled = int64_t(w.batch) * w.seq >= 16;
      CHECK((impl.dump().find("dequantize_int4_rows") != std::string::npos) == tiled);
    }
    if (p == Precision::Int8) {
      // k and v reuse the int8 rows q's step quantized (the same attention input), and a gated
      // FFN's second projection those of its first, per layer; the outputs above are correct
      // with that sharing.
      int shared = 0;
      for (const auto& [pattern, n] : impl["fusions"].items())
        if (pattern.rfind("(int8 input shared with the previous step)", 0) == 0) shared += n.get<int>();
      const int per_layer = w.model.activation == Activation::SiluGlu ? 3 : 2;
      CHECK(shared == per_layer * w.layers);
    }
  }
}

}  // namespace

TEST_CASE("onednn int8: tiny workloads match the quantized reference", "[onednn][quant]") {
  if (!int8_capable()) skip("this CPU has neither avx512_vnni nor amx_int8");
  check_workloads(Precision::Int8);
}

TEST_CASE("onednn int4w: tiny workloads match the quantized reference", "[onednn][quant]") {
  check_workloads(Precision::Int4W);
}

TEST_CASE("onednn int8 and int4w: the shared matmul op cases", "[onednn][quant]") {
  auto ref = make_backend("reference");
  auto backend = make_backend("onednn");
  const DeviceInfo dev = backend->devices().at(0);
  int int4_cases = 0;
  for (Precision p : {Precision::Int8, Precision::Int4W}) {
    if (p == Precision::Int8 && !int8_capable()) continue;
    for (auto c : testing::quantized_matmul_op_cases(p)) {
      int4_cases += p == Precision::Int4W;
      INFO("case " << c.name << " at " << to_string(p));
      c.graph.workload.precision = p;
      c.graph.workload.compute = compute_type();
      c.graph.workload.group_size = 32;
      apply_weight_quantization(c.graph, c.constants);  // as make_constants does
      auto r = ref->compile(c.graph, c.constants, ref->devices().at(0), {});
      r->run();
      auto exe = backend->compile(c.graph, c.constants, dev, {});
      exe->run();
      exe->sync();
      const ErrorStats e = compare_outputs(exe->output(), r->output());
      INFO("nmse " << e.nmse);
      CHECK(e.nmse <= nmse_tolerance(p));
    }
  }
  CHECK(int4_cases >= 1);
}

TEST_CASE("a quantized benchmark records its quantization error", "[onednn][quant]") {
  BenchmarkSpec spec;
  spec.workload = quantized("tiny-llama", Phase::Decode, 2, 1, 15, Precision::Int4W);
  spec.backend = "onednn";
  spec.device = "cpu0";
  spec.settings.warmup_s = 0;
  spec.settings.min_time_s = 0.02;
  spec.settings.max_time_s = 0.05;
  spec.settings.min_iterations = 3;
  spec.threads = 1;
  spec.energy = "off";
  const BenchmarkResult r = run_benchmark(spec);
  INFO(r.reason);
  REQUIRE(r.correctness.has_value());
  CHECK(r.correctness->verdict == "pass");
  CHECK(r.workload.at("quantization").get<std::string>().find("group of 32") != std::string::npos);
  REQUIRE(r.extra.contains("quantization"));
  const auto& q = r.extra.at("quantization");
  CHECK(q.at("nmse").get<double>() > 0);
  CHECK(q.at("max_abs_err").get<double>() > 0);
  const double top1 = q.at("top1_agreement").get<double>();
  CHECK(top1 >= 0);
  CHECK(top1 <= 1);
  CHECK(q.at("top1_sequences") == 2);
  bool summary = false;
  for (const auto& s : r.summaries) summary = summary || s.tag == "quantization/nmse";
  CHECK(summary);

  // An encoder has no LM head: the metric is skipped with the reason.
  BenchmarkSpec enc = spec;
  enc.workload = quantized("tiny-bert", Phase::Encode, 1, 8, 0, Precision::Int4W);
  const QuantizationReport er = quantization_error(enc, enc.workload.layers, "synthetic:seed=42");
  CHECK(er.block.at("top1_agreement").is_null());
  CHECK(er.block.at("top1_skipped").get<std::string>().find("LM head") != std::string::npos);
  CHECK(er.block.at("nmse").get<double>() > 0);
}

TEST_CASE("onednn quantized kernels against plain loops on the same integers", "[onednn][quant]") {
  // Deterministic values with a spread of magnitudes; bf16-exact activations so every path
  // multiplies the same numbers.
  const int64_t M = 5, K = 256, N = 7;  // 5 rows: one block of four and a remainder of one
  std::vector<float> a(size_t(M * K)), w(size_t(N * K));
  std::vector<uint16_t> a_bits(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const float v = float(int((i * 7919) % 201) - 100) / 37.0f;
    a_bits[i] = uint16_t(std::bit_cast<uint32_t>(v) >> 16);  // truncate to a bf16 value
    a[i] = std::bit_cast<float>(uint32_t(a_bits[i]) << 16);
  }
  for (size_t i = 0; i < w.size(); ++i) w[i] = float(int((i * 104729) % 151) - 75) / 50.0f;

  SECTION("int8 rows: the AVX-512 quantizers give the canonical integers and scales") {
    std::vector<int8_t> want(a.size()), got(a.size()), got16(a.size());
    std::vector<float> want_s(M), got_s(M), got16_s(M);
    for (int64_t r = 0; r < M; ++r) want_s[r] = quantize_row_int8(a.data() + r * K, K, want.data() + r * K);
    quantize_rows_int8(a.data(), M, K, got.data(), K, got_s.data());
    CHECK(got == want);
    CHECK(got_s == want_s);
    if (quant_kernel_isa() == "avx512") {
      quantize_rows_int8_bf16(a_bits.data(), M, K, got16.data(), K, got16_s.data());
      CHECK(got16 == want);
      CHECK(got16_s == want_s);
    }
  }
  SECTION("int8 rows: ties of x / s are rounded as the division rounds them") {
    // Row max 130: s = 130/127 in f32. x = 4.5 · s (in f32) divides back to exactly 4.5, which
    // rounds half to even to 4, but x · fl(1/s) = 4.5000005 would round to 5; likewise
    // 87.5 · s (→ 88; 87.499992 → 87 by the reciprocal), found by searching f32 for such ties.
    // Values in both vectors of a 32-wide row and in the scalar tail of a 35-wide one.
    const float sc = 130.0f / 127.0f;
    const std::vector<float> ties = {4.5f * sc, 87.5f * sc, -4.5f * sc};
    for (int64_t k : {32, 35}) {
      INFO("k " << k);
      std::vector<float> row(static_cast<size_t>(k), 0.25f);
      row[0] = 130.0f;
      for (size_t i = 0; i < ties.size(); ++i) {
        row[1 + i] = row[17 + i] = ties[i];
        row[size_t(k) - 1 - i] = ties[i];
      }
      std::vector<int8_t> want(static_cast<size_t>(k)), got(static_cast<size_t>(k));
      std::vector<float> got_s(1);
      const float want_s = quantize_row_int8(row.data(), k, want.data());
      REQUIRE(want_s == sc);
      REQUIRE(ties[0] / sc == 4.5f);  // the division lands exactly on the tie
      CHECK(want[1] == 4);
      CHECK(want[2] == 88);
      CHECK(want[3] == -4);
      quantize_rows_int8(row.data(), 1, k, got.data(), k, got_s.data());
      CHECK(got == want);
      CHECK(got_s[0] == want_s);
    }
  }
  SECTION("int4w rows dequantized for the tiled prefill path: exactly suites/quantize.hpp's values") {
    for (int group : {32, 128}) {
      INFO("group " << group);
      const Int4Weights q = quantize_int4(w.data(), N, K, group);
      const std::vector<float> deq = dequantize(q);
      const int64_t n0 = 2, rows = 4;  // rows 2 … 5 of 7
      std::vector<float> f(size_t(rows * K));
      std::vector<uint16_t> h(size_t(rows * K));
      dequantize_int4_rows(q.packed.data(), q.scales.data(), K, group, n0, rows, f.data(), false);
      dequantize_int4_rows(q.packed.data(), q.scales.data(), K, group, n0, rows, h.data(), true);
      for (int64_t i = 0; i < rows * K; ++i) {
        const float want = deq[size_t(n0 * K + i)];
        REQUIRE(f[size_t(i)] == want);
        // bf16: round to nearest even of the same value.
        const uint32_t u = std::bit_cast<uint32_t>(want);
        const uint16_t want16 = uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
        REQUIRE(h[size_t(i)] == want16);
      }
    }
  }
  SECTION("int4w: every kernel matches an f64 dot over the dequantized weights") {
    for (int group : {32, 128}) {
      INFO("group " << group);
      const Int4Weights q = quantize_int4(w.data(), N, K, group);
      const std::vector<float> deq = dequantize(q);
      std::vector<double> want(size_t(M * N));
      for (int64_t m = 0; m < M; ++m)
        for (int64_t n = 0; n < N; ++n) {
          double acc = 0;
          for (int64_t k = 0; k < K; ++k) acc += double(a[size_t(m * K + k)]) * deq[size_t(n * K + k)];
          want[size_t(m * N + n)] = acc;
        }
      std::vector<float> got(want.size());
      int4w_matmul(a.data(), M, K, q.packed.data(), q.scales.data(), N, group, got.data());
      for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(1e-5).margin(1e-4));
      if (int4w_bf16_available(group)) {
        std::vector<float> got16(want.size());
        std::vector<uint16_t> scratch(a_bits.size());
        int4w_matmul_bf16(a_bits.data(), M, K, q.packed.data(), q.scales.data(), N, group,
                          got16.data(), scratch.data());
        for (size_t i = 0; i < got16.size(); ++i)
          CHECK(got16[i] == Approx(want[i]).epsilon(1e-5).margin(1e-4));
      }
    }
  }
}

TEST_CASE("onednn quantized epilogue: activations against the f64 formulas", "[onednn][quant]") {
  // x from −30 to 30 (exp saturates at both ends), two rows with their own scales, a bias and
  // an f32 residual; each activation alone, the output in f32.
  const int64_t m = 2, n = 601;
  std::vector<float> acc(static_cast<size_t>(m * n)), bias(static_cast<size_t>(n)),
      res(static_cast<size_t>(m * n));
  for (int64_t j = 0; j < n; ++j) {
    acc[size_t(j)] = float(j - 300) / 10.0f;      // row 0: scale 1
    acc[size_t(n + j)] = float(j - 300) / 20.0f;  // row 1: scale 2, same x
    bias[size_t(j)] = 0.0f;
    res[size_t(j)] = res[size_t(n + j)] = 0.25f;
  }
  const std::vector<float> scales{1.0f, 2.0f};
  const std::pair<EpilogueOp::Kind, double (*)(double)> cases[] = {
      {EpilogueOp::GeluErf, [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }},
      {EpilogueOp::GeluTanh,
       [](double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); }},
      {EpilogueOp::Silu, [](double x) { return x / (1 + std::exp(-x)); }}};
  for (const auto& [kind, f] : cases) {
    INFO("activation " << int(kind));
    EpilogueOp ops[2];
    ops[0].kind = kind;
    ops[1].kind = EpilogueOp::Add;
    ops[1].src = res.data();
    std::vector<float> out(acc.size());
    int8_epilogue(acc.data(), m, n, scales.data(), bias.data(), ops, 2, out.data(), false);
    for (int64_t i = 0; i < m * n; ++i) {
      const double x = double(i % n - 300) / 10.0;
      CHECK(out[size_t(i)] == Approx(f(x) + 0.25).epsilon(1e-5).margin(1e-6));
    }
  }
}

TEST_CASE("top-1 agreement counts rows whose argmax agrees") {
  HostTensor a, b;
  a.shape = b.shape = {3, 4};
  a.f32 = {0, 5, 1, 2, /**/ 9, 0, 0, 0, /**/ 1, 2, 3, 4};
  b.f32 = {0, 4, 1, 2, /**/ 0, 9, 0, 0, /**/ 1, 2, 3, 5};
  CHECK(top1_agreement(a, b) == Approx(2.0 / 3.0));
}

TEST_CASE("supports(): quantized precisions by backend", "[onednn][quant]") {
  auto onednn = make_backend("onednn");
  Workload w = quantized("tiny-bert", Phase::Encode, 1, 8, 0, Precision::Int4W);
  CHECK(onednn->supports(w).ok);
  w.precision = Precision::Int8;
  const Support s8 = onednn->supports(w);
  CHECK(s8.ok == int8_capable());
  w.compute = Precision::F16;  // oneDNN 2.6 has no f16 on CPU: the float parts cannot run
  const Support f16 = onednn->supports(w);
  CHECK_FALSE(f16.ok);
  CHECK(f16.reason.find("compute f16") != std::string::npos);
}

#endif
