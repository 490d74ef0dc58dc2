// The counters pass (DESIGN.md §5.3): after timing, separate inferences with each counter
// collector on (perf_event, PAPI, CUPTI), normalised per inference and per token.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "harness/benchmark_spec.hpp"
#include "profilers/collector.hpp"
#include "results/model/result.hpp"

namespace infermark {

// What a profiling pass adds to a benchmark: summaries, and a block for the result ("counters",
// "energy") that says what was measured, over which window, and what was not and why.
struct PassOutcome {
  std::vector<Summary> summaries;
  ojson block = ojson::object();
};

CollectorTarget collector_target(const BenchmarkSpec& spec, const DeviceInfo& device);

// A collector to try, by name (the registry's, or a test's own).
struct CollectorChoice {
  std::string name;
  std::function<std::unique_ptr<Collector>()> make;
};

// How many inferences a counters window runs: enough for `window_s` at the median latency, at
// least `min_iterations`, at most 100000.
int64_t counters_iterations(double median_s, double window_s, int min_iterations);

// Runs every counter collector of the registry on its own window of inferences. A collector that
// is unavailable, does not apply to this device or fails is recorded with the reason; it never
// fails the benchmark. Errors of the executable itself propagate.
PassOutcome run_counters_pass(Executable& exe, const BenchmarkSpec& spec,
                              const CollectorTarget& target, double median_s);

// The same with the given collectors, and the names of those not built (for tests).
PassOutcome run_counters_pass(Executable& exe, const BenchmarkSpec& spec,
                              const CollectorTarget& target, double median_s,
                              const std::vector<CollectorChoice>& collectors,
                              const std::vector<std::pair<std::string, std::string>>& not_built);

// A reading's tag segment: the name with '/' and whitespace replaced by '_'.
std::string tag_segment(const std::string& name);

}  // namespace infermark
