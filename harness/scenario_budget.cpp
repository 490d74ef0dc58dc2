#include "harness/scenario_budget.hpp"

#include "harness/scenario_buckets.hpp"

namespace infermark {

double scenario_time_allowance(const Workload& w, const MeasurementSettings& s) {
  if (w.scenario.is_step()) return 0;
  const StepPlan plan = step_plan(w);
  const double per_step = 30;  // compile, check, warm-up, an energy pass of a few seconds
  double t = per_step * double(plan.prefill.size() + plan.decode.size());
  if (w.scenario.kind == ScenarioKind::Server) {
    const double one_point = w.scenario.requests / w.scenario.target_qps;
    // A search runs a dozen short probes and up to four confirmations at rates that may fall
    // well below the start; stopping early keeps broken points short.
    t += (w.scenario.find_max_qps ? 16 : 2) * one_point + 300;
  } else {
    t += s.max_time_s;
  }
  return t;
}

}  // namespace infermark
