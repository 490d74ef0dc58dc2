// The console summary of a run: one aligned plain-text row per benchmark, then counts per state.
// Renders whatever summaries exist; a missing one shows as "-".
#pragma once

#include <string>

#include "results/model/result.hpp"

namespace infermark {

// Columns: workload, backend:device, state, median (host latency, auto-scaled µs/ms/s),
// tokens/s, GFLOP/s, correctness ("pass 2.3e-12": verdict and nmse). Ends with a line like
// "2 benchmarks: 1 passed, 0 mistrusted, 0 failed, 1 unimplemented, 0 skipped", then the
// serving scenarios' table (console_scenarios.hpp) when the run has any.
std::string summary_table(const RunResult& run);

// "6.11 ms", "850 µs", "1.25 s": three significant digits in the largest unit that keeps the
// value ≥ 1 (µs below a millisecond); "-" when not finite.
std::string format_seconds(double s);

}  // namespace infermark
