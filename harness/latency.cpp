#include "harness/latency.hpp"

#include <algorithm>
#include <chrono>

#include "results/model/statistics.hpp"

namespace infermark {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median_of(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// Warm-up lasts at least warmup_s and continues (up to 5× that) while the latest window of
// iterations is still clearly faster than the one before: caches, page faults, clocks and
// lazy initialisation settle at different speeds on different devices.
void warm_up(Executable& exe, const MeasurementSettings& s, LatencyResult& r) {
  constexpr size_t kWindow = 5;
  std::vector<double> times;
  const auto start = Clock::now();
  while (true) {
    const auto t0 = Clock::now();
    exe.run();
    exe.sync();
    times.push_back(seconds_since(t0));
    const double elapsed = seconds_since(start);
    if (elapsed < s.warmup_s || times.size() < 2) continue;
    if (elapsed >= 5 * s.warmup_s || times.size() < 2 * kWindow) break;
    std::vector<double> last(times.end() - kWindow, times.end());
    std::vector<double> prev(times.end() - 2 * kWindow, times.end() - kWindow);
    if (median_of(last) > 0.97 * median_of(prev)) break;  // no longer getting faster
  }
  r.warmup_s = seconds_since(start);
  r.warmup_iterations = long(times.size());
}

}  // namespace

bool ci_target_met(const std::vector<double>& samples, double target_ci) {
  if (samples.size() < 3) return false;
  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  const auto [lo, hi] = median_ci95(sorted);
  const double med = sorted[sorted.size() / 2];
  return med > 0 && (hi - lo) / 2 / med <= target_ci;
}

LatencyResult measure_latency(Executable& exe, const MeasurementSettings& s) {
  LatencyResult r;
  warm_up(exe, s, r);
  std::vector<double> device;
  bool has_device = true;
  size_t next_check = size_t(std::max(s.min_iterations, 1));
  const auto start = Clock::now();
  while (true) {
    const auto t0 = Clock::now();
    exe.run();
    exe.sync();
    r.host.push_back(seconds_since(t0));
    if (has_device) {
      auto d = exe.device_seconds_last();
      if (d)
        device.push_back(*d);
      else
        has_device = false;
    }
    const double elapsed = seconds_since(start);
    const size_t n = r.host.size();
    if (elapsed >= s.max_time_s) {
      r.stopping = "max_time";
      break;
    }
    if (n >= kMaxSamples) {
      r.stopping = "max_iterations";
      break;
    }
    // Checking the CI sorts the samples: do it at geometric steps, outside any timed region.
    if (n >= size_t(s.min_iterations) && elapsed >= s.min_time_s && n >= next_check) {
      if (ci_target_met(r.host, s.target_ci)) {
        r.stopping = "ci_target_met";
        break;
      }
      next_check = n + std::max<size_t>(1, n / 8);
    }
  }
  if (has_device && device.size() == r.host.size()) r.device = std::move(device);
  return r;
}

}  // namespace infermark
