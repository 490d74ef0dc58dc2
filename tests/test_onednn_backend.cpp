// The oneDNN backend beyond the shared op cases: whole lowered workloads (encoder, GPT-2, Llama
// with GQA; prefill and decode with a KV cache) against the reference at f32 and bf16, repeated
// runs, the shared op cases in bf16, supports(), threads and the implementation record.
#include <catch2/catch.hpp>

#include "support/tiny_models.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "config.hpp"
#include "support/skip.hpp"
#include "support/cpu_flags.hpp"

#if INFERMARK_HAS_ONEDNN

#include "backends/onednn/executable.hpp"
#include "backends/onednn/gemv_bf16.hpp"
#include "backends/registry.hpp"
#include "harness/constants.hpp"
#include "harness/correctness.hpp"
#include "harness/reference_cache.hpp"
#include "support/backend_op_cases.hpp"
#include "suites/graph.hpp"

using namespace infermark;
using nlohmann::json;

using infermark::test::skip;
using infermark::test::cpu_has_flag;

namespace {

bool bf16_capable() { return cpu_has_flag("avx512_bf16") || cpu_has_flag("amx_bf16"); }

Workload workload(const std::string& model, Phase phase, int batch, int seq, int context,
                  Precision p) {
  return testing::tiny_workload(model, phase, batch, seq, context, p);
}

std::vector<Workload> tiny_workloads(Precision p) {
  return {workload("tiny-bert", Phase::Encode, 2, 16, 0, p),
          workload("tiny-gpt2", Phase::Prefill, 1, 17, 0, p),
          workload("tiny-gpt2", Phase::Decode, 2, 1, 31, p),
          workload("tiny-llama", Phase::Prefill, 2, 16, 0, p),
          workload("tiny-llama", Phase::Decode, 1, 1, 63, p),
          // Several new tokens against a cache: causal mask and cache append together.
          workload("tiny-llama", Phase::Decode, 2, 3, 5, p)};
}

void check_workloads(Precision p, int threads) {
  auto backend = make_backend("onednn");
  const DeviceInfo dev = backend->devices().at(0);
  for (const Workload& w : tiny_workloads(p)) {
    INFO("workload " << w.id());
    REQUIRE(backend->supports(w).ok);
    const Graph g = lower(w);
    const TensorSet constants = make_constants(g, 42, "");
    const HostTensor ref = reference_output(w, 42, "", "synthetic:seed=42", "").output;
    auto exe = backend->compile(g, constants, dev, {threads});
    exe->run();
    exe->sync();
    const HostTensor first = exe->output();
    const ErrorStats e = compare_outputs(first, ref);
    INFO("nmse " << e.nmse << ", max abs " << e.max_abs_err);
    CHECK(e.shapes_match);
    CHECK(e.finite);
    CHECK(e.nmse <= nmse_tolerance(p));
    // A second run repeats the same step (decode overwrites the same cache slots): same output.
    exe->run();
    exe->sync();
    CHECK(exe->output().f32 == first.f32);
  }
}

}  // namespace

TEST_CASE("onednn runs the tiny encoder, GPT-2 and Llama workloads in f32", "[onednn]") {
  check_workloads(Precision::F32, 0);  // all cores
}

TEST_CASE("onednn runs the tiny encoder, GPT-2 and Llama workloads in bf16", "[onednn]") {
  if (!bf16_capable()) skip("this CPU has neither avx512_bf16 nor amx_bf16");
  // One thread: quicker on a loaded machine (every parallel region waits for both threads to be
  // scheduled); the threaded paths are covered at f32.
  check_workloads(Precision::BF16, 1);
}

TEST_CASE("onednn matches the reference on the shared op cases in bf16", "[onednn]") {
  if (!bf16_capable()) skip("this CPU has neither avx512_bf16 nor amx_bf16");
  auto ref = make_backend("reference");
  auto backend = make_backend("onednn");
  const DeviceInfo dev = backend->devices().at(0);
  for (auto c : testing::backend_op_cases()) {
    INFO("case " << c.name);
    auto r = ref->compile(c.graph, c.constants, ref->devices().at(0), {});
    r->run();
    const HostTensor want = r->output();
    c.graph.workload.precision = Precision::BF16;
    auto exe = backend->compile(c.graph, c.constants, dev, {});
    exe->run();
    exe->sync();
    const ErrorStats e = compare_outputs(exe->output(), want);
    INFO("nmse " << e.nmse);
    CHECK(e.nmse <= nmse_tolerance(Precision::BF16));
  }
}

