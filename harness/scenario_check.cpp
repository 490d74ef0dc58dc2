#include "harness/scenario_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "harness/benchmark.hpp"
#include "harness/constants.hpp"
#include "harness/correctness.hpp"
#include "harness/reference_cache.hpp"

namespace infermark {

void check_steps(const BenchmarkSpec& spec, Backend& backend, const DeviceInfo& dev,
                 std::vector<CompiledStep>& steps) {
  const double budget = spec.settings.correctness_budget_s / double(std::max<size_t>(steps.size(), 1));
  for (CompiledStep& st : steps) {
    const Workload& w = st.workload;
    st.exe->run();
    st.exe->sync();
    const HostTensor first = st.exe->output();
    Correctness& c = st.check;
    c.reference = "reference (f64, OpenBLAS dgemm)";
    c.checked = spec.backend == "reference" ? "self" : "full";
    c.checked_layers = w.layers;
    const double tol = nmse_tolerance(w.precision);
    if (reference_seconds_estimate(w) <= budget || w.layers == 1) {
      st.expect = reference_output(w, spec.settings.seed, spec.weights_path, weights_source(spec),
                                   spec.cache_dir).output;
      st.expect_is_oracle = true;
      apply_comparison(c, compare_outputs(first, st.expect), tol);
      continue;
    }
    Workload reduced = w;
    reduced.layers = std::clamp(int(w.layers * budget / reference_seconds_estimate(w)), 1, w.layers - 1);
    c.checked = "reduced";
    c.checked_layers = reduced.layers;
    const HostTensor ref = reference_output(reduced, spec.settings.seed, spec.weights_path,
                                            weights_source(spec), spec.cache_dir).output;
    const Graph g = lower(reduced);
    auto small = backend.compile(g, make_constants(g, spec.settings.seed, spec.weights_path), dev,
                                 {spec.threads});
    small->run();
    small->sync();
    apply_comparison(c, compare_outputs(small->output(), ref), tol);
    st.expect = first;
    st.expect_is_oracle = false;
  }
}

void recheck_steps(std::vector<CompiledStep>& steps, Correctness& summary) {
  double worst = 0, tol = 0;
  bool pass = true, all_oracle = true;
  for (CompiledStep& st : steps) {
    const ErrorStats e = compare_outputs(st.exe->output(), st.expect);
    tol = nmse_tolerance(st.workload.precision);
    const bool ok = e.shapes_match && e.finite && e.nmse <= tol;
    pass &= ok;
    all_oracle &= st.expect_is_oracle;
    worst = std::max(worst, e.finite ? e.nmse : INFINITY);
  }
  char buf[240];
  std::snprintf(buf, sizeof buf,
                "%s: outputs of all %zu step executables after timing vs %s, worst nmse %.3g "
                "(tolerance %.3g)",
                pass ? "pass" : "fail", steps.size(),
                all_oracle ? "the reference" : "the reference or, where checked on fewer layers, "
                                               "their own outputs before timing",
                worst, tol);
  summary.rechecked_after_timing = true;
  summary.recheck = buf;
}

Correctness combine_checks(const std::vector<CompiledStep>& steps, Precision precision) {
  Correctness c;
  c.reference = "reference (f64, OpenBLAS dgemm)";
  c.tolerance_nmse = nmse_tolerance(precision);
  c.verdict = steps.empty() ? "not_run" : "pass";
  c.checked = "full";
  c.checked_layers = steps.empty() ? 0 : steps.front().workload.layers;
  ojson per = ojson::array();
  for (const CompiledStep& st : steps) {
    const Correctness& s = st.check;
    if (s.verdict != "pass") c.verdict = "fail";
    if (s.checked == "self" && c.checked == "full") c.checked = "self";
    if (s.checked == "reduced") {
      c.checked = "reduced";
      c.checked_layers = std::min(c.checked_layers, s.checked_layers);
    }
    c.max_abs_err = std::max(c.max_abs_err, s.max_abs_err);
    c.max_rel_err = std::max(c.max_rel_err, s.max_rel_err);
    c.nmse = std::max(c.nmse, std::isfinite(s.nmse) ? s.nmse : INFINITY);
    per.push_back({{"step", st.workload.id()},
                   {"verdict", s.verdict},
                   {"checked", s.checked},
                   {"checked_layers", s.checked_layers},
                   {"nmse", s.nmse},
                   {"max_abs_err", s.max_abs_err}});
  }
  c.extra["steps"] = per;
  return c;
}

}  // namespace infermark
