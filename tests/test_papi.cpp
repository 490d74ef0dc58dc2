// The PAPI collector against Debian's PAPI on this machine, for real: why it finds no hardware
// events when the kernel exposes no PMU, an unknown event name as bad input, and a known preset
// that cannot be counted listed as unavailable (never silently dropped).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "common/error.hpp"
#include "config.hpp"
#include "profilers/registry.hpp"
#if INFERMARK_HAS_PAPI
#include "profilers/papi/papi_collector.hpp"
#endif

using namespace infermark;
using Catch::Matchers::Contains;

namespace {

bool cpu_pmu_exposed() {
  for (const char* pmu : {"cpu", "cpu_core", "cpu_atom", "armv8_pmuv3_0"})
    if (std::filesystem::exists(std::string("/sys/bus/event_source/devices/") + pmu)) return true;
  return false;
}

}  // namespace

#if INFERMARK_HAS_PAPI

TEST_CASE("papi: probe says whether PAPI finds hardware events, and why not") {
  auto c = make_papi_collector();
  const Probe p = c->probe();
  if (!cpu_pmu_exposed()) {
    CHECK_FALSE(p.available);
    CHECK_THAT(p.reason, Contains("finds no hardware events"));
    CHECK_THAT(p.reason, Contains("perf_event"));  // the component that is disabled
    CHECK_THAT(p.reason, Contains("PMU"));         // libpfm4's own words for why
  } else {
    CHECK(p.available);
  }
}

TEST_CASE("papi: an unknown preset name is bad input that names it") {
  auto c = make_papi_collector();
  try {
    c->request({"PAPI_TOT_INS", "PAPI_NOT_AN_EVENT"});
    FAIL("no error for PAPI_NOT_AN_EVENT");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK_THAT(e.what(), Contains("PAPI_NOT_AN_EVENT") && Contains("not a PAPI preset") &&
                             Contains("papi_avail"));
  }
  // The same check runs before a run starts (exit 2 from `infermark run`).
  CHECK_THROWS_AS(check_counter_events({"PAPI_NOT_AN_EVENT"}), Error);
  CHECK_NOTHROW(check_counter_events({"PAPI_TOT_INS"}));
}

TEST_CASE("papi: a known preset is counted, or listed as unavailable with the reason") {
  auto c = make_papi_collector();
  c->request({"PAPI_TOT_INS"});
  c->begin();
  volatile double x = 1;
  for (int i = 0; i < 1000000; ++i) x = x * 1.0000001;
  c->end();
  const auto readings = c->read();
  const auto details = c->details();
  if (!cpu_pmu_exposed()) {
    CHECK(readings.empty());
    REQUIRE(details.contains("unavailable"));
    REQUIRE(details["unavailable"].contains("PAPI_TOT_INS"));
    CHECK_THAT(details["unavailable"]["PAPI_TOT_INS"].get<std::string>(),
               Contains("not countable on this machine"));
  } else {
    REQUIRE(readings.size() == 1);
    CHECK(readings[0].name == "PAPI_TOT_INS");
    CHECK(readings[0].value > 1e6);  // a million multiply-adds retire more instructions than that
  }
}

#else

TEST_CASE("papi: not built") {
  std::cout << "SKIP: PAPI is not built (" INFERMARK_PAPI_STATUS ")\n";
  std::exit(77);
}

#endif
