// The NVML collector: a library that does not exist (injected name) and this machine's real
// libnvidia-ml.so.1 — absent here (unavailable, with dlopen's reason), or, on a GPU machine,
// an energy counter that advances and telemetry with clocks.
#include <catch2/catch.hpp>

#include <dlfcn.h>

#include <chrono>
#include <thread>

#include "profilers/nvml/nvml_collector.hpp"

using namespace infermark;
using Catch::Matchers::Contains;

namespace {

CollectorTarget gpu_target() {
  CollectorTarget t;
  t.backend = "cuda";
  t.device_id = "cuda0";
  t.device_name = "NVIDIA GPU";
  t.device_kind = "gpu";
  return t;
}

// Whether the driver's NVML loads here, asked of the dynamic loader directly.
bool nvml_loads() {
  void* h = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (h) dlclose(h);
  return h != nullptr;
}

}  // namespace

TEST_CASE("nvml: a library that cannot be loaded makes it unavailable with dlopen's reason") {
  auto c = make_nvml_collector("libinfermark-no-such-nvml.so.1");
  const Probe p = c->probe();
  CHECK_FALSE(p.available);
  CHECK_THAT(p.reason, Contains("dlopen(libinfermark-no-such-nvml.so.1)") &&
                           Contains("cannot open shared object file"));
  CHECK_THAT(c->select(gpu_target()), Contains("dlopen("));  // never measures, never throws
  CHECK(c->energy_domains().empty());
  CHECK_FALSE(c->telemetry_sample());
}

TEST_CASE("nvml: this machine's driver library") {
  auto c = make_nvml_collector();
  const Probe p = c->probe();
  if (!nvml_loads()) {
    CHECK_FALSE(p.available);
    CHECK_THAT(p.reason, Contains("dlopen(libnvidia-ml.so.1)"));
    return;
  }
  REQUIRE(p.available);
  REQUIRE_FALSE(p.measures.empty());
  CollectorTarget cpu = gpu_target();
  cpu.backend = "onednn";
  cpu.device_kind = "cpu";
  CHECK_THAT(c->select(cpu), Contains("runs on a cpu device"));
  REQUIRE(c->select(gpu_target()) == "");
  const auto domains = c->energy_domains();
  REQUIRE(domains.size() == 1);
  CHECK(domains[0].name == "gpu");
  const auto t = c->telemetry_sample();
  REQUIRE(t);
  REQUIRE(t->sm_clock_hz);
  CHECK(*t->sm_clock_hz > 1e8);  // an NVIDIA GPU clocks above 100 MHz even idle
  REQUIRE(t->temperature_c);
  CHECK(*t->temperature_c > 0);
  if (domains[0].cumulative) {
    // Even idle, a data-centre GPU draws tens of watts: 1.5 s advance the counter.
    const double e0 = c->energy_sample().at(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    const double e1 = c->energy_sample().at(0);
    CHECK(e1 - e0 > 1.0);
    CHECK(e1 - e0 < 1.5 * 1500);  // and less than 1500 W
  }
}
