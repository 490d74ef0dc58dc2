// The server scenario: Poisson arrivals at a rate, bounds on the 99th percentiles of TTFT and TPOT,
// MLPerf's early-stopping rule for the confidence, and optionally the search for the highest rate.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "harness/poisson_schedule.hpp"
#include "harness/scenario_early_stopping.hpp"
#include "harness/scenario_engine.hpp"
#include "harness/scenario_qps_search.hpp"
#include "harness/scenario_run.hpp"
#include "results/model/statistics.hpp"

namespace infermark {

namespace {

constexpr double kPercentile = 0.99;  // the bounds are on p99 (MLPerf LLM server)
constexpr double kConfidence = 0.99;  // MLPerf's early-stopping confidence
constexpr double kMinDurationBounds = 10;  // a load point's arrivals span ≥ 10 × the TTFT bound
constexpr int kMaxRequests = 100000;       // memory cap of one load point

struct LoadRun {
  double qps = 0;
  std::vector<ScheduledRequest> schedule;
  ServeTrace trace;
  std::vector<double> ttft, tpot, e2e;
  double ttft_p99 = 0, tpot_p99 = 0;
  bool held = false;
  ojson usage;  // the step executables' runs in this load point
};

// Percentile p of n values is over a bound once n − ⌊n·p⌋ of them are (sorted[⌊n·p⌋]).
int64_t over_allowed_plus_one(int n) { return n - int64_t(std::floor(n * kPercentile)); }

LoadRun run_load(StepExecutor& steps, const Workload& w, double qps, int n, uint64_t seed,
                 bool may_abort) {
  LoadRun r;
  r.qps = qps;
  r.schedule = poisson_schedule(w.scenario, qps, n, seed);
  steps.reset_counts();
  const AbortRule rule{w.scenario.ttft_p99_ms * 1e-3, w.scenario.tpot_p99_ms * 1e-3,
                       over_allowed_plus_one(n)};
  r.trace = serve(r.schedule, w.batch, steps, may_abort ? &rule : nullptr);
  // A run stopped early keeps the requests it completed; it never holds.
  for (const RequestTiming& t : r.trace.requests) {
    if (!(t.done > 0)) continue;
    r.ttft.push_back(t.ttft());
    r.tpot.push_back(t.tpot());
    r.e2e.push_back(t.e2e());
  }
  r.usage = steps.usage();
  if (r.trace.aborted || r.e2e.empty()) return r;
  r.ttft_p99 = compute_stats(r.ttft).p99;
  r.tpot_p99 = compute_stats(r.tpot).p99;
  r.held = r.ttft_p99 <= w.scenario.ttft_p99_ms * 1e-3 && r.tpot_p99 <= w.scenario.tpot_p99_ms * 1e-3;
  return r;
}

// `k` requests of the schedule's lengths, each served alone (arriving when the previous is done).
LoadRun run_alone(StepExecutor& steps, const Workload& w, int k, uint64_t seed) {
  LoadRun r;
  r.schedule = offline_requests(w.scenario, k, seed);
  steps.reset_counts();
  double offset = 0;
  for (ScheduledRequest& q : r.schedule) {
    const ServeTrace one = serve({{0.0, q.prompt, q.generate}}, 1, steps);
    RequestTiming t = one.requests.front();
    q.arrival_s = t.arrival = offset;
    t.first_token += offset;
    t.done += offset;
    r.trace.requests.push_back(t);
    r.trace.prefill_steps += one.prefill_steps;
    r.trace.decode_steps += one.decode_steps;
    r.trace.decode_rows += one.decode_rows;
    r.trace.max_running = std::max(r.trace.max_running, one.max_running);
    r.trace.inter_token_s.insert(r.trace.inter_token_s.end(), one.inter_token_s.begin(),
                                 one.inter_token_s.end());
    offset += one.duration;
    r.ttft.push_back(t.ttft());
    r.tpot.push_back(t.tpot());
    r.e2e.push_back(t.e2e());
  }
  r.trace.duration = offset;
  r.usage = steps.usage();
  r.ttft_p99 = compute_stats(r.ttft).p99;
  r.tpot_p99 = compute_stats(r.tpot).p99;
  return r;  // qps 0: no arrival process; never "held"
}

std::string ms(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g ms", s * 1e3);
  return buf;
}

std::string qps_text(double q) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g QPS", q);
  return buf;
}

ojson early_stopping_json(const EarlyStopping& e) {
  return {{"requests", e.requests}, {"over_bound", e.over}, {"required", e.required},
          {"met", e.met}, {"confidence", e.confidence}};
}

}  // namespace

