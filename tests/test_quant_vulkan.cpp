// Quantized precisions on the Vulkan backend (issue 12), on lavapipe with the validation layer
// on: int8 through both the integer-dot-product and the plain integer shader, int4w with groups
// of 32 and 128, as op cases and tiny workloads against the reference on the same quantized
// model (the kernel error); an exact integer MatMul; the weight packing; supports().
#include <catch2/catch.hpp>

#include <cstdlib>
#include <iostream>
#include <optional>
#include <set>
#include <string>

#include "config.hpp"

#include "support/skip.hpp"

using infermark::test::skip;

#if !INFERMARK_HAS_VULKAN

TEST_CASE("vulkan quantized", "[vulkan][quant]") { skip("the vulkan backend is not built: " INFERMARK_VULKAN_STATUS); }

#else

#include "backends/registry.hpp"
#include "backends/vulkan/vk_context.hpp"
#include "backends/vulkan/vk_quant_plan.hpp"
#include "backends/vulkan/vulkan_backend.hpp"
#include "common/error.hpp"
#include "harness/constants.hpp"
#include "harness/correctness.hpp"
#include "harness/reference_cache.hpp"
#include "suites/graph.hpp"
#include "suites/quantize.hpp"
#include "support/backend_op_cases.hpp"
#include "support/tiny_models.hpp"
#include "support/vulkan_backend_fixture.hpp"
#include "support/vulkan_test_env.hpp"

using namespace infermark;
using infermark::test::require_no_validation_messages;
using infermark::test::vulkan_backend_or_skip;