TEST_CASE("onednn answers supports() by precision and the CPU", "[onednn]") {
  auto backend = make_backend("onednn");
  Workload w = workload("tiny-bert", Phase::Encode, 1, 8, 0, Precision::F32);
  CHECK(backend->supports(w).ok);
  w.precision = Precision::BF16;
  const Support bf16 = backend->supports(w);
  CHECK(bf16.ok == bf16_capable());
  if (!bf16.ok) CHECK(bf16.reason.find("bf16") != std::string::npos);
  w.precision = Precision::F16;
  const Support f16 = backend->supports(w);
  CHECK_FALSE(f16.ok);
  CHECK(f16.reason.find("f16") != std::string::npos);
}

TEST_CASE("onednn describes its device", "[onednn]") {
  auto backend = make_backend("onednn");
  const auto devices = backend->devices();
  REQUIRE(devices.size() == 1);
  CHECK(devices[0].id == "cpu0");
  CHECK(devices[0].kind == "cpu");
  CHECK_FALSE(devices[0].name.empty());
  CHECK(devices[0].details.at("threads").get<int>() >= 1);
  CHECK(devices[0].details.at("library").get<std::string>().rfind("oneDNN ", 0) == 0);
}

TEST_CASE("onednn records what ran: fused primitives, no reference kernels, threads", "[onednn]") {
  auto backend = make_backend("onednn");
  const Workload w = workload("tiny-bert", Phase::Encode, 1, 16, 0, Precision::F32);
  const Graph g = lower(w);
  auto exe = backend->compile(g, make_constants(g, 7, ""), backend->devices().at(0), {1});
  const auto impl = exe->implementation();
  INFO(impl.dump(2));
  CHECK(impl.at("threads") == 1);
  CHECK(impl.at("precision") == "f32");
  REQUIRE(impl.at("primitives").contains("matmul"));
  for (const auto& [name, count] : impl.at("primitives").at("matmul").items()) {
    CHECK(name.rfind("ref", 0) != 0);
  }
  CHECK_FALSE(impl.contains("warnings"));
  // BERT: per layer the FFN up projection takes bias + GELU, and the attention output and FFN
  // down projections take bias + the residual add (2 layers).
  CHECK(impl.at("fusions").at("matmul+bias+gelu_erf") == 2);
  CHECK(impl.at("fusions").at("matmul+bias+binary_add") == 4);
  CHECK(impl.at("primitives").contains("layer_normalization"));
  CHECK(impl.at("primitives").contains("softmax"));
}

TEST_CASE("onednn fuses Llama's SwiGLU and residual adds", "[onednn]") {
  auto backend = make_backend("onednn");
  const Workload w = workload("tiny-llama", Phase::Prefill, 1, 8, 0, Precision::F32);
  const Graph g = lower(w);
  auto exe = backend->compile(g, make_constants(g, 7, ""), backend->devices().at(0), {});
  const auto impl = exe->implementation();
  INFO(impl.dump(2));
  // gate: SiLU then × up; o and down: + residual (2 layers each).
  CHECK(impl.at("fusions").at("matmul+swish+binary_mul") == 2);
  CHECK(impl.at("fusions").at("matmul+binary_add") == 4);
  CHECK(impl.at("own_kernels").at("rms_norm") == 5);  // 2 per layer + the final norm
  CHECK(impl.at("own_kernels").at("rope") == 4);
  // GQA prefill: queries are packed so that QKᵀ and PV get oneDNN's brgemm kernels (on AVX-512
  // CPUs) rather than the much slower gemm fallback a gapped strided view gets.
  if (cpu_has_flag("avx512f")) {
    for (const auto& [name, count] : impl.at("primitives").at("matmul").items()) {
      CHECK(name.rfind("brg:", 0) == 0);
    }
  }
}

