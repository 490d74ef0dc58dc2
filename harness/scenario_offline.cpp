// The offline scenario: every request available at once, served at the workload's batch.
#include <cstdio>

#include "harness/poisson_schedule.hpp"
#include "harness/scenario_engine.hpp"
#include "harness/scenario_run.hpp"
#include "results/model/statistics.hpp"

namespace infermark {

ScenarioOutcome run_offline(StepExecutor& steps, const Workload& w, const MeasurementSettings& s) {
  const std::vector<ScheduledRequest> pool = offline_requests(w.scenario, w.scenario.requests, s.seed);
  int64_t prompt_tokens = 0, output_tokens = 0;
  for (const ScheduledRequest& r : pool) prompt_tokens += r.prompt, output_tokens += r.generate;
  ScenarioClock& clock = steps.clock();
  ScenarioOutcome o;
  std::vector<double> durations;
  ServeTrace trace;
  const double start = clock.now();
  while (o.stopping.empty()) {
    steps.reset_counts();  // the usage reported is that of one pass
    trace = serve(pool, w.batch, steps);
    durations.push_back(trace.duration);
    o.stopping = repetitions_done(durations, clock.now() - start, s);
  }
  const double n = double(pool.size());
  add_rate(o.summaries, "throughput/requests_per_s", n, durations,
           "requests per second (pool / median time to serve it)");
  add_rate(o.summaries, "throughput/output_tokens_per_s", double(output_tokens), durations,
           "output tokens per second (pool's output tokens / median time to serve it)");
  add_rate(o.summaries, "throughput/total_tokens_per_s", double(prompt_tokens + output_tokens),
           durations, "prompt and output tokens per second");
  o.host_samples = durations;
  const auto host = host_latency_summaries(durations);
  o.summaries.insert(o.summaries.end(), host.begin(), host.end());
  if (o.stopping != "ci_target_met") {
    const SampleStats st = compute_stats(durations);
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "median time to serve the pool has a 95%% CI of ±%.2f%%, wider than the ±%.2f%% "
                  "target when stopped by %s after %zu passes",
                  100 * st.rel_ci_half_width(), 100 * s.target_ci, o.stopping.c_str(),
                  durations.size());
    o.reasons.push_back(buf);
  }
  o.block["passes"] = durations.size();
  o.block["load"] = {{"requests", pool.size()},
                     {"prompt_tokens", prompt_tokens},
                     {"output_tokens", output_tokens},
                     {"prefill_steps", trace.prefill_steps},
                     {"decode_steps", trace.decode_steps},
                     {"mean_decode_batch",
                      trace.decode_steps ? double(trace.decode_rows) / trace.decode_steps : 0.0},
                     {"max_running", trace.max_running}};
  o.usage = steps.usage();
  o.requests = int64_t(pool.size());
  o.prompt_tokens = prompt_tokens;
  o.output_tokens = output_tokens;
  return o;
}

}  // namespace infermark