namespace {

// An environment variable for one scope (vk_tuning.hpp: INFERMARK_VK_INT_DOT 0 forces the int8
// shader's plain integer path, 1 its dot-product one; INFERMARK_VK_TILE the matmul tile);
// nullptr unsets it.
struct ScopedEnv {
  std::string name;
  std::optional<std::string> old;
  ScopedEnv(const char* n, const char* value) : name(n) {
    if (const char* v = std::getenv(n)) old = v;
    if (value) setenv(n, value, 1);
    else unsetenv(n);
  }
  ~ScopedEnv() {
    if (old) setenv(name.c_str(), old->c_str(), 1);
    else unsetenv(name.c_str());
  }
};

// The default compute, bf16: runs as f32 on Vulkan, recorded as such.
Workload quantized(const std::string& model, Phase phase, int batch, int seq, int context,
                   Precision p, int group = 32) {
  return testing::tiny_quantized_workload(model, phase, batch, seq, context, p, Precision::BF16,
                                          group);
}

Workload wide_llama_decode(Precision p) { return testing::wide_llama_decode(p, Precision::F32); }

// Compiles `w` on vk0 and checks it against the reference on the same quantized model; returns
// the implementation record.
nlohmann::ordered_json check_workload(VulkanBackend& backend, const Workload& w) {
  INFO("workload " << w.id());
  REQUIRE(backend.supports(w).ok);
  const Graph g = lower(w);
  const HostTensor ref = reference_output(w, 42, "", "synthetic:seed=42", "").output;
  auto exe = backend.compile(g, make_constants(g, 42, ""), backend.devices().at(0), {});
  exe->run();
  exe->sync();
  const ErrorStats e = compare_outputs(exe->output(), ref);
  INFO("kernel nmse " << e.nmse << ", max abs " << e.max_abs_err);
  CHECK(e.shapes_match);
  CHECK(e.finite);
  CHECK(e.nmse <= nmse_tolerance(w.precision));
  // Compute in f32 (bf16 runs as f32 here): the same integers and scales as the reference, so
  // only f32-versus-f64 arithmetic remains, far below the int8 tolerance (truncating instead of
  // rounding fails this; a different tie rule only differs on exact ties, rare in these data).
  if (w.compute != Precision::F16) CHECK(e.nmse <= 1e-7);
  const auto impl = exe->implementation();
  REQUIRE(impl.contains("quantization"));
  CHECK(impl["quantization"]["quantized_matmuls"].get<int>() > 0);
  require_no_validation_messages(backend);
  return impl;
}

std::vector<Workload> tiny_workloads(Precision p) {
  return {quantized("tiny-bert", Phase::Encode, 2, 8, 0, p),
          quantized("tiny-gpt2", Phase::Prefill, 1, 17, 0, p),
          quantized("tiny-gpt2", Phase::Decode, 2, 1, 31, p),
          quantized("tiny-llama", Phase::Decode, 1, 1, 15, p)};
}

// Every shared op case with a MatMul (K a multiple of 32 for int4w) at `p`, against the reference.
int check_op_cases(VulkanBackend& backend, Precision p) {
  auto ref = make_backend("reference");
  int cases = 0;
  for (auto c : testing::quantized_matmul_op_cases(p)) {
    ++cases;
    INFO("case " << c.name << " at " << to_string(p));
    c.graph.workload.precision = p;
    c.graph.workload.compute = Precision::F32;
    c.graph.workload.group_size = 32;
    apply_weight_quantization(c.graph, c.constants);  // as make_constants does
    auto r = ref->compile(c.graph, c.constants, ref->devices().at(0), {});
    r->run();
    auto exe = backend.compile(c.graph, c.constants, backend.devices().at(0), {});
    exe->run();
    exe->sync();
    const ErrorStats e = compare_outputs(exe->output(), r->output());
    INFO("nmse " << e.nmse);
    CHECK(e.shapes_match);
    CHECK(e.nmse <= nmse_tolerance(p));
  }
  require_no_validation_messages(backend);
  return cases;
}

// out = a · wᵀ with integer a (each row holding ±127, so its scale is exactly 1) and integer w
// (each row holding ±127: scale 1): quantization is exact and every output an exact integer in
// f32, computed here in int64. K = 37 leaves a partial last word. Row 1 of a and row 2 of w are
// all 127, so out[1, 2] = K · 127², above 2^24 for K > 1040: a shader summing that many
// products in f32 would round it.
void check_exact_int8(VulkanBackend& backend, int64_t M = 3, int64_t K = 37, int64_t N = 5) {
  testing::OpCase c;
  c.graph.workload.precision = Precision::Int8;
  c.graph.workload.compute = Precision::F32;
  HostTensor a{{M, K}, DType::F32, {}, {}}, w{{N, K}, DType::F32, {}, {}};
  for (int64_t i = 0; i < M * K; ++i)
    a.f32.push_back(i / K == 1 ? 127.0f : i % K == 0 ? (i % 2 ? -127.0f : 127.0f) : float(int(i * 37 % 255) - 127));
  for (int64_t i = 0; i < N * K; ++i)
    w.f32.push_back(i / K == 2 ? 127.0f : i % K == 1 ? -127.0f : float(int(i * 91 % 255) - 127));
  c.graph.tensors = {{"a", {M, K}, DType::F32, TensorRole::Input},
                     {"w", {N, K}, DType::F32, TensorRole::Weight},
                     {"out", {M, N}, DType::F32, TensorRole::Output}};
  c.constants.tensors["a"] = a;
  c.constants.tensors["w"] = w;
  c.graph.ops.push_back({OpKind::MatMul, "mm", {"a", "w"}, "out", {}});
  c.graph.output = "out";
  auto exe = backend.compile(c.graph, c.constants, backend.devices().at(0), {});
  exe->run();
  exe->sync();
  const HostTensor out = exe->output();
  REQUIRE(out.f32.size() == size_t(M * N));
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      int64_t want = 0;
      for (int64_t k = 0; k < K; ++k) want += int64_t(a.f32[size_t(m * K + k)]) * int64_t(w.f32[size_t(n * K + k)]);
      INFO("M " << M << " K " << K << " N " << N << ": m " << m << " n " << n);
      CHECK(out.f32[size_t(m * N + n)] == float(want));
    }
  require_no_validation_messages(backend);
}

// The shader names the compiled executable's pipelines ran.
std::set<std::string> shaders(const nlohmann::ordered_json& impl) {
  std::set<std::string> names;
  for (const auto& p : impl["pipelines"]) names.insert(p["shader"].get<std::string>());
  return names;
}