TEST_CASE("onednn attention in small tiles matches the reference", "[onednn]") {
  // A tile budget of a few hundred bytes cuts every attention into many row tiles: packed
  // queries, tiles straddling GQA groups, causal key ranges per tile, a short last tile.
  onednn::Tuning tuning;
  tuning.attention_tile_bytes = 600;
  std::vector<Precision> precisions{Precision::F32};
  if (bf16_capable()) precisions.push_back(Precision::BF16);
  for (Precision p : precisions) {
    for (const Workload& w : tiny_workloads(p)) {
      INFO("workload " << w.id());
      const Graph g = lower(w);
      // One thread: hundreds of tiny primitive calls, each a parallel region with two threads,
      // crawl on a loaded machine; the threaded paths are covered by the tests above.
      onednn::OnednnExecutable exe(g, make_constants(g, 42, ""), 1, tuning);
      // One query row per KV head (GPT-2 decode) cannot be cut; everything else is.
      const int tiles = exe.implementation().at("attention_tiles").get<int>();
      if (w.seq * w.model.heads / w.model.kv_heads > 1) CHECK(tiles > w.layers);
      exe.run();
      const HostTensor ref = reference_output(w, 42, "", "synthetic:seed=42", "").output;
      const ErrorStats e = compare_outputs(exe.output(), ref);
      INFO("nmse " << e.nmse);
      CHECK(e.nmse <= nmse_tolerance(p));
    }
  }
  for (const auto& c : testing::backend_op_cases()) {
    bool has_attention = false;
    for (const auto& op : c.graph.ops) has_attention |= op.kind == OpKind::Attention;
    if (!has_attention) continue;
    INFO("case " << c.name);
    auto ref = make_backend("reference");
    auto r = ref->compile(c.graph, c.constants, ref->devices().at(0), {});
    r->run();
    onednn::OnednnExecutable exe(c.graph, c.constants, 1, tuning);
    exe.run();
    CHECK(compare_outputs(exe.output(), r->output()).nmse <= nmse_tolerance(Precision::F32));
  }
}

TEST_CASE("onednn profiles its steps and its GEMMs alone without disturbing the output",
          "[onednn]") {
  const Workload w = workload("tiny-llama", Phase::Decode, 1, 2, 9, Precision::F32);
  const Graph g = lower(w);
  onednn::OnednnExecutable exe(g, make_constants(g, 3, ""), 1);
  exe.run();
  const HostTensor before = exe.output();
  const auto steps = exe.profile_steps(3);
  // Every graph op runs in exactly one step, alone or fused into a MatMul.
  size_t ops = 0;
  for (const auto& s : steps) {
    INFO(s.name << " " << s.kind);
    CHECK(s.seconds > 0);
    ops += size_t(std::count(s.name.begin(), s.name.end(), '+')) + 1;
  }
  CHECK(ops == g.ops.size());
  CHECK(exe.gemm_seconds(3) > 0);
  // Profiling reran steps on the executable's own buffers (the cache append too): a real run
  // still gives the same answer.
  exe.run();
  CHECK(exe.output().f32 == before.f32);
}

TEST_CASE("onednn bf16 decode: the own GEMV agrees with oneDNN's matmul and the reference", "[onednn]") {
  if (!bf16_capable()) skip("this CPU has neither avx512_bf16 nor amx_bf16");
  // Decode has 1–4 rows (the GEMV's range, kGemvMaxRows); prefill's 17 rows stay on oneDNN.
  for (const Workload& w : {workload("tiny-llama", Phase::Decode, 2, 1, 31, Precision::BF16),
                            workload("tiny-gpt2", Phase::Decode, 4, 1, 9, Precision::BF16),
                            workload("tiny-gpt2", Phase::Prefill, 1, 17, 0, Precision::BF16)}) {
    INFO(w.id());
    const Graph g = lower(w);
    const TensorSet constants = make_constants(g, 42, "");
    onednn::Tuning with, without;
    without.gemv_bf16 = false;
    onednn::OnednnExecutable gemv(g, constants, 1, with), dnnl(g, constants, 1, without);
    gemv.run();
    gemv.sync();
    dnnl.run();
    dnnl.sync();
    const HostTensor ref = reference_output(w, 42, "", "synthetic:seed=42", "").output;
    const ErrorStats e = compare_outputs(gemv.output(), ref);
    INFO("nmse vs reference " << e.nmse);
    CHECK(e.nmse <= nmse_tolerance(Precision::BF16));
    // Both compute bf16 products with f32 sums, in a different order: close to each other.
    CHECK(compare_outputs(gemv.output(), dnnl.output()).nmse <= 1e-4);
    // Decode: every MatMul of the graph has 1–4 rows; prefill: only the LM head, which reads
    // the last token alone.
    long matmuls = 0;
    for (const Op& op : g.ops) matmuls += op.kind == OpKind::MatMul;
    const long want = !onednn::gemv_bf16_available() ? 0 : w.phase == Phase::Decode ? matmuls : 1;
    const auto kernels = gemv.implementation()["own_kernels"];
    CHECK(kernels.value("gemv_bf16_avx512", 0L) == want);
    CHECK(dnnl.implementation().dump().find("gemv_bf16") == std::string::npos);
  }
}

#else

TEST_CASE("onednn backend tests need the oneDNN backend built", "[onednn]") {
  std::cout << "skipped: " << INFERMARK_ONEDNN_STATUS << std::endl;
  std::exit(77);
}

#endif
