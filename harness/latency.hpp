// The latency pass: warm-up until latency stops falling, then timed iterations until the minimum
// time and count are reached and the median's 95% CI is within target, or the time cap says stop.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "suites/suite_file.hpp"

namespace infermark {

struct LatencyResult {
  std::vector<double> host;                   // seconds, every timed iteration
  std::optional<std::vector<double>> device;  // when the backend has a device timer
  std::string stopping;                       // "ci_target_met" | "max_time" | "max_iterations"
  double warmup_s = 0;
  long warmup_iterations = 0;
};

// Hard cap on kept samples, so microsecond workloads cannot exhaust memory within max_time_s.
constexpr size_t kMaxSamples = 200000;

LatencyResult measure_latency(Executable& exe, const MeasurementSettings& s);

// Whether the CI criterion is met for these samples (exposed for tests).
bool ci_target_met(const std::vector<double>& samples, double target_ci);

}  // namespace infermark
