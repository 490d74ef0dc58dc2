// The latency pass: stopping criteria (CI target met, time cap), minimum count and time, the
// warm-up that waits for latency to stop falling, and device-timer samples.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <functional>
#include <numeric>

#include "harness/latency.hpp"

using namespace infermark;

namespace {

using Clock = std::chrono::steady_clock;

// A test double of our own Executable interface: each run() busy-waits for the duration the
// schedule gives for that call number (spinning, not sleeping, for sub-millisecond precision).
class TimedExecutable : public Executable {
 public:
  TimedExecutable(std::function<double(long)> seconds_for_call,
                  std::function<std::optional<double>(long)> device = nullptr)
      : seconds_(std::move(seconds_for_call)), device_(std::move(device)) {}

  void run() override {
    const auto now = Clock::now();
    if (calls_ == 0) first_start_ = now;
    const auto until = now + std::chrono::duration<double>(seconds_(calls_));
    while (Clock::now() < until) {
    }
    ends_.push_back(Clock::now());
    ++calls_;
  }
  void sync() override { ++syncs_; }
  std::optional<double> device_seconds_last() override {
    return device_ ? device_(calls_ - 1) : std::nullopt;
  }
  HostTensor output() override { return {}; }

  long calls() const { return calls_; }
  long syncs() const { return syncs_; }
  // How many calls had finished `seconds` after the first one started.
  long calls_done_after(double seconds) const {
    long n = 0;
    for (auto t : ends_) n += std::chrono::duration<double>(t - first_start_).count() <= seconds;
    return n;
  }

 private:
  std::function<double(long)> seconds_;
  std::function<std::optional<double>(long)> device_;
  long calls_ = 0;
  long syncs_ = 0;
  Clock::time_point first_start_;
  std::vector<Clock::time_point> ends_;
};

MeasurementSettings quick() {
  MeasurementSettings s;
  s.warmup_s = 0.01;
  s.min_time_s = 0.05;
  s.max_time_s = 1.0;
  s.min_iterations = 10;
  s.target_ci = 0.05;
  return s;
}

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

}  // namespace

TEST_CASE("a steady workload stops when the CI target is met, after the minimum time",
          "[latency]") {
  TimedExecutable exe([](long) { return 0.0005; });
  MeasurementSettings s = quick();
  s.min_time_s = 0.15;  // a 0.5 ms steady workload meets ±5% long before this
  const LatencyResult r = measure_latency(exe, s);
  CHECK(r.stopping == "ci_target_met");
  CHECK(r.host.size() >= size_t(s.min_iterations));
  CHECK(sum(r.host) >= 0.9 * s.min_time_s);
  CHECK(sum(r.host) < s.max_time_s);
  CHECK(exe.calls() == r.warmup_iterations + long(r.host.size()));
  CHECK(exe.syncs() == exe.calls());  // every timed run is synchronised
  for (double t : r.host) CHECK(t >= 0.0005);
  CHECK(r.warmup_s >= s.warmup_s);
  CHECK_FALSE(r.device);
}

TEST_CASE("a steady workload runs at least min_iterations", "[latency]") {
  TimedExecutable exe([](long) { return 0.00005; });
  MeasurementSettings s = quick();
  s.min_time_s = 0;
  s.min_iterations = 400;
  const LatencyResult r = measure_latency(exe, s);
  CHECK(r.stopping == "ci_target_met");
  CHECK(r.host.size() >= 400);
}

TEST_CASE("an unreachable CI target stops at max_time", "[latency]") {
  // Alternating 1 ms / 3 ms, and a target of ±1e-9: no two wall-clock samples agree to a
  // nanosecond. (At ±0.5% a loaded machine could meet it: preemption can stretch both modes
  // into one cluster.)
  TimedExecutable exe([](long i) { return i % 2 ? 0.003 : 0.001; });
  MeasurementSettings s = quick();
  s.target_ci = 1e-9;
  s.min_time_s = 0.02;
  s.max_time_s = 0.25;
  const auto t0 = Clock::now();
  const LatencyResult r = measure_latency(exe, s);
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  CHECK(r.stopping == "max_time");
  // Every sample but the last started before the cap was reached.
  REQUIRE(r.host.size() >= 2);
  CHECK(sum(r.host) - r.host.back() < s.max_time_s);
  CHECK(sum(r.host) >= 0.8 * s.max_time_s);
  CHECK(wall < s.max_time_s + 5 * s.warmup_s + 0.2);
  CHECK_FALSE(ci_target_met(r.host, s.target_ci));
}