ScenarioOutcome run_server(StepExecutor& steps, const Workload& w, const MeasurementSettings& s) {
  const Scenario& sc = w.scenario;
  ScenarioOutcome o;
  LoadRun last, best;  // the latest load point; the highest-rate confirmation that held
  ojson points = ojson::array();
  // A load point lasts at least 10 × the TTFT bound (MLPerf's min_duration idea): a rate 11%
  // above what the device sustains builds a backlog longer than the bound within that time, so
  // a short burst cannot pass an overload. `requests` is the least count.
  const double min_duration = kMinDurationBounds * sc.ttft_p99_ms * 1e-3;
  auto run = [&](double qps, int least, bool confirmation) {
    const double wanted = std::max<double>(least, std::ceil(qps * min_duration));
    const double capped = std::min(wanted, std::max(32.0, std::ceil(qps * kMaxLoadPointSeconds)));
    const int n = int(std::min<double>(kMaxRequests, capped));
    // In a search, any load point may stop once a bound is certainly broken; a single load
    // point runs every request.
    last = run_load(steps, w, qps, n, s.seed, sc.find_max_qps);
    if (confirmation && last.held && last.qps > best.qps) best = last;
    ojson point = {{"qps", qps}, {"requests", n}, {"confirmation", confirmation}};
    if (last.trace.aborted) {
      point["stopped_early"] = "a bound was certainly broken after " +
                               std::to_string(last.trace.duration) + " s";
    } else {
      point["ttft_p99_s"] = last.ttft_p99;
      point["tpot_p99_s"] = last.tpot_p99;
      point["achieved_qps"] = n / last.trace.duration;
    }
    point["held"] = last.held;
    points.push_back(point);
    return last.held;
  };

  std::optional<double> max_qps;
  if (sc.find_max_qps) {
    // Requests served alone first: load only adds queueing and batching, so when their median
    // already breaks a bound no rate can hold it, and their time sets the search's floor.
    LoadRun alone = run_alone(steps, w, std::min(8, sc.requests), s.seed);
    const double ttft_med = compute_stats(alone.ttft).median, tpot_med = compute_stats(alone.tpot).median;
    const double e2e_mean = compute_stats(alone.e2e).mean;
    const double ttft_mean = compute_stats(alone.ttft).mean;
    // Prefills run one at a time and a decode step serves at most `batch` requests, each step
    // costing at least what it costs alone: no rate above 1 / (prefill + decode / batch) can be
    // sustained, so the search starts there when the target is higher.
    const double capacity = 1 / (ttft_mean + (e2e_mean - ttft_mean) / w.batch);
    const double start = std::min(sc.target_qps, capacity);
    ojson isolated = {{"requests", alone.e2e.size()},
                      {"ttft_median_s", ttft_med},
                      {"tpot_median_s", tpot_med},
                      {"e2e_mean_s", e2e_mean},
                      {"capacity_bound_qps", capacity}};
    if (ttft_med > sc.ttft_p99_ms * 1e-3 || tpot_med > sc.tpot_p99_ms * 1e-3) {
      const std::string why = "requests served alone already break a bound (median TTFT " +
                              ms(ttft_med) + ", TPOT " + ms(tpot_med) + " over " +
                              std::to_string(alone.e2e.size()) + " requests): no arrival rate can hold it";
      o.block["search"] = {{"start_qps", sc.target_qps}, {"isolated", isolated},
                           {"points", points}, {"max_qps", nullptr}, {"note", why}};
      o.reasons.push_back(why);
      last = std::move(alone);  // the only requests that ran are reported
    } else {
      QpsSearchSettings qs;
      qs.final_requests = sc.requests;
      // Short probes: the p99 of 32 requests is their maximum, stricter than the p99 of the
      // confirmation, so a probe rarely passes a rate the confirmation then fails.
      qs.probe_requests = std::min(sc.requests, 32);
      qs.min_qps = 0.1 / e2e_mean;  // 10% busy with requests served alone
      const QpsSearchResult found = search_max_qps(run, start, qs);
      max_qps = found.max_qps;
      o.block["search"] = {{"start_qps", start},
                           {"target_qps", sc.target_qps},
                           {"min_duration_s", min_duration},
                           {"probe_requests", qs.probe_requests},
                           {"final_requests", qs.final_requests},
                           {"tolerance", qs.tolerance},
                           {"min_qps", qs.min_qps},
                           {"isolated", isolated},
                           {"points", points},
                           {"max_qps", found.max_qps ? ojson(*found.max_qps) : ojson(nullptr)},
                           {"note", found.note}};
      if (!found.max_qps) o.reasons.push_back("no arrival rate held the bounds: " + found.note);
      if (found.max_qps) last = best;  // report the confirmation at max_qps, not a later failure
    }
  } else {
    run(sc.target_qps, sc.requests, true);
  }
  // `last` is the reported load point: the single run, the confirmation at max_qps, or (when no
  // rate held) the last load point run.
  const ServeTrace& tr = last.trace;
  const size_t n = last.e2e.size();  // completed requests (all, unless no rate held)
  int64_t prompt_tokens = 0, output_tokens = 0;
  for (const RequestTiming& t : tr.requests)
    if (t.done > 0) prompt_tokens += t.prompt, output_tokens += t.generate;
  if (tr.aborted)
    o.reasons.push_back("the reported load point stopped early, once a bound was certainly broken: " +
                        std::to_string(n) + " of " + std::to_string(tr.requests.size()) +
                        " requests completed");

  const std::vector<std::string> tail = {"p90", "p99"};
  add_distribution(o.summaries, "scenario/ttft", last.ttft, tail,
                   "time to first token: arrival to the end of its prefill, queueing included");
  add_distribution(o.summaries, "scenario/tpot", last.tpot, tail,
                   "time per output token of a request: (done − first token) / (generate − 1)");
  add_distribution(o.summaries, "scenario/itl", tr.inter_token_s, tail,
                   "inter-token latency: gap between consecutive output tokens of a request");
  add_distribution(o.summaries, "scenario/e2e", last.e2e, tail, "request latency, arrival to last token");
  if (last.qps > 0)
    o.summaries.push_back({"scenario/offered_qps", "1/s", last.qps, std::nullopt,
                           "the Poisson arrival rate of the reported load point", ""});
  o.summaries.push_back({"scenario/achieved_qps", "1/s", double(n) / tr.duration, std::nullopt,
                         "requests completed per second (requests / time to the last completion)", ""});
  if (max_qps)
    o.summaries.push_back({"scenario/max_qps", "1/s", *max_qps, std::nullopt,
                           "highest arrival rate that held both p99 bounds, confirmed with " +
                               std::to_string(sc.requests) + " requests", ""});
  o.summaries.push_back({"throughput/requests_per_s", "1/s", double(n) / tr.duration, std::nullopt,
                         "requests served per second at the reported load point", ""});
  o.summaries.push_back({"throughput/output_tokens_per_s", "1/s", double(output_tokens) / tr.duration,
                         std::nullopt, "output tokens per second at the reported load point", ""});
  o.host_samples = last.e2e;
  const auto host = host_latency_summaries(last.e2e);
  o.summaries.insert(o.summaries.end(), host.begin(), host.end());

  // Validity: the bounds held at the reported point, and enough requests to trust the p99 (MLPerf).
  const double ttft_bound = sc.ttft_p99_ms * 1e-3, tpot_bound = sc.tpot_p99_ms * 1e-3;
  o.validity_extra["latency_bounds"] = {{"qps", last.qps},
                                        {"ttft_p99_s", tr.aborted ? ojson(nullptr) : ojson(last.ttft_p99)},
                                        {"ttft_bound_s", ttft_bound},
                                        {"tpot_p99_s", tr.aborted ? ojson(nullptr) : ojson(last.tpot_p99)},
                                        {"tpot_bound_s", tpot_bound},
                                        {"held", last.held}};
  if (!tr.aborted && last.ttft_p99 > ttft_bound)
    o.reasons.push_back("TTFT p99 " + ms(last.ttft_p99) + " exceeds the bound " + ms(ttft_bound) +
                        " at " + qps_text(last.qps));
  if (!tr.aborted && last.tpot_p99 > tpot_bound)
    o.reasons.push_back("TPOT p99 " + ms(last.tpot_p99) + " exceeds the bound " + ms(tpot_bound) +
                        " at " + qps_text(last.qps));
  const EarlyStopping es_ttft = early_stopping(last.ttft, ttft_bound, kPercentile, kConfidence);
  const EarlyStopping es_tpot = early_stopping(last.tpot, tpot_bound, kPercentile, kConfidence);
  o.validity_extra["early_stopping"] = {
      {"rule", "MLPerf LoadGen early stopping (tolerance 0): P(≤ t of n over the bound | p99 at "
               "the bound) ≤ 1 − confidence"},
      {"percentile", kPercentile},
      {"confidence_target", kConfidence},
      {"ttft", early_stopping_json(es_ttft)},
      {"tpot", early_stopping_json(es_tpot)}};
  for (auto [name, e] : {std::pair{"TTFT", &es_ttft}, std::pair{"TPOT", &es_tpot}})
    if (!e->met) {
      char buf[300];
      std::snprintf(buf, sizeof buf,
                    "too few requests for a sound %s p99: %lld with %lld over the bound give %.1f%% "
                    "confidence; MLPerf's early-stopping rule needs %lld for %.0f%%",
                    name, (long long)e->requests, (long long)e->over, 100 * e->confidence,
                    (long long)e->required, 100 * kConfidence);
      o.reasons.push_back(buf);
    }
  o.stopping = "all_requests_done";

  double last_arrival = last.schedule.empty() ? 0 : last.schedule.back().arrival_s;
  o.block["load"] = {{"offered_qps", last.qps},
                     {"min_duration_s", min_duration},
                     {"max_duration_s", kMaxLoadPointSeconds},
                     {"scheduled_qps", last_arrival > 0 ? double(n) / last_arrival : 0.0},
                     {"achieved_qps", double(n) / tr.duration},
                     {"duration_s", tr.duration},
                     {"requests", n},
                     {"prefill_steps", tr.prefill_steps},
                     {"decode_steps", tr.decode_steps},
                     {"mean_decode_batch", tr.decode_steps ? double(tr.decode_rows) / tr.decode_steps : 0.0},
                     {"max_running", tr.max_running}};
  if (last.qps == 0) o.block["load"]["note"] = "requests served one at a time; no load point ran";
  // One entry per scheduled request; null where a run stopped early left it unfinished.
  ojson req = {{"arrival_s", ojson::array()}, {"prompt", ojson::array()}, {"generate", ojson::array()},
               {"ttft_s", ojson::array()}, {"tpot_s", ojson::array()}, {"e2e_s", ojson::array()}};
  for (const RequestTiming& t : tr.requests) {
    const bool done = t.done > 0;
    req["arrival_s"].push_back(t.arrival);
    req["prompt"].push_back(t.prompt);
    req["generate"].push_back(t.generate);
    req["ttft_s"].push_back(done ? ojson(t.ttft()) : ojson(nullptr));
    req["tpot_s"].push_back(done ? ojson(t.tpot()) : ojson(nullptr));
    req["e2e_s"].push_back(done ? ojson(t.e2e()) : ojson(nullptr));
  }
  o.block["requests"] = req;
  if (!sc.find_max_qps) o.block["points"] = points;
  o.usage = last.usage;
  o.requests = int64_t(n);
  o.prompt_tokens = prompt_tokens;
  o.output_tokens = output_tokens;
  return o;
}

}  // namespace infermark
