// The energy pass's arithmetic as plain functions over timestamped readings, so tests can inject
// counter values (wraps, idle, too-short windows) and check every figure by hand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "suites/workload.hpp"

namespace infermark {

// One reading of an energy domain: a cumulative counter (J) or an instantaneous power (W).
struct EnergyReading {
  double t = 0;      // seconds, one monotonic clock for the whole pass
  double value = 0;  // J (counter) or W (power)
};

// Energy over a window of readings.
struct EnergyWindow {
  double joules = 0;
  double seconds = 0;       // last reading's time − first reading's
  int64_t updates = 0;      // times the reading changed inside the window
  std::string source;       // "counter" | "integrated power"
};

// Counter: the sum of the unwrapped steps between consecutive readings (a reading below the
// one before wrapped once at `wrap_joules`; 0: the counter never wraps, and a decrease throws).
// Needs at least two readings.
EnergyWindow counter_window(const std::vector<EnergyReading>& r, double wrap_joules);

// Power: trapezoid integral of the readings over time. Needs at least two readings.
EnergyWindow integrated_power_window(const std::vector<EnergyReading>& r);

// Why a window is too short for its counter's resolution (fewer than `min_seconds` or fewer
// than `min_updates` changes); empty when it is long enough.
std::string window_shortfall(const EnergyWindow& w, double min_seconds, int64_t min_updates);

// The figures the energy pass reports for one domain.
struct EnergyFigures {
  double joules_per_inference = 0;
  double joules_per_token = 0;
  double mean_power_w = 0;
  double uncertainty_joules_per_inference = 0;  // each window edge may miss one counter update
  // With an idle window (nothing running, just before):
  std::optional<double> idle_power_w;
  std::optional<double> joules_per_inference_above_idle;  // (E − idle W × window) / inferences
  std::optional<double> joules_per_token_above_idle;
};

// `idle`: the window measured just before with nothing running, or nullopt when it was too short.
EnergyFigures energy_figures(const EnergyWindow& active, const std::optional<EnergyWindow>& idle,
                             int64_t inferences, int64_t tokens_per_inference);

// What a token is for J/token of this phase: the tokens each inference processes, i.e. prompt
// tokens for prefill, newly generated tokens for decode, input tokens for encode.
std::string token_kind(Phase phase);

// The length to aim for: at least `min_seconds` and at least `min_updates` nominal update periods
// of the counter (NVML's updates about every 100 ms).
double energy_window_seconds(double update_period_s, double min_seconds, int64_t min_updates);

}  // namespace infermark
