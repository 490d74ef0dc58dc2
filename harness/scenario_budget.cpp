#include "harness/scenario_budget.hpp"

#include <algorithm>

#include "harness/scenario_buckets.hpp"
#include "harness/scenario_run.hpp"

namespace infermark {

double scenario_time_allowance(const Workload& w, const MeasurementSettings& s) {
  if (w.scenario.is_step()) return 0;
  const StepPlan plan = step_plan(w);
  const double per_step = 30;  // compile, check, warm-up, an energy pass of a few seconds
  double t = per_step * double(plan.prefill.size() + plan.decode.size());
  if (w.scenario.kind == ScenarioKind::Server) {
    // A load point lasts requests / rate, and at least 10 × the TTFT bound. A search may settle
    // far below its start: its points are allowed a rate down to 1 QPS (a device slower than
    // that at the bounds needs timeout_s); broken points stop early.
    const double rate = w.scenario.find_max_qps ? std::min(w.scenario.target_qps, 1.0)
                                                : w.scenario.target_qps;
    const double one_point =
        std::min(std::max(w.scenario.requests / rate, 10 * w.scenario.ttft_p99_ms * 1e-3),
                 kMaxLoadPointSeconds + 32 / rate);
    // A search runs at most 12 probes and 6 confirmations (QpsSearchSettings); most stop early.
    t += (w.scenario.find_max_qps ? 18 : 2) * one_point + 300;
  } else {
    t += s.max_time_s;
  }
  return t;
}

}  // namespace infermark
