// The generate scenario: one request of batch × prompt tokens, generated to the end, repeated.
#include <cstdio>

#include "harness/scenario_run.hpp"
#include "results/model/statistics.hpp"

namespace infermark {

ScenarioOutcome run_generate(StepExecutor& steps, const Workload& w, const MeasurementSettings& s) {
  const int B = w.batch, P = w.scenario.prompt.min, G = w.scenario.generate.min;
  ScenarioClock& clock = steps.clock();
  std::vector<double> ttft, tpot, e2e, itl;
  ScenarioOutcome o;
  steps.reset_counts();
  const double start = clock.now();
  while (o.stopping.empty()) {
    const double t0 = clock.now();
    steps.prefill(B, P);
    const double first = clock.now();
    double prev = first;
    // Decode step k feeds output token k at position P + k − 1, against a cache of that length.
    for (int k = 1; k < G; ++k) {
      steps.decode(B, P + k - 1);
      const double t = clock.now();
      itl.push_back(t - prev);
      prev = t;
    }
    ttft.push_back(first - t0);
    e2e.push_back(prev - t0);
    tpot.push_back((prev - first) / (G - 1));
    o.stopping = repetitions_done(e2e, clock.now() - start, s);
  }

  const std::vector<std::string> tail = {"p90", "p99"};
  add_distribution(o.summaries, "scenario/ttft", ttft, tail,
                   "time to first token per repetition: the prefill of " + std::to_string(B) + "×" +
                       std::to_string(P) + " tokens, logits on the host");
  add_distribution(o.summaries, "scenario/tpot", tpot, tail,
                   "time per output token per repetition: (end − first token) / (generate − 1)");
  add_distribution(o.summaries, "scenario/itl", itl, tail,
                   "inter-token latency: one decode step, over every step of every repetition");
  add_distribution(o.summaries, "scenario/e2e", e2e, tail,
                   "end-to-end time of one generation of " + std::to_string(G) + " tokens");
  add_rate(o.summaries, "throughput/prefill_tokens_per_s", double(B) * P, ttft,
           "prompt tokens per second of prefill (batch × prompt / median TTFT)");
  add_rate(o.summaries, "throughput/decode_tokens_per_s", double(B), tpot,
           "output tokens per second while decoding (batch / median TPOT)");
  o.host_samples = e2e;
  const auto host = host_latency_summaries(e2e);
  o.summaries.insert(o.summaries.end(), host.begin(), host.end());

  if (o.stopping != "ci_target_met") {
    const SampleStats st = compute_stats(e2e);
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "median end-to-end time's 95%% CI is ±%.2f%%, wider than the ±%.2f%% target when "
                  "stopped by %s after %zu repetitions",
                  100 * st.rel_ci_half_width(), 100 * s.target_ci, o.stopping.c_str(), e2e.size());
    o.reasons.push_back(buf);
  }
  o.block["repetitions"] = e2e.size();
  o.block["per_repetition"] = {{"ttft_s", ttft}, {"tpot_s", tpot}, {"e2e_s", e2e}};
  o.block["inter_token_s"] = itl;
  o.usage = steps.usage();
  o.requests = int64_t(e2e.size()) * B;
  o.prompt_tokens = o.requests * P;
  o.output_tokens = o.requests * G;
  return o;
}

}  // namespace infermark
