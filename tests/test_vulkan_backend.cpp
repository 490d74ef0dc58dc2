// The Vulkan backend beyond the shared op cases, on lavapipe with the validation layer on
// (tests/support/vulkan_test_env.cpp): device listing, supports(), whole lowered tiny workloads
// (encoder, GPT-2, Llama with GQA; prefill and decode with a KV cache) against the reference,
// the staging-buffer path, device timestamps, and that a validation message fails a run.
// Without a Vulkan device every test here exits 77 (CTest: skipped) after saying why.
#include <catch2/catch.hpp>

#include "support/tiny_models.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include "config.hpp"
#include "support/skip.hpp"

using infermark::test::skip;

#if !INFERMARK_HAS_VULKAN

TEST_CASE("vulkan backend", "[vulkan]") { skip("the vulkan backend is not built: " INFERMARK_VULKAN_STATUS); }

#else

#include <vulkan/vulkan.h>

#include "backends/registry.hpp"
#include "backends/vulkan/vk_context.hpp"
#include "backends/vulkan/vk_device.hpp"
#include "backends/vulkan/vk_executable.hpp"
#include "backends/vulkan/vulkan_backend.hpp"
#include "common/error.hpp"
#include "harness/constants.hpp"
#include "harness/correctness.hpp"
#include "harness/reference_cache.hpp"
#include "support/backend_op_cases.hpp"
#include "support/vulkan_backend_fixture.hpp"
#include "support/vulkan_test_env.hpp"
#include "suites/graph.hpp"

using namespace infermark;
using infermark::test::require_no_validation_messages;
using infermark::test::vulkan_backend_or_skip;
using nlohmann::json;

