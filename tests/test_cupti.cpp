// The CUPTI collector: on a machine without a CUDA driver, unavailable with CUPTI's and the
// driver's own errors (for real, here); on a GPU, the kernels of a tiny workload on the CUDA
// backend, counted per window, with their time and the top kernels.
#include <catch2/catch.hpp>

#include <dlfcn.h>

#include <cstdlib>
#include <iostream>

#include "backends/registry.hpp"
#include "config.hpp"
#include "harness/constants.hpp"
#include "support/tiny_models.hpp"
#if INFERMARK_HAS_CUPTI
#include "profilers/cupti/cupti_collector.hpp"
#endif

using namespace infermark;
using Catch::Matchers::Contains;

#if INFERMARK_HAS_CUPTI

namespace {

bool cuda_driver_loads() {
  void* h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  return h != nullptr;  // left loaded: the driver does not support unloading
}

}  // namespace

TEST_CASE("cupti: without a CUDA driver it is unavailable with CUPTI's and the driver's errors") {
  if (cuda_driver_loads()) {
    std::cout << "SKIP: a CUDA driver is installed here; the available path is the next test\n";
    std::exit(77);
  }
  auto c = make_cupti_collector();
  const Probe p = c->probe();
  CHECK_FALSE(p.available);
  CHECK_THAT(p.reason, Contains("cuptiActivityEnable") && Contains("CUPTI_ERROR"));
  CHECK_THAT(p.reason, Contains("dlopen(libcuda.so.1)"));
  CollectorTarget cpu;
  cpu.backend = "onednn";
  CHECK_THAT(c->select(cpu), Contains("does not use CUDA"));
}

TEST_CASE("cupti: kernels of the CUDA backend counted per window") {
  std::unique_ptr<Backend> backend;
  try {
    backend = make_backend("cuda");
  } catch (const std::exception& e) {
    std::cout << "SKIP: " << e.what() << "\n";
    std::exit(77);
  }
  const auto devices = backend->devices();
  if (devices.empty()) {
    std::cout << "SKIP: no CUDA device: " << backend->unavailable_reason() << "\n";
    std::exit(77);
  }
  auto c = make_cupti_collector();
  const Probe p = c->probe();
  INFO(p.reason);
  REQUIRE(p.available);
  CollectorTarget t;
  t.backend = "cuda";
  t.device_kind = "gpu";
  REQUIRE(c->select(t).empty());

  const Workload w = testing::tiny_workload("tiny-llama", Phase::Decode, 1, 1, 7);
  const Graph g = lower(w);
  auto exe = backend->compile(g, make_constants(g, 42, ""), devices.front(), {});
  exe->run();
  exe->sync();
  c->begin();
  for (int i = 0; i < 3; ++i) {
    exe->run();
    exe->sync();
  }
  c->end();
  std::map<std::string, double> v;
  for (const auto& r : c->read()) v[r.name] = r.value;
  CHECK(v.at("kernels") >= 3);  // at least one kernel per inference
  CHECK(v.at("kernel_time") > 0);
  const auto d = c->details();
  REQUIRE(d["top_kernels"].size() >= 1);
  CHECK(d["top_kernels"][0]["launches"].get<int64_t>() >= 1);

  // A second window counts only its own inferences.
  c->begin();
  exe->run();
  exe->sync();
  c->end();
  std::map<std::string, double> one;
  for (const auto& r : c->read()) one[r.name] = r.value;
  CHECK(one.at("kernels") * 3 == Approx(v.at("kernels")));
}

#else

TEST_CASE("cupti: not built") {
  std::cout << "SKIP: CUPTI is not built (" INFERMARK_CUPTI_STATUS ")\n";
  std::exit(77);
}

#endif