TEST_CASE("ci_target_met on hand-made samples", "[latency]") {
  CHECK_FALSE(ci_target_met({}, 0.5));
  CHECK_FALSE(ci_target_met({1.0, 1.0}, 0.5));  // too few to say
  CHECK(ci_target_met(std::vector<double>(50, 0.002), 0.001));
  std::vector<double> bimodal;
  for (int i = 0; i < 100; ++i) bimodal.push_back(i % 2 ? 0.003 : 0.001);
  CHECK_FALSE(ci_target_met(bimodal, 0.1));
  CHECK(ci_target_met(bimodal, 0.5));  // median 3 ms, CI 1 … 3 ms: ±33%
}

TEST_CASE("warm-up continues while latency is still falling", "[latency]") {
  // Call i takes 0.05 ms + 0.5 ms · 0.968^i: each window of 5 calls is ~15% faster than the one
  // before until about call 110 (~21 ms in). warmup_s = 12 ms alone would stop near call 35;
  // falling latency must keep the warm-up going, so the timed samples miss the slow start.
  auto schedule = [](long i) { return 0.00005 + 0.0005 * std::pow(0.968, double(i)); };
  TimedExecutable exe(schedule);
  MeasurementSettings s = quick();
  s.warmup_s = 0.012;
  s.min_time_s = 0.01;
  const LatencyResult r = measure_latency(exe, s);
  INFO("warm-up: " << r.warmup_iterations << " iterations, " << r.warmup_s << " s");
  CHECK(r.warmup_s <= 5 * s.warmup_s + 0.01);  // the cap
  // The trend is judged over two windows of 5: a machine too busy to finish 10 calls within
  // warmup_s (they need ~5 ms) gives the code nothing to judge, and this test nothing to check.
  if (exe.calls_done_after(s.warmup_s) < 12) {
    WARN("machine too busy: only " << exe.calls_done_after(s.warmup_s)
                                   << " calls within warmup_s; falling-latency check skipped");
  } else {
    CHECK(r.warmup_iterations >= 90);
    CHECK(r.warmup_s > s.warmup_s);
  }

  // A steady workload stops warming up as soon as warmup_s has passed. A preempted call can make
  // one window look 3% slower than the next on a busy machine, so up to three tries: a warm-up
  // that ignored a flat trend would overrun in every one of them.
  s.warmup_s = 0.02;
  LatencyResult rs;
  for (int attempt = 0; attempt < 3; ++attempt) {
    TimedExecutable steady([](long) { return 0.002; });
    rs = measure_latency(steady, s);
    if (rs.warmup_iterations <= 15 && rs.warmup_s < 2 * s.warmup_s + 0.01) break;
  }
  INFO("steady warm-up: " << rs.warmup_iterations << " iterations, " << rs.warmup_s << " s");
  CHECK(rs.warmup_iterations <= 15);
  CHECK(rs.warmup_s < 2 * s.warmup_s + 0.01);
}

TEST_CASE("device samples are kept when the executable has a device timer", "[latency]") {
  MeasurementSettings s = quick();
  s.min_time_s = 0.01;
  SECTION("device timer present") {
    TimedExecutable exe([](long) { return 0.0002; },
                        [](long i) { return std::optional<double>(1e-4 + 1e-7 * double(i % 3)); });
    const LatencyResult r = measure_latency(exe, s);
    REQUIRE(r.device);
    REQUIRE(r.device->size() == r.host.size());
    // The i-th timed sample is call warmup_iterations + i.
    for (size_t i = 0; i < r.device->size(); ++i)
      CHECK((*r.device)[i] == 1e-4 + 1e-7 * double((r.warmup_iterations + long(i)) % 3));
  }
  SECTION("no device timer") {
    TimedExecutable exe([](long) { return 0.0002; },
                        [](long) { return std::optional<double>(); });
    const LatencyResult r = measure_latency(exe, s);
    CHECK_FALSE(r.device);
    CHECK_FALSE(r.host.empty());
  }
}