namespace {

Workload workload(const std::string& model, Phase phase, int batch, int seq, int context,
                  Precision p = Precision::F32) {
  return testing::tiny_workload(model, phase, batch, seq, context, p);
}

// Compiles `w` on vk0, runs it twice and checks both outputs against the reference.
void check_workload(VulkanBackend& backend, const Workload& w) {
  INFO("workload " << w.id());
  REQUIRE(backend.supports(w).ok);
  const Graph g = lower(w);
  const HostTensor ref = reference_output(w, 42, "", "synthetic:seed=42", "").output;
  auto exe = backend.compile(g, make_constants(g, 42, ""), backend.devices().at(0), {});
  exe->run();
  exe->sync();
  const HostTensor first = exe->output();
  const ErrorStats e = compare_outputs(first, ref);
  INFO("nmse " << e.nmse << ", max abs " << e.max_abs_err);
  CHECK(e.shapes_match);
  CHECK(e.finite);
  CHECK(e.nmse <= nmse_tolerance(w.precision));
  // The same command buffer again (decode rewrites the same cache slots): the same output.
  exe->run();
  exe->sync();
  CHECK(exe->output().f32 == first.f32);
}

// Every shared op case (tests/support/backend_op_cases.hpp) on vk0 at precision `p`, against the
// reference at that precision's tolerance.
void check_op_cases(VulkanBackend& backend, Precision p) {
  for (auto c : testing::backend_op_cases()) {
    INFO("case " << c.name << " at " << to_string(p));
    auto ref = make_backend("reference");
    auto rexe = ref->compile(c.graph, c.constants, ref->devices().at(0), {});
    rexe->run();
    const HostTensor want = rexe->output();
    c.graph.workload.precision = p;
    auto exe = backend.compile(c.graph, c.constants, backend.devices().at(0), {});
    exe->run();
    exe->sync();
    const ErrorStats e = compare_outputs(exe->output(), want);
    INFO("nmse " << e.nmse << ", max abs " << e.max_abs_err);
    CHECK(e.shapes_match);
    CHECK(e.finite);
    CHECK(e.nmse <= nmse_tolerance(p));
  }
}

// A one-op graph: cached (or not) causal attention plus RoPE on q, with a head_dim that is not a
// multiple of 4, so the shaders' scalar (non-vec4) paths run. Data from a fixed LCG.
testing::OpCase odd_head_attention(int head_dim, bool cached) {
  const int batch = 2, seq = 3, context = cached ? 5 : 0, heads = 4, kv_heads = 2;
  const int64_t tokens = batch * seq, kvw = int64_t(kv_heads) * head_dim, qw = int64_t(heads) * head_dim;
  testing::OpCase c;
  c.name = "odd_head_attention";
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return float(double(state >> 11) * 0x1.0p-53 * 2 - 1);
  };
  auto add = [&](const std::string& name, std::vector<int64_t> shape, TensorRole role) {
    c.graph.tensors.push_back({name, shape, DType::F32, role});
    if (role == TensorRole::Activation || role == TensorRole::Output) return;
    HostTensor t{shape, DType::F32, {}, {}};
    for (int64_t i = 0; i < t.numel(); ++i) t.f32.push_back(next());
    c.constants.tensors[name] = std::move(t);
  };
  add("q", {tokens, qw}, TensorRole::Input);
  add("k", {tokens, kvw}, TensorRole::Input);
  add("v", {tokens, kvw}, TensorRole::Input);
  c.graph.tensors.push_back({"pos", {tokens}, DType::I32, TensorRole::Input});
  HostTensor pos{{tokens}, DType::I32, {}, {}};
  for (int64_t r = 0; r < tokens; ++r) pos.i32.push_back(int32_t(context + r % seq));
  c.constants.tensors["pos"] = pos;
  add("q_rope", {tokens, qw}, TensorRole::Activation);
  OpAttrs rope;
  rope.heads = heads;
  rope.head_dim = head_dim;
  c.graph.ops.push_back({OpKind::Rope, "rope", {"q", "pos"}, "q_rope", rope});
  std::vector<std::string> in{"q_rope", "k", "v"};
  if (cached) {
    add("k_cache", {batch * (context + seq), kvw}, TensorRole::State);
    add("v_cache", {batch * (context + seq), kvw}, TensorRole::State);
    in.push_back("k_cache");
    in.push_back("v_cache");
  }
  add("out", {tokens, qw}, TensorRole::Output);
  OpAttrs a;
  a.heads = heads;
  a.kv_heads = kv_heads;
  a.head_dim = head_dim;
  a.batch = batch;
  a.seq = seq;
  a.context = context;
  a.causal = true;
  a.cached = cached;
  a.scale = 1.0 / std::sqrt(double(head_dim));
  c.graph.ops.push_back({OpKind::Attention, "attn", in, "out", a});
  c.graph.output = "out";
  return c;
}

// Sets an environment variable for one scope.
struct ScopedEnv {
  std::string name;
  std::optional<std::string> old;
  ScopedEnv(std::string n, const char* value) : name(std::move(n)) {
    if (const char* v = std::getenv(name.c_str())) old = v;
    setenv(name.c_str(), value, 1);
  }
  ~ScopedEnv() {
    if (old) setenv(name.c_str(), old->c_str(), 1);
    else unsetenv(name.c_str());
  }
};

}  // namespace