// One quantized MatMul with bias, out [M, N] = a [M, K] · w [N, K]ᵀ + b, random data, against the
// reference on the same quantized weights (f32 compute: f32-versus-f64 arithmetic only); returns
// the shaders that ran.
std::set<std::string> check_matmul(VulkanBackend& backend, Precision p, int group, int64_t M, int64_t N, int64_t K) {
  INFO(to_string(p) << " g" << group << " M " << M << " N " << N << " K " << K);
  testing::OpCase c;
  c.graph.workload.precision = p;
  c.graph.workload.compute = Precision::F32;
  c.graph.workload.group_size = group;
  c.graph.tensors = {{"a", {M, K}, DType::F32, TensorRole::Input},
                     {"w", {N, K}, DType::F32, TensorRole::Weight},
                     {"b", {N}, DType::F32, TensorRole::Weight},
                     {"out", {M, N}, DType::F32, TensorRole::Output}};
  uint32_t state = 12345;
  auto next = [&] {  // deterministic values in [−1, 1)
    state = state * 1664525u + 1013904223u;
    return float(state >> 8) / float(1u << 23) - 1.0f;
  };
  for (const auto& [name, numel] : {std::pair{"a", M * K}, std::pair{"w", N * K}, std::pair{"b", N}}) {
    const auto& desc = c.graph.tensor(name);
    HostTensor t{desc.shape, DType::F32, {}, {}};
    for (int64_t i = 0; i < numel; ++i) t.f32.push_back(next());
    c.constants.tensors[name] = std::move(t);
  }
  c.graph.ops.push_back({OpKind::MatMul, "mm", {"a", "w", "b"}, "out", {}});
  c.graph.output = "out";
  apply_weight_quantization(c.graph, c.constants);  // as make_constants does
  auto ref = make_backend("reference");
  auto r = ref->compile(c.graph, c.constants, ref->devices().at(0), {});
  r->run();
  auto exe = backend.compile(c.graph, c.constants, backend.devices().at(0), {});
  exe->run();
  exe->sync();
  const ErrorStats e = compare_outputs(exe->output(), r->output());
  INFO("nmse " << e.nmse << ", max abs " << e.max_abs_err);
  CHECK(e.shapes_match);
  CHECK(e.finite);
  CHECK(e.nmse <= 1e-7);
  require_no_validation_messages(backend);
  return shaders(exe->implementation());
}

}  // namespace

// The tiny workloads' prefill and encode shapes take the tiled shaders. With the device's
// default tile on lavapipe, LLVM compiles each tiled pipeline for 10–20 s on a cold shader cache
// (a fresh CI machine), for nothing the tiny shapes need: a small tile keeps these tests in
// seconds. The default tile is compiled and run by the f32 tests and infermark_vk_quant_bench.
constexpr const char* kSmallTile = "16x16x12/4x4";

TEST_CASE("vulkan int8 (dot product): tiny workloads, op cases and an exact MatMul", "[vulkan][quant]") {
  ScopedEnv tile("INFERMARK_VK_TILE", kSmallTile);  // see kSmallTile
  auto backend = vulkan_backend_or_skip();
  const auto& dev = backend->context()->devices().at(0);
  if (!dev.integer_dot) skip(dev.props.deviceName + std::string(" lacks shaderIntegerDotProduct"));
  ScopedEnv dot("INFERMARK_VK_INT_DOT", "1");  // forced (the default picks it too where the device has it)
  for (const Workload& w : tiny_workloads(Precision::Int8)) {
    const auto impl = check_workload(*backend, w);
    const auto& q = impl["quantization"];
    CHECK(q["matmul_path"].get<std::string>().find("integer dot product") != std::string::npos);
    CHECK(q["compute_requested"] == "bf16");
    CHECK(q["compute_used"] == "f32");
    CHECK(q["compute_reason"].get<std::string>().find("bf16") != std::string::npos);
    bool dot_shader = false;  // matvec-style for decode, tiled for encode and prefill
    for (const auto& p : impl["pipelines"])
      dot_shader |= p["shader"] == "matmul_int8_dot" || p["shader"] == "matmul_int8_tiled_dot";
    CHECK(dot_shader);
  }
  CHECK(check_op_cases(*backend, Precision::Int8) >= 1);
  check_exact_int8(*backend);
}

TEST_CASE("vulkan int8: INFERMARK_VK_INT_DOT must be 0 or 1", "[vulkan][quant]") {
  auto backend = vulkan_backend_or_skip();
  ScopedEnv bad("INFERMARK_VK_INT_DOT", "yes");
  const Workload w = quantized("tiny-gpt2", Phase::Decode, 1, 1, 5, Precision::Int8);
  const Graph g = lower(w);
  try {
    backend->compile(g, make_constants(g, 42, ""), backend->devices().at(0), {});
    FAIL("compile accepted INFERMARK_VK_INT_DOT=yes");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK(std::string(e.what()).find("INFERMARK_VK_INT_DOT") != std::string::npos);
  }
}

