// The perf_event collector on this machine, for real: page faults of touching fresh pages, the
// task clock of a busy loop (between the thread's CPU clock and the wall clock), threads started
// before the window, and hardware counters where the kernel exposes a PMU, or why it does not.
#include <catch2/catch.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include "profilers/perf_event/perf_event_collector.hpp"

using namespace infermark;
using Catch::Matchers::Contains;

namespace {

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// CPU time of every thread of this process (OpenBLAS's pool spins for a while after it starts).
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// Spins until this thread has used `seconds` of CPU time (not wall time: the machine is shared).
void burn_cpu(double seconds) {
  const double start = thread_cpu_seconds();
  volatile double x = 1;
  while (thread_cpu_seconds() - start < seconds)
    for (int i = 0; i < 1000; ++i) x = x * 1.0000001 + 1e-9;
}

std::map<std::string, double> values(Collector& c) {
  std::map<std::string, double> out;
  for (const auto& r : c.read()) out[r.name] = r.value;
  return out;
}

// Does the kernel expose a CPU PMU? Its sysfs node, checked independently of perf_event_open.
bool cpu_pmu_exposed() {
  for (const char* pmu : {"cpu", "cpu_core", "cpu_atom", "armv8_pmuv3_0"})
    if (std::filesystem::exists(std::string("/sys/bus/event_source/devices/") + pmu)) return true;
  return false;
}

std::unique_ptr<Collector> available_collector() {
  auto c = make_perf_event_collector();
  const Probe p = c->probe();
  if (!p.available) {
    std::cout << "SKIP: perf_event_open is not usable here: " << p.reason << "\n";
    std::exit(77);
  }
  return c;
}

}  // namespace

TEST_CASE("perf_event: touching N fresh pages counts at least N page faults") {
  auto c = available_collector();
  constexpr size_t kPages = 2000;
  const size_t page = size_t(sysconf(_SC_PAGESIZE));
  void* mem = mmap(nullptr, kPages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(mem != MAP_FAILED);
  madvise(mem, kPages * page, MADV_NOHUGEPAGE);  // one fault per 4 KiB page, not per 2 MiB
  c->begin();
  for (size_t i = 0; i < kPages; ++i) static_cast<volatile char*>(mem)[i * page] = 1;
  c->end();
  munmap(mem, kPages * page);
  const auto v = values(*c);
  REQUIRE(v.count("page_faults"));
  CHECK(v.at("page_faults") >= 0.95 * kPages);
  CHECK(v.at("page_faults") <= kPages + 500);  // the loop itself faults on little else
}

TEST_CASE("perf_event: task clock of a busy loop lies between its CPU time and its wall time") {
  // The task clock counts every thread of the process on a CPU by the kernel's clock: at least
  // this thread's CPU time, at most the whole process's CPU time over the window (other threads,
  // such as a BLAS pool spinning after start-up, count too), and the busy thread alone keeps it
  // within the window's wall time times the process's threads.
  auto c = available_collector();
  const auto w0 = std::chrono::steady_clock::now();
  const double t0 = thread_cpu_seconds();
  const double p0 = process_cpu_seconds();
  c->begin();
  burn_cpu(0.2);
  c->end();
  const double cpu = thread_cpu_seconds() - t0;
  const double process = process_cpu_seconds() - p0;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  const auto v = values(*c);
  REQUIRE(v.count("task_clock"));
  CHECK(v.at("task_clock") >= 0.98 * cpu);
  CHECK(v.at("task_clock") <= 1.02 * process + 1e-3);
  CHECK(cpu <= wall);
  CHECK(cpu >= 0.2);
}

TEST_CASE("perf_event: sleeping switches context, and threads started before the window count") {
  auto c = available_collector();
  std::atomic<bool> go{false};
  std::thread worker([&] {
    while (!go) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    burn_cpu(0.1);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the worker exists and waits
  c->begin();
  go = true;
  for (int i = 0; i < 5; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  worker.join();
  c->end();
  const auto v = values(*c);
  CHECK(v.at("task_clock") >= 0.09);  // the worker's 0.1 s of CPU was counted
  if (v.count("context_switches")) {
    CHECK(v.at("context_switches") >= 5);  // each sleep gives up the CPU at least once
  } else {
    // Unprivileged with perf_event_paranoid ≥ 2: kernel-side events are named as unavailable.
    CHECK_THAT(c->details()["unavailable"]["context_switches"].get<std::string>(),
               Contains("user space only"));
  }
}

TEST_CASE("perf_event: hardware counters where a PMU is exposed, otherwise the reason") {
  auto c = available_collector();
  const Probe p = c->probe();
  std::map<std::string, std::string> parts(p.unavailable_parts.begin(), p.unavailable_parts.end());
  for (const char* sw : {"task_clock", "context_switches", "page_faults", "cpu_migrations"})
    CHECK((std::find(p.measures.begin(), p.measures.end(), sw) != p.measures.end() ||
           parts.count(sw)));  // measured, or named with the reason
  c->begin();
  burn_cpu(0.05);
  c->end();
  const auto v = values(*c);
  CHECK(v.count("task_clock"));  // software counters are there either way
  if (!cpu_pmu_exposed()) {
    REQUIRE(parts.count("hardware counters"));
    CHECK_THAT(parts["hardware counters"], Contains("perf_event_open(PERF_COUNT_HW_CPU_CYCLES)"));
    CHECK_THAT(parts["hardware counters"], Contains("ENOENT") || Contains("EOPNOTSUPP") || Contains("ENODEV"));
    CHECK(v.count("cycles") == 0);
    CHECK(c->details()["unavailable"].contains("hardware counters"));
  } else {
    CHECK(parts.count("hardware counters") == 0);
    REQUIRE(v.count("cycles"));
    CHECK(v.at("cycles") > 1e6);        // 50 ms of a GHz-class CPU
    CHECK(v.at("instructions") > 1e6);
    CHECK(v.at("ipc") > 0);
  }
}
