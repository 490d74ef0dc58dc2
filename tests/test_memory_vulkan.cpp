// Memory on the Vulkan backend over lavapipe (issue 14): the device's limits, the allocations by
// purpose against hand counts, and workloads above lavapipe's buffer limits ending skipped with
// the reason (or, for weights above one binding, accepted: they are bound in slices), never a crash.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <iostream>

#include "config.hpp"

#include "support/skip.hpp"

#if !INFERMARK_HAS_VULKAN

TEST_CASE("vulkan memory", "[memory][vulkan]") { infermark::test::skip("the vulkan backend is not built: " INFERMARK_VULKAN_STATUS); }

#else

#include "backends/vulkan/vk_check.hpp"
#include "backends/vulkan/vk_context.hpp"
#include "backends/vulkan/vk_device.hpp"
#include "backends/vulkan/vk_memory.hpp"
#include "backends/vulkan/vulkan_backend.hpp"
#include "common/error.hpp"
#include "harness/benchmark.hpp"
#include "harness/constants.hpp"
#include "harness/fit_check.hpp"
#include "suites/cost_model.hpp"
#include "suites/graph.hpp"
#include "support/tiny_models.hpp"
#include "support/vulkan_backend_fixture.hpp"
#include "support/vulkan_test_env.hpp"

using namespace infermark;
using infermark::test::require_no_validation_messages;
using infermark::test::vulkan_backend_or_skip;

namespace {

// An encoder of one layer with the given width, vocabulary and FFN, for shapes at the limits.
Workload encoder(int hidden, int vocab, int ffn, int batch, int seq) {
  ModelConfig m = builtin_models().at("bert-base");
  m.name = "limits-enc";
  m.hidden = hidden;
  m.heads = m.kv_heads = 4;
  m.head_dim = hidden / 4;
  m.ffn = ffn;
  m.layers = 1;
  m.vocab = vocab;
  m.max_seq = seq;
  Workload w;
  w.model = m;
  w.phase = Phase::Encode;
  w.batch = batch;
  w.seq = seq;
  w.layers = 1;
  validate_workload(w, "test", "/workload");
  return w;
}

BenchmarkSpec spec_for(const Workload& w) {
  BenchmarkSpec s;
  s.workload = w;
  s.backend = "vulkan";
  s.device = "vk0";
  s.settings.seed = 42;
  return s;
}

}  // namespace

TEST_CASE("vulkan reports the device's memory limits and its allocations by purpose", "[memory][vulkan]") {
  auto b = vulkan_backend_or_skip();
  const DeviceInfo dev = b->devices().at(0);
  const vk::PhysicalDevice& phys = b->context()->device(dev.id);
  std::cout << "vulkan device " << dev.name << " (ICD " << testing::vulkan_test_icd() << ")\n";
  const DeviceLimits l = b->limits(dev);
  REQUIRE(l.total_bytes);
  REQUIRE(l.max_allocation_bytes);
  REQUIRE(l.max_binding_bytes);
  CHECK(*l.max_binding_bytes == int64_t(phys.props.limits.maxStorageBufferRange));
  CHECK(*l.max_allocation_bytes >= *l.max_binding_bytes);
  CHECK(l.weights_sliced);
  CHECK(l.host_memory == (phys.props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU));
  CHECK(dev.details.at("device_local_bytes").get<int64_t>() >= *l.total_bytes);

  // tiny-llama (hidden 64, 4 heads of 16, 2 KV heads, ffn 160, 2 layers, vocab 512), decode b2
  // c7: weights 512·64 (embedding) + 2 × (64 + 64² + 2·32·64 + 64² + 64 + 3·160·64) + 64 +
  // 512·64 (LM head) = 151,872; KV 2 layers × keys and values × 2·(7+1) rows × 32 = 2,048.
  const Precision precisions[] = {Precision::F32, Precision::F16};
  for (Precision p : precisions) {
    const Workload w = testing::tiny_workload("tiny-llama", Phase::Decode, 2, 1, 7, p);
    if (!b->supports(w).ok) {
      WARN("vulkan " << to_string(p) << ": " << b->supports(w).reason);
      continue;
    }
    INFO(w.id());
    const int eb = bytes_per_element(p);
    const Graph g = lower(w);
    auto exe = b->compile(g, make_constants(g, 42, ""), dev, {});
    const MemoryUsage u = exe->memory_usage();
    REQUIRE(u.measured);
    // Every weight and KV tensor here is a multiple of 16 bytes, so buffers hold them exactly.
    CHECK(u.weights == 151872 * eb);
    CHECK(u.kv_cache == 2048 * eb);
    const MemoryCost m = memory_cost(g);
    CHECK(u.activations >= m.activations_bytes() + m.id_bytes);
    CHECK(u.workspace > 0);  // the RoPE table and the dummy binding at least
    // The total is what vkAllocateMemory was asked for, as the executable also reports it.
    CHECK(u.total() == exe->implementation().at("memory_bytes").get<int64_t>());
  }
  require_no_validation_messages(*b);
}