TEST_CASE("vulkan int8 (plain integer path): tiny workloads, op cases and an exact MatMul", "[vulkan][quant]") {
  ScopedEnv tile("INFERMARK_VK_TILE", kSmallTile);  // see kSmallTile
  auto backend = vulkan_backend_or_skip();
  const auto& dev = backend->context()->devices().at(0);
  // Without the override the device's own choice: the dot product exactly where it has it.
  {
    ScopedEnv unset("INFERMARK_VK_INT_DOT", nullptr);
    const Workload w = quantized("tiny-gpt2", Phase::Decode, 1, 1, 5, Precision::Int8);
    const auto path = check_workload(*backend, w)["quantization"]["matmul_path"].get<std::string>();
    CHECK((path.find("integer dot product") != std::string::npos) == dev.integer_dot);
  }
  ScopedEnv plain("INFERMARK_VK_INT_DOT", "0");
  for (const Workload& w : tiny_workloads(Precision::Int8)) {
    const auto impl = check_workload(*backend, w);
    CHECK(impl["quantization"]["matmul_path"].get<std::string>().find("plain int32") != std::string::npos);
    bool plain_shader = false;
    for (const auto& p : impl["pipelines"])
      plain_shader |= p["shader"] == "matmul_int8" || p["shader"] == "matmul_int8_tiled";
    CHECK(plain_shader);
  }
  CHECK(check_op_cases(*backend, Precision::Int8) >= 1);
  check_exact_int8(*backend);
}

TEST_CASE("vulkan int4w: groups of 32 and 128, tiny workloads and op cases", "[vulkan][quant]") {
  ScopedEnv tile("INFERMARK_VK_TILE", kSmallTile);  // see kSmallTile
  auto backend = vulkan_backend_or_skip();
  for (const Workload& w : tiny_workloads(Precision::Int4W)) {
    const auto impl = check_workload(*backend, w);
    CHECK(impl["quantization"]["matmul_path"].get<std::string>().find("groups of 32") != std::string::npos);
  }
  const auto impl = check_workload(*backend, wide_llama_decode(Precision::Int4W));
  CHECK(impl["quantization"]["matmul_path"].get<std::string>().find("groups of 128") != std::string::npos);
  CHECK(impl["quantization"]["compute_used"] == "f32");
  CHECK_FALSE(impl["quantization"].contains("compute_reason"));  // f32 asked, f32 used
  CHECK(check_op_cases(*backend, Precision::Int4W) >= 1);
}

TEST_CASE("vulkan quantized: compute f16 where the device has f16", "[vulkan][quant]") {
  auto backend = vulkan_backend_or_skip();
  const auto& dev = backend->context()->devices().at(0);
  Workload w = quantized("tiny-gpt2", Phase::Decode, 1, 1, 7, Precision::Int4W);
  w.compute = Precision::F16;
  const Support s = backend->supports(w);
  const bool f16 = dev.shader_float16 && dev.storage_16bit;
  CHECK(s.ok == f16);
  if (!f16) {
    CHECK(s.reason.find("compute f16") != std::string::npos);
    return;
  }
  for (Precision p : {Precision::Int4W, Precision::Int8}) {
    w.precision = p;
    const auto impl = check_workload(*backend, w);
    CHECK(impl["quantization"]["compute_used"] == "f16");
  }
}

TEST_CASE("vulkan quantized: supports() and the weight packing", "[vulkan][quant]") {
  auto backend = vulkan_backend_or_skip();
  for (Precision p : {Precision::Int8, Precision::Int4W}) {
    Workload w = quantized("tiny-llama", Phase::Prefill, 1, 8, 0, p);
    const Support s = backend->supports(w);
    INFO(s.reason);
    CHECK(s.ok);  // compute bf16 runs as f32: nothing is unimplemented
  }
  // int8 words: k = 4w + i in byte i, two's complement, the last word zero padded.
  Int8Weights q8;
  q8.n = 1;
  q8.k = 5;
  q8.q = {1, -1, 127, -127, 2};
  q8.scales = {1.0f};
  CHECK(vk::pack_int8_words(q8) == std::vector<uint32_t>{0x817fff01u, 0x00000002u});
  // int4 bytes read little-endian: byte j of a 32-k run holds k = j (low) and j + 16 (high).
  std::vector<float> w(64, 0.0f);
  w[0] = 7;    // k 0: q 7 → nibble 15, byte 0 low
  w[16] = -7;  // k 16: q −7 → nibble 1, byte 0 high
  w[5] = 1;    // k 5 in the same group as 7: q round(7/7) = 1 → nibble 9, byte 5 low
  const Int4Weights q4 = quantize_int4(w.data(), 1, 64, 32);
  const auto words = vk::pack_int4_words(q4);
  REQUIRE(words.size() == 8);
  CHECK(words[0] == 0x8888881fu);  // bytes 0x1f, 0x88, 0x88, 0x88
  CHECK(words[1] == 0x88888988u);  // byte 5 = 0x89
  CHECK(words[4] == 0x88888888u);  // the all-zero second group: every q 0 → 0x88
}


