// The serving loop of the server and offline scenarios: requests arrive on the host clock, the
// device is sent one step at a time — a prefill for one waiting request, or one decode step for
// every running request together (continuous batching up to the scenario's batch).
#pragma once

#include <vector>

#include "harness/poisson_schedule.hpp"
#include "harness/scenario_steps.hpp"

namespace infermark {

// One request as served; times in seconds from the start of the run.
struct RequestTiming {
  double arrival = 0;      // when it arrived (its scheduled time)
  double first_token = 0;  // when its prefill, which yields the first output token, finished
  double done = 0;         // when its last output token was produced
  int prompt = 0;
  int generate = 0;
  double ttft() const { return first_token - arrival; }
  // MLPerf's definition: the time after the first token, over the tokens after the first.
  double tpot() const { return (done - first_token) / (generate - 1); }
  double e2e() const { return done - arrival; }
};

struct ServeTrace {
  std::vector<RequestTiming> requests;  // in schedule order
  double duration = 0;                  // start of the run … the last request done
  int64_t prefill_steps = 0;
  int64_t decode_steps = 0;
  int64_t decode_rows = 0;              // Σ requests per decode step (mean batch = rows / steps)
  int max_running = 0;                  // most requests decoding together
  // Every gap between two consecutive output tokens of a request (vLLM's inter-token latency):
  // its decode step plus any prefills of other requests run in between.
  std::vector<double> inter_token_s;
  bool aborted = false;                 // stopped by the abort rule (requests left unfinished)
};

// A load point may stop as soon as a bound is certainly broken: when `max_over` requests are
// already over the TTFT bound (waiting longer than it, or served after it) or over the TPOT bound
// (time since the first token over generate − 1 tokens already above it). For a p99 bound over n
// requests, max_over = n − ⌊0.99·n⌋ (MLPerf's percentile is sorted[⌊n·p⌋]).
struct AbortRule {
  double ttft_bound_s = 0;
  double tpot_bound_s = 0;
  int64_t max_over = 0;
};

// Serves `schedule` (arrivals ascending) to completion. Policy, chosen to be simple and common
// (vLLM's default is similar): when a request waits and fewer than `max_batch` run, its prefill
// goes first (batch 1); otherwise all running requests take one decode step together, at the
// context of the longest; with nothing to do, the loop waits for the next arrival.
ServeTrace serve(const std::vector<ScheduledRequest>& schedule, int max_batch, StepExecutor& steps,
                 const AbortRule* abort = nullptr);

}  // namespace infermark
