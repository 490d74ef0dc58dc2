// The three serving scenarios over compiled steps (README "Serving scenarios"). Each is a plain
// function of the steps, the workload and the settings, so tests drive them with executables of
// a fixed step time on a virtual clock.
#pragma once

#include <string>
#include <vector>

#include "harness/scenario_steps.hpp"
#include "results/model/result.hpp"
#include "suites/suite_file.hpp"

namespace infermark {

struct ScenarioOutcome {
  // generate: end-to-end seconds per repetition; server: per request of the reported load
  // point; offline: seconds per pass over the whole pool. Stored as the result's host samples.
  std::vector<double> host_samples;
  std::vector<Summary> summaries;
  std::string stopping;                // validity.stopping
  std::vector<std::string> reasons;    // why the result is not valid (empty: valid)
  ojson validity_extra = ojson::object();  // "latency_bounds", "early_stopping"
  ojson block = ojson::object();           // the result's "scenario" block
  // The reported run: its step executables' runs (StepExecutor::usage()), requests and tokens,
  // for the result's step list and energy per request and per token.
  ojson usage;
  int64_t requests = 0;
  int64_t prompt_tokens = 0;
  int64_t output_tokens = 0;
};

// Repeats one request (prefill of batch × prompt, then generate − 1 decode steps) until the
// settings' stopping rule on its end-to-end time: TTFT, TPOT, inter-token latency, end-to-end.
ScenarioOutcome run_generate(StepExecutor& steps, const Workload& w, const MeasurementSettings& s);

// Poisson arrivals at target_qps (or the search for the highest QPS that holds the bounds),
// served with continuous batching: TTFT, TPOT, achieved QPS, bounds and early stopping.
// A server load point's arrivals span at most this long: a slow device then serves fewer than
// `requests` requests, and the result states the confidence those reach instead of running for
// an hour (MLPerf would insist on the count; the early-stopping block shows what was reached).
inline constexpr double kMaxLoadPointSeconds = 120;

ScenarioOutcome run_server(StepExecutor& steps, const Workload& w, const MeasurementSettings& s);

// The whole request pool available at once, served with continuous batching at the workload's
// batch, repeated until the stopping rule: requests/s and tokens/s.
ScenarioOutcome run_offline(StepExecutor& steps, const Workload& w, const MeasurementSettings& s);

// ---- pieces shared by the three (scenario_summaries.cpp) ----

// "<prefix>/median" with its 95% CI and "<prefix>/<p>" for each of `percentiles` ("p90", "p99").
void add_distribution(std::vector<Summary>& out, const std::string& prefix,
                      const std::vector<double>& values, const std::vector<std::string>& percentiles,
                      const std::string& what);
// amount / median(x), its CI mapped through 1/x.
void add_rate(std::vector<Summary>& out, const std::string& tag, double amount,
              const std::vector<double>& x, const std::string& what);
// latency/host/* of the host samples (statistics only, no rates: a scenario's tokens differ).
std::vector<Summary> host_latency_summaries(const std::vector<double>& host);
// Repetitions stop as the latency pass's timed loop does: min_iterations and min_time_s
// reached and the median's CI within target, or max_time_s. Returns the stopping criterion, or
// "" to go on.
std::string repetitions_done(const std::vector<double>& samples, double elapsed_s,
                             const MeasurementSettings& s);

}  // namespace infermark