TEST_CASE("vulkan quantized prefill: the tiled shaders, with remainder tiles", "[vulkan][quant]") {
  auto backend = vulkan_backend_or_skip();
  const auto& dev = backend->context()->devices().at(0);
  // A 16 × 16 tile with BK 12 on every device: M = 20 (above the matvec threshold of 8) and
  // N = 40 leave partial tiles in both, and K a partial last slice of 3 vec4s (int8 K = 88: 22
  // words; int4w K = 160 and 256: 40 and 64 vec4s), with slices starting in either nibble half
  // of a 32-k chunk.
  ScopedEnv tile("INFERMARK_VK_TILE", "16x16x12/4x4");
  {
    // The device's own choice: the tiled dot product only where it is reported accelerated.
    ScopedEnv unset("INFERMARK_VK_INT_DOT", nullptr);
    const auto used = check_matmul(*backend, Precision::Int8, 32, 20, 40, 88);
    CHECK(used.count("matmul_int8_tiled_dot") == size_t(dev.integer_dot && dev.integer_dot_accelerated));
    CHECK(used.count("matmul_int8_tiled") == size_t(!(dev.integer_dot && dev.integer_dot_accelerated)));
  }
  for (const char* dot : {"0", "1"}) {
    if (std::string(dot) == "1" && !dev.integer_dot) continue;
    ScopedEnv d("INFERMARK_VK_INT_DOT", dot);
    const std::string shader = std::string("matmul_int8_tiled") + (std::string(dot) == "1" ? "_dot" : "");
    INFO(shader);
    CHECK(check_matmul(*backend, Precision::Int8, 32, 20, 40, 88).count(shader) == 1);
    // K = 1100: more products than f32 sums exactly (the plain path's int32 flush), and a
    // partial last word.
    check_exact_int8(*backend, 20, 1100, 40);
    check_exact_int8(*backend, 9, 37, 17);
    // Decode shapes keep the matvec-style shader.
    CHECK(check_matmul(*backend, Precision::Int8, 32, 8, 40, 88).count(std::string("matmul_int8") + (std::string(dot) == "1" ? "_dot" : "")) == 1);
  }
  CHECK(check_matmul(*backend, Precision::Int4W, 32, 20, 40, 160).count("matmul_int4_tiled") == 1);
  CHECK(check_matmul(*backend, Precision::Int4W, 128, 20, 40, 256).count("matmul_int4_tiled") == 1);
  CHECK(check_matmul(*backend, Precision::Int4W, 32, 8, 40, 160).count("matvec_int4") == 1);
  // Prefill with f16 storage (f16 activations, bias and output) where the device has it.
  if (dev.shader_float16 && dev.storage_16bit) {
    for (Precision p : {Precision::Int8, Precision::Int4W}) {
      Workload w = quantized("tiny-gpt2", Phase::Prefill, 1, 17, 0, p);
      w.compute = Precision::F16;
      const auto used = shaders(check_workload(*backend, w));
      if (p == Precision::Int8) CHECK(used.count("matmul_int8_tiled_f16") + used.count("matmul_int8_tiled_dot_f16") == 1);
      else CHECK(used.count("matmul_int4_tiled_f16") == 1);
    }
  }
}

TEST_CASE("vulkan quantized prefill: the device's default tile", "[vulkan][quant]") {
  // The tests above use a small tile; this compiles and checks the tiled shaders once with the
  // tile the device's tuning picks (what `infermark run` uses), on a shape with partial tiles.
  auto backend = vulkan_backend_or_skip();
  ScopedEnv tile("INFERMARK_VK_TILE", nullptr);
  ScopedEnv dot("INFERMARK_VK_INT_DOT", "0");
  CHECK(check_matmul(*backend, Precision::Int8, 32, 20, 40, 88).count("matmul_int8_tiled") == 1);
  CHECK(check_matmul(*backend, Precision::Int4W, 32, 20, 40, 160).count("matmul_int4_tiled") == 1);
}
#endif
