// How long a serving-scenario benchmark may take beyond a fixed-step one, for the runner's derived
// per-benchmark time-out (a suite's timeout_s or --timeout replaces it altogether).
#pragma once

#include "suites/suite_file.hpp"

namespace infermark {

// Extra seconds: compiling, warming up and metering every step executable, plus the scenario's
// own time (generate, offline: max_time_s again; server: its requests at the target rate, or at
// 1 QPS when searching, several times over). 0 for a step workload.
double scenario_time_allowance(const Workload& w, const MeasurementSettings& s);

}  // namespace infermark
