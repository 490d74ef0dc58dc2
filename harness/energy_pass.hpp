// The energy pass (DESIGN.md §5.4): idle power just before, then back-to-back inferences long
// enough for the energy counters' resolution; J/inference, J/token and mean W, with provenance.
#pragma once

#include "harness/counters_pass.hpp"

namespace infermark {

struct EnergyPassLimits {
  double min_window_s = 1.0;    // each window lasts at least this long …
  int64_t min_updates = 10;     // … and sees at least this many counter updates
  double max_window_s = 10.0;   // the active window stops here even when too few updates came
};

// Runs when spec.energy is "on", or "auto" and an energy collector measures this benchmark's
// device; "off" records that it was turned off. An unavailable collector is recorded with the
// reason and never fails the benchmark; errors of the executable itself propagate.
PassOutcome run_energy_pass(Executable& exe, const BenchmarkSpec& spec, const CollectorTarget& target);

// The same with the given collectors and limits (tests: a fake powercap tree, short windows).
PassOutcome run_energy_pass(Executable& exe, const BenchmarkSpec& spec, const CollectorTarget& target,
                            const std::vector<CollectorChoice>& collectors,
                            const EnergyPassLimits& limits);

}  // namespace infermark