TEST_CASE("vulkan lists lavapipe as vk0 with the properties infermark reports", "[vulkan]") {
  auto b = vulkan_backend_or_skip();
  const auto devs = b->devices();
  std::cout << "vulkan devices (ICD " << testing::vulkan_test_icd() << "):\n";
  for (const auto& d : devs) std::cout << "  " << d.id << " " << d.name << " " << d.details.dump() << "\n";
  CHECK(devs.front().id == "vk0");
  for (size_t i = 0; i < devs.size(); ++i) CHECK(devs[i].id == "vk" + std::to_string(i));
  for (const auto& d : devs) {
    const auto& j = d.details;
    for (const char* key : {"type", "api_version", "driver_name", "driver_info", "subgroup_size",
                            "shader_float16", "storage_buffer_16bit", "timestamp_period_ns",
                            "timestamp_valid_bits"}) {
      INFO(key);
      CHECK(j.contains(key));
    }
    const uint32_t sg = j.at("subgroup_size").get<uint32_t>();
    CHECK(sg >= 1);
    CHECK((sg & (sg - 1)) == 0);  // Vulkan requires a power of two
    CHECK(j.at("api_version").get<std::string>().rfind("1.", 0) == 0);
  }
  if (!testing::vulkan_test_icd().empty()) {
    // Mesa's lavapipe: llvmpipe, a CPU device, 64-bit timestamps counting nanoseconds (1 ns/tick).
    REQUIRE(devs.size() == 1);
    const auto& j = devs[0].details;
    CHECK_THAT(devs[0].name, Catch::StartsWith("llvmpipe"));
    CHECK(devs[0].kind == "cpu");
    CHECK(j.at("type") == "cpu");
    CHECK(j.at("driver_name") == "llvmpipe");
    CHECK(j.at("timestamp_valid_bits") == 64);
    CHECK(j.at("timestamp_period_ns") == 1.0);
  }
  require_no_validation_messages(*b);
}

TEST_CASE("vulkan without an ICD has no device and names the VkResult", "[vulkan]") {
  ScopedEnv icd("VK_ICD_FILENAMES", "/nonexistent/no_icd.json");
  ScopedEnv driver("VK_DRIVER_FILES", "/nonexistent/no_icd.json");
  VulkanBackend b;
  CHECK(b.devices().empty());
  CHECK(b.unavailable_reason() == "vkCreateInstance: VK_ERROR_INCOMPATIBLE_DRIVER (no Vulkan ICD found)");
  Workload w = workload("tiny-llama", Phase::Decode, 1, 1, 3);
  CHECK_FALSE(b.supports(w).ok);
}

TEST_CASE("vulkan supports f32, f16 only with shaderFloat16 and 16-bit storage, never bf16", "[vulkan]") {
  auto b = vulkan_backend_or_skip();
  CHECK(b->supports(workload("tiny-gpt2", Phase::Prefill, 1, 4, 0)).ok);
  const Support bf16 = b->supports(workload("tiny-gpt2", Phase::Prefill, 1, 4, 0, Precision::BF16));
  CHECK_FALSE(bf16.ok);
  CHECK(bf16.reason == "no bf16 in core Vulkan / VK_KHR_shader_bfloat16 absent");
  const Support f16 = b->supports(workload("tiny-gpt2", Phase::Prefill, 1, 4, 0, Precision::F16));
  bool all_f16 = true;
  for (const auto& d : b->devices())
    all_f16 &= d.details.at("shader_float16").get<bool>() && d.details.at("storage_buffer_16bit").get<bool>();
  CHECK(f16.ok == all_f16);
  if (!f16.ok) CHECK_THAT(f16.reason, Catch::Contains("lacks"));
  if (!testing::vulkan_test_icd().empty()) CHECK(f16.ok);  // lavapipe has both features
}

TEST_CASE("vulkan runs the tiny encoder, GPT-2 and Llama workloads in f32", "[vulkan]") {
  auto b = vulkan_backend_or_skip();
  check_workload(*b, workload("tiny-bert", Phase::Encode, 2, 16, 0));
  check_workload(*b, workload("tiny-gpt2", Phase::Prefill, 1, 17, 0));
  check_workload(*b, workload("tiny-gpt2", Phase::Decode, 2, 1, 31));
  check_workload(*b, workload("tiny-llama", Phase::Prefill, 2, 16, 0));
  check_workload(*b, workload("tiny-llama", Phase::Decode, 1, 1, 63));
  // Several new tokens against a cache: causal mask and cache append together.
  check_workload(*b, workload("tiny-llama", Phase::Decode, 2, 3, 5));
  require_no_validation_messages(*b);
}

