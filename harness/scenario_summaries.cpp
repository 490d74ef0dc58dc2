// Summaries and the stopping rule shared by the serving scenarios.
#include <cstdio>

#include "harness/latency.hpp"
#include "harness/scenario_run.hpp"
#include "harness/summaries.hpp"
#include "results/model/statistics.hpp"

namespace infermark {

void add_distribution(std::vector<Summary>& out, const std::string& prefix,
                      const std::vector<double>& values, const std::vector<std::string>& percentiles,
                      const std::string& what) {
  if (values.empty()) return;
  const SampleStats st = compute_stats(values);
  out.push_back({prefix + "/median", "s", st.median,
                 std::make_pair(st.median_ci_lo, st.median_ci_hi),
                 "median " + what + " (" + std::to_string(values.size()) + " values)", ""});
  for (const std::string& p : percentiles) {
    const double v = p == "p90" ? st.p90 : p == "p95" ? st.p95 : p == "p99" ? st.p99 : st.max;
    out.push_back({prefix + "/" + p, "s", v, std::nullopt,
                   p + " " + what + " (MLPerf: sorted[⌊n·p⌋] of " + std::to_string(values.size()) + ")",
                   ""});
  }
}

void add_rate(std::vector<Summary>& out, const std::string& tag, double amount,
              const std::vector<double>& x, const std::string& what) {
  if (x.empty()) return;
  const SampleStats st = compute_stats(x);
  if (!(st.median > 0)) return;
  out.push_back({tag, "1/s", amount / st.median,
                 std::make_pair(amount / st.median_ci_hi, amount / st.median_ci_lo), what, ""});
}

std::vector<Summary> host_latency_summaries(const std::vector<double>& host) {
  std::vector<Summary> out;
  for (Summary& s : latency_summaries(host, std::nullopt, 1, WorkloadCost{}))
    if (s.tag.rfind("latency/", 0) == 0) out.push_back(std::move(s));
  return out;
}

std::string repetitions_done(const std::vector<double>& samples, double elapsed_s,
                             const MeasurementSettings& s) {
  if (elapsed_s >= s.max_time_s) return "max_time";
  if (samples.size() >= kMaxSamples) return "max_iterations";
  if (samples.size() >= size_t(std::max(s.min_iterations, 1)) && elapsed_s >= s.min_time_s &&
      ci_target_met(samples, s.target_ci))
    return "ci_target_met";
  return "";
}

}  // namespace infermark