TEST_CASE("vulkan: a workload above lavapipe's buffer limits ends skipped with the reason", "[memory][vulkan]") {
  auto b = vulkan_backend_or_skip();
  const DeviceInfo dev = b->devices().at(0);
  const DeviceLimits l = b->limits(dev);
  REQUIRE(l.max_allocation_bytes);
  REQUIRE(l.max_binding_bytes);
  const int64_t max_alloc = *l.max_allocation_bytes, max_bind = *l.max_binding_bytes;

  // An embedding table one row of 512 f32 (2 kB) beyond the largest buffer: refused before any
  // constant is made.
  const int vocab = int(max_alloc / 2048 + 1);
  BenchmarkResult r = run_benchmark(spec_for(encoder(512, vocab, 512, 1, 8)));
  INFO(r.reason);
  CHECK(r.state == State::Skipped);
  CHECK_THAT(r.reason, Catch::StartsWith("does not fit: "));
  const std::string problems = r.extra.at("memory").at("fit").at("problems").dump();
  CHECK_THAT(problems, Catch::Contains("maxMemoryAllocationSize"));
  CHECK_THAT(problems, Catch::Contains(format_bytes(int64_t(vocab) * 2048)));

  // An FFN activation one row beyond a binding (activations are bound whole): refused too.
  // [b·s, ffn] f32 with b·s = 32,768 rows of 4·ffn bytes.
  const int ffn = int(max_bind / (32768 * 4) + 1);
  r = run_benchmark(spec_for(encoder(64, 128, ffn, 64, 512)));
  INFO(r.reason);
  CHECK(r.state == State::Skipped);
  CHECK_THAT(r.reason, Catch::Contains("maxStorageBufferRange"));
  CHECK_THAT(r.reason, Catch::Contains(format_bytes(int64_t(32768) * ffn * 4)));

  // A weight above one binding but within one buffer is bound in slices ("vulkan binds weights
  // and tables larger than a binding in slices"): the fit check accepts it.
  const int sliced_vocab = int(max_bind / 2048 + 1);
  REQUIRE(int64_t(sliced_vocab) * 2048 <= max_alloc);
  const FitCheck f = check_fit(memory_cost(lower(encoder(512, sliced_vocab, 512, 1, 8))), l,
                               HostMemory{int64_t(1) << 40, int64_t(1) << 40, "test"});
  INFO(f.reason());
  CHECK(f.fits);

  // Below the harness, the backend's own guard: a buffer above the limit is an error with the
  // numbers, raised before anything is allocated.
  auto device = vk::Device::open(b->context(), b->context()->device(dev.id));
  vk::BufferPool pool(device, vk::MemoryUse::Tensors);
  try {
    pool.add(VkDeviceSize(max_alloc) + 16);
    FAIL("BufferPool::add accepted a buffer above maxMemoryAllocationSize");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::OutOfMemory);
    CHECK_THAT(e.what(), Catch::Contains(std::to_string(max_alloc)));
  }
  require_no_validation_messages(*b);
}

TEST_CASE("vulkan: the driver's out-of-memory results mean the workload does not fit", "[memory][vulkan]") {
  // Out of memory becomes OutOfMemory (the harness then ends the benchmark skipped); any other
  // failure stays a backend error (failed).
  for (VkResult r : {VK_ERROR_OUT_OF_DEVICE_MEMORY, VK_ERROR_OUT_OF_HOST_MEMORY, VK_ERROR_DEVICE_LOST}) {
    INFO(vk::result_name(r));
    try {
      vk::throw_vk_error("vkAllocateMemory(dev, &ai, nullptr, &m)", r, "vk_memory.cpp", 1);
    } catch (const Error& e) {
      CHECK(e.kind() == (r == VK_ERROR_DEVICE_LOST ? ErrorKind::Backend : ErrorKind::OutOfMemory));
      CHECK_THAT(e.what(), Catch::Contains(vk::result_name(r)));
    }
  }
  BenchmarkResult b;
  record_exception(std::make_exception_ptr(Error(ErrorKind::OutOfMemory, "vkAllocateMemory failed")), b);
  CHECK(b.state == State::Skipped);
  CHECK_THAT(b.reason, Catch::Contains("does not fit") && Catch::Contains("vkAllocateMemory failed"));
  record_exception(std::make_exception_ptr(Error(ErrorKind::Backend, "vkQueueSubmit failed")), b);
  CHECK(b.state == State::Failed);
}

#endif