TEST_CASE("vulkan runs the tiny GPT-2 and Llama workloads in f16 where the device has it", "[vulkan]") {
  auto b = vulkan_backend_or_skip();
  const Workload w = workload("tiny-llama", Phase::Prefill, 2, 16, 0, Precision::F16);
  if (!b->supports(w).ok) skip("f16: " + b->supports(w).reason);
  check_workload(*b, w);
  check_workload(*b, workload("tiny-llama", Phase::Decode, 2, 3, 5, Precision::F16));
  check_workload(*b, workload("tiny-gpt2", Phase::Decode, 2, 1, 31, Precision::F16));
  check_workload(*b, workload("tiny-bert", Phase::Encode, 2, 16, 0, Precision::F16));
  require_no_validation_messages(*b);
}

TEST_CASE("vulkan passes the shared op cases in f16", "[vulkan]") {
  auto b = vulkan_backend_or_skip();
  if (!b->supports(workload("tiny-gpt2", Phase::Prefill, 1, 4, 0, Precision::F16)).ok) skip("no f16");
  check_op_cases(*b, Precision::F16);
  require_no_validation_messages(*b);
}

TEST_CASE("vulkan passes the shared op cases with GPU tiles and shared-memory reductions", "[vulkan]") {
  // The tiles and reductions a GPU gets, forced on this device, so their code is checked here too.
  ScopedEnv subgroup("INFERMARK_VK_SUBGROUP", "0");
  for (const char* tile : {"64x64x16/4x4", "32x64x16/2x4"}) {
    INFO("tile " << tile);
    ScopedEnv t("INFERMARK_VK_TILE", tile);
    auto b = vulkan_backend_or_skip();
    check_op_cases(*b, Precision::F32);
    require_no_validation_messages(*b);
  }
}

TEST_CASE("vulkan binds weights and tables larger than a binding in slices", "[vulkan]") {
  // GPT-2's 154 MB embedding (also its LM head) exceeds lavapipe's 128 MiB binding limit. The
  // same slicing at 4 KiB on the tiny model slices every weight; its embedding tables have f32
  // rows of 64 × 4 = 256 bytes, so 16 rows a slice.
  auto b = vulkan_backend_or_skip();
  const Workload w = workload("tiny-gpt2", Phase::Prefill, 2, 5, 0);
  const Graph g = lower(w);
  // Dispatches of the embedding pipeline: token and position tables, whole or in slices.
  auto embedding_dispatches = [&] {
    const auto impl = b->compile(g, make_constants(g, 42, ""), b->devices().at(0), {})->implementation();
    int n = 0;
    for (const auto& p : impl.at("pipelines"))
      if (p.at("shader") == "embedding") n += p.at("dispatches").get<int>();
    return n;
  };
  CHECK(embedding_dispatches() == 2);
  ScopedEnv slice("INFERMARK_VK_SLICE_BYTES", "4096");
  // 512 token rows / 16 + 128 position rows (max_seq) / 16.
  CHECK(embedding_dispatches() == 32 + 8);
  check_workload(*b, w);
  check_workload(*b, workload("tiny-gpt2", Phase::Decode, 2, 1, 31));
  require_no_validation_messages(*b);
}

TEST_CASE("vulkan attention and RoPE with a head_dim that is not a multiple of 4", "[vulkan]") {
  auto b = vulkan_backend_or_skip();
  auto ref = make_backend("reference");
  for (int hd : {6, 10}) {
    for (bool cached : {false, true}) {
      INFO("head_dim " << hd << (cached ? ", cached" : ""));
      const testing::OpCase c = odd_head_attention(hd, cached);
      auto rexe = ref->compile(c.graph, c.constants, ref->devices().at(0), {});
      rexe->run();
      auto exe = b->compile(c.graph, c.constants, b->devices().at(0), {});
      exe->run();
      exe->sync();
      const ErrorStats e = compare_outputs(exe->output(), rexe->output());
      INFO("nmse " << e.nmse);
      CHECK(e.nmse <= nmse_tolerance(Precision::F32));
    }
  }
  require_no_validation_messages(*b);
}

