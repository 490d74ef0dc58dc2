// The counters pass with the real perf_event collector on an executable whose cost is known:
// each inference burns 1 ms of CPU and touches 32 fresh pages; values per inference and per
// token, the window, and events no collector here can count.
#include <catch2/catch.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <ctime>
#include <iostream>

#include "harness/counters_pass.hpp"
#include "profilers/perf_event/perf_event_collector.hpp"

using namespace infermark;
using Catch::Matchers::Contains;

namespace {

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

class KnownCostExecutable final : public Executable {
 public:
  static constexpr size_t kPages = 32;
  void run() override {
    const size_t page = size_t(sysconf(_SC_PAGESIZE));
    void* m = mmap(nullptr, kPages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    madvise(m, kPages * page, MADV_NOHUGEPAGE);
    for (size_t i = 0; i < kPages; ++i) static_cast<volatile char*>(m)[i * page] = 1;
    munmap(m, kPages * page);
    const double t0 = thread_cpu_seconds();
    volatile double x = 1;
    while (thread_cpu_seconds() - t0 < 0.001) x = x * 1.0000001;
    ++runs;
  }
  void sync() override {}
  std::optional<double> device_seconds_last() override { return std::nullopt; }
  HostTensor output() override { return {}; }
  int64_t runs = 0;
};

BenchmarkSpec spec_with(std::vector<std::string> counters) {
  BenchmarkSpec s;
  s.workload.phase = Phase::Prefill;
  s.workload.batch = 2;
  s.workload.seq = 8;  // 16 tokens per inference
  s.backend = "reference";
  s.device = "cpu0";
  s.settings.min_time_s = 0.05;
  s.settings.min_iterations = 20;
  s.counters = std::move(counters);
  return s;
}

const Summary* find(const PassOutcome& o, const std::string& tag) {
  for (const auto& s : o.summaries)
    if (s.tag == tag) return &s;
  return nullptr;
}

}  // namespace

TEST_CASE("counters pass: iterations cover the window at the median latency") {
  CHECK(counters_iterations(0.001, 0.05, 20) == 50);
  CHECK(counters_iterations(0.01, 0.05, 20) == 20);     // the minimum count wins
  CHECK(counters_iterations(1e-9, 1.0, 1) == 100000);   // capped
  CHECK(counters_iterations(0.0, 1.0, 7) == 7);         // no median: the minimum
}

TEST_CASE("counters pass: perf_event software counters per inference and per token") {
  if (!make_perf_event_collector()->probe().available) {
    std::cout << "SKIP: perf_event_open is not usable here\n";
    std::exit(77);
  }
  KnownCostExecutable exe;
  const BenchmarkSpec spec = spec_with({});
  CollectorTarget target;
  target.backend = "reference";
  target.device_kind = "cpu";
  timespec p0{}, p1{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p0);
  const PassOutcome o = run_counters_pass(exe, spec, target, 0.001,
                                          {{"perf_event", make_perf_event_collector}}, {});
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p1);
  const double process_cpu = double(p1.tv_sec - p0.tv_sec) + double(p1.tv_nsec - p0.tv_nsec) * 1e-9;
  // 0.05 s at 1 ms per inference: 50 inferences.
  CHECK(exe.runs == 50);
  const Summary* clock = find(o, "counter/perf_event/task_clock");
  const Summary* clock_tok = find(o, "counter/perf_event/task_clock/per_token");
  const Summary* faults = find(o, "counter/perf_event/page_faults");
  REQUIRE((clock && clock_tok && faults));
  CHECK(clock->per == "inference");
  CHECK(clock->unit == "s");
  CHECK(clock->value >= 0.001);  // the burn alone is 1 ms of CPU
  // Every thread of the process counts (a BLAS pool may spin after start-up): at most the
  // process's CPU time over the pass, per inference.
  CHECK(clock->value <= (1.02 * process_cpu + 1e-3) / 50);
  CHECK(clock_tok->per == "token");
  CHECK(clock_tok->value == Approx(clock->value / 16));
  CHECK(faults->value >= 0.95 * KnownCostExecutable::kPages);
  CHECK(clock->extra["window_inferences"] == 50);
  const auto& entry = o.block["collectors"][0];
  CHECK(entry["name"] == "perf_event");
  CHECK(entry["state"] == "measured");
  CHECK(entry["inferences"] == 50);
}

TEST_CASE("counters pass: named events that nothing here counts are listed, never dropped") {
  KnownCostExecutable exe;
  const BenchmarkSpec spec = spec_with({"PAPI_TOT_INS", "PAPI_L3_TCM"});
  CollectorTarget target;
  target.backend = "reference";
  target.device_kind = "cpu";
  const PassOutcome o = run_counters_pass(exe, spec, target, 0.001, {},
                                          {{"papi", "not built (libpapi-dev not found)"}});
  CHECK(o.summaries.empty());
  CHECK(exe.runs == 0);
  const auto& entry = o.block["collectors"][0];
  CHECK(entry["name"] == "papi");
  CHECK(entry["state"] == "unavailable");
  CHECK_THAT(entry["unavailable"]["PAPI_L3_TCM"].get<std::string>(), Contains("not built"));
  CHECK(o.block["unavailable"].contains("PAPI_TOT_INS"));
}