TEST_CASE("vulkan through staging buffers gives the same answers", "[vulkan]") {
  // Discrete GPUs keep tensors in memory the host cannot map: constants go through a staging
  // buffer and the output comes back by a copy. Forced here so lavapipe exercises that path.
  ScopedEnv staging("INFERMARK_VK_FORCE_STAGING", "1");
  auto b = vulkan_backend_or_skip();
  const Workload w = workload("tiny-llama", Phase::Decode, 2, 2, 7);
  check_workload(*b, w);
  const Graph g = lower(w);
  auto exe = b->compile(g, make_constants(g, 42, ""), b->devices().at(0), {});
  CHECK_THAT(exe->implementation().at("memory").get<std::string>(), Catch::Contains("staging"));
  require_no_validation_messages(*b);
}

TEST_CASE("vulkan device time comes from timestamps and fits inside the host time", "[vulkan]") {
  auto b = vulkan_backend_or_skip();
  const Workload w = workload("tiny-gpt2", Phase::Prefill, 1, 17, 0);
  const Graph g = lower(w);
  auto exe = b->compile(g, make_constants(g, 42, ""), b->devices().at(0), {});
  auto* vexe = dynamic_cast<vk::VulkanExecutable*>(exe.get());
  REQUIRE(vexe);
  CHECK_FALSE(exe->device_seconds_last().has_value());  // nothing ran yet
  const auto t0 = std::chrono::steady_clock::now();
  exe->run();
  exe->sync();
  const double host = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(exe->device_seconds_last().has_value());
  const double device = *exe->device_seconds_last();
  INFO("device " << device << " s, host " << host << " s");
  CHECK(device > 0);
  CHECK(device <= host);
  // One timestamp after each step: the steps' times add up to the whole.
  const auto steps = vexe->step_seconds_last();
  REQUIRE(steps.size() > g.ops.size() - 1);  // a cached attention adds copies
  double sum = 0;
  for (const auto& [op, s] : steps) {
    CHECK(s >= 0);
    sum += s;
  }
  CHECK(sum == Approx(device).epsilon(1e-9));
  // Per op (the Executable interface): one entry per graph op, in order, the same total.
  const auto ops = exe->op_seconds_last();
  REQUIRE(ops.size() == g.ops.size());
  double op_sum = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    CHECK(ops[i].first == g.ops[i].name);
    op_sum += ops[i].second;
  }
  CHECK(op_sum == Approx(device).epsilon(1e-9));
  const auto impl = exe->implementation();
  INFO(impl.dump(2));
  CHECK(impl.at("dispatches").get<int>() > 0);
  CHECK(impl.at("pipelines").size() > 0);
  require_no_validation_messages(*b);
}

TEST_CASE("vulkan turns a validation-layer message into an error", "[vulkan]") {
  auto b = vulkan_backend_or_skip();
  if (!b->context()->validation_enabled()) skip("the validation layer is off (INFERMARK_VK_VALIDATION)");
  const vk::PhysicalDevice& phys = b->context()->devices().at(0);
  auto device = vk::Device::open(b->context(), phys);
  // A buffer with no usage bits breaks VUID-VkBufferCreateInfo-usage-requiredbitmask.
  VkBufferCreateInfo ci{};
  ci.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  ci.size = 64;
  ci.usage = 0;
  VkBuffer buffer = VK_NULL_HANDLE;
  if (vkCreateBuffer(device->handle(), &ci, nullptr, &buffer) == VK_SUCCESS)
    vkDestroyBuffer(device->handle(), buffer, nullptr);
  try {
    b->context()->check_validation("test");
    FAIL("no validation error was reported");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Backend);
    CHECK_THAT(e.what(), Catch::Contains("usage"));
  }
  b->context()->check_validation("test");  // reported once: nothing new now
}

#endif
