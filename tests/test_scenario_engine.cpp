// The serving scenarios' host-side logic on executables of a fixed step time (a virtual clock, so
// every expectation is hand-computed): buckets, step routing, the serving loop, TTFT/TPOT
// arithmetic of generate, MLPerf's early-stopping numbers.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

#include "harness/scenario_budget.hpp"
#include "harness/scenario_buckets.hpp"
#include "harness/scenario_early_stopping.hpp"
#include "harness/scenario_energy.hpp"
#include "harness/scenario_engine.hpp"
#include "harness/scenario_run.hpp"
#include "support/fixed_step.hpp"

using namespace infermark;
using namespace infermark::test;

namespace {

const Summary& summary(const std::vector<Summary>& all, const std::string& tag) {
  for (const Summary& s : all)
    if (s.tag == tag) return s;
  FAIL("no summary " << tag);
  throw;
}

ModelConfig tiny_decoder() {
  ModelConfig m;
  m.name = "tiny";
  m.family = Family::Decoder;
  m.hidden = 16;
  m.heads = 2;
  m.kv_heads = 2;
  m.head_dim = 8;
  m.ffn = 32;
  m.layers = 1;
  m.vocab = 32;
  m.max_seq = 64;
  return m;
}

}  // namespace

TEST_CASE("scenario buckets: edges spread over the range, lookups take the covering one", "[scenario]") {
  CHECK(bucket_edges(128, 254, 4) == std::vector<int>{159, 191, 223, 254});
  CHECK(bucket_edges(8, 11, 2) == std::vector<int>{9, 11});
  CHECK(bucket_edges(32, 32, 4) == std::vector<int>{32});  // a fixed length: one bucket
  CHECK(bucket_edges(5, 7, 8) == std::vector<int>{5, 6, 7});  // never more buckets than lengths
  CHECK(bucket_for({9, 11}, 8) == 9);
  CHECK(bucket_for({9, 11}, 9) == 9);
  CHECK(bucket_for({9, 11}, 10) == 11);
  CHECK_THROWS(bucket_for({9, 11}, 12));
  CHECK(batch_buckets(1) == std::vector<int>{1});
  CHECK(batch_buckets(4) == std::vector<int>{1, 2, 4});
  CHECK(batch_buckets(6) == std::vector<int>{1, 2, 4, 6});
}

TEST_CASE("scenario step plan: prefill and decode shapes of each scenario", "[scenario]") {
  Workload w;
  w.model = tiny_decoder();
  w.layers = 1;
  w.batch = 4;
  w.phase = Phase::Prefill;
  w.scenario.kind = ScenarioKind::Server;
  w.scenario.prompt = {8, 16};
  w.scenario.generate = {4, 6};
  w.scenario.buckets = 2;
  w.seq = 16;
  const StepPlan p = step_plan(w);
  CHECK(p.prompt_buckets == std::vector<int>{12, 16});
  // Contexts 8 … 16 + 6 − 2 = 20.
  CHECK(p.context_buckets == std::vector<int>{14, 20});
  CHECK(p.prefill_batches == std::vector<int>{1});
  CHECK(p.decode_batches == std::vector<int>{1, 2, 4});
  REQUIRE(p.prefill.size() == 2);
  REQUIRE(p.decode.size() == 6);
  CHECK(p.prefill[1].id() == "tiny/prefill/b1/s16/f32/l1");
  CHECK(p.decode[5].id() == "tiny/decode/b4/s1/c20/f32/l1");
  CHECK(p.decode[5].scenario.is_step());

  w.scenario.kind = ScenarioKind::Generate;
  w.scenario.prompt = {8, 8};
  w.scenario.generate = {5, 5};
  w.batch = 2;
  const StepPlan g = step_plan(w);
  CHECK(g.prefill_batches == std::vector<int>{2});
  CHECK(g.decode_batches == std::vector<int>{2});
  CHECK(g.context_buckets == std::vector<int>{9, 11});
}

TEST_CASE("scenario steps: a step runs on the smallest covering batch and bucket", "[scenario]") {
  VirtualClock clock;
  FixedStepExecutable pre(clock, 0.010), d1(clock, 0.001), d2a(clock, 0.002), d2b(clock, 0.003);
  StepExecutor steps(clock);
  steps.add(Phase::Prefill, 1, 16, pre);
  steps.add(Phase::Decode, 1, 20, d1);
  steps.add(Phase::Decode, 2, 10, d2a);
  steps.add(Phase::Decode, 2, 20, d2b);
  CHECK(steps.prefill(1, 9) == Approx(0.010));
  CHECK(steps.decode(1, 12) == Approx(0.001));
  CHECK(steps.decode(2, 10) == Approx(0.002));  // batch 2, context 10: the c10 bucket
  CHECK(steps.decode(2, 11) == Approx(0.003));  // context 11 is beyond c10: the c20 bucket
  CHECK_THROWS(steps.decode(3, 5));              // no executable holds 3 sequences
  CHECK_THROWS(steps.prefill(1, 17));
  CHECK(clock.now() == Approx(0.016));
  const ojson u = steps.usage();
  CHECK(u[2]["runs"] == 1);
  CHECK(u[2]["context"] == 10);
  CHECK(u[3]["seconds"].get<double>() == Approx(0.003));
}

TEST_CASE("scenario serving loop: TTFT, TPOT and batching worked out by hand", "[scenario]") {
  // Two requests, prompt 4, 3 output tokens; A at 0 ms, B at 5 ms; prefill 10 ms, decode 2 ms.
  //   0–10 prefill A (A's first token at 10); 10–20 prefill B (B waited from 5);
  //   20–22 decode A+B at context 4 (second tokens); 22–24 decode A+B at context 5 (done).
  // A: TTFT 10, TPOT (24 − 10)/2 = 7, e2e 24. B: TTFT 15, TPOT (24 − 20)/2 = 2, e2e 19.
  VirtualClock clock;
  FixedStepExecutable pre(clock, 0.010), c4(clock, 0.002), c6(clock, 0.002), b1(clock, 0.002);
  StepExecutor steps(clock);
  steps.add(Phase::Prefill, 1, 4, pre);
  steps.add(Phase::Decode, 1, 6, b1);
  steps.add(Phase::Decode, 2, 4, c4);
  steps.add(Phase::Decode, 2, 6, c6);
  const std::vector<ScheduledRequest> schedule = {{0.000, 4, 3}, {0.005, 4, 3}};
  const ServeTrace t = serve(schedule, 2, steps);
  REQUIRE(t.requests.size() == 2);
  CHECK(t.requests[0].ttft() == Approx(0.010));
  CHECK(t.requests[0].tpot() == Approx(0.007));
  CHECK(t.requests[0].e2e() == Approx(0.024));
  CHECK(t.requests[1].ttft() == Approx(0.015));
  CHECK(t.requests[1].tpot() == Approx(0.002));
  CHECK(t.requests[1].e2e() == Approx(0.019));
  CHECK(t.duration == Approx(0.024));
  CHECK(t.prefill_steps == 2);
  CHECK(t.decode_steps == 2);
  CHECK(t.decode_rows == 4);
  CHECK(t.max_running == 2);
  CHECK(pre.runs == 2);
  CHECK(c4.runs == 1);  // context 4: its own bucket
  CHECK(c6.runs == 1);  // context 5: the c6 bucket covers it
  CHECK(b1.runs == 0);
  // Inter-token gaps: A 12 (B's prefill in between) and 2; B 2 and 2.
  std::vector<double> itl = t.inter_token_s;
  std::sort(itl.begin(), itl.end());
  REQUIRE(itl.size() == 4);
  CHECK(itl[0] == Approx(0.002));
  CHECK(itl[3] == Approx(0.012));

  SECTION("max batch 1 serves one request at a time") {
    VirtualClock clock1;
    FixedStepExecutable p(clock1, 0.010), d(clock1, 0.002);
    StepExecutor one(clock1);
    one.add(Phase::Prefill, 1, 4, p);
    one.add(Phase::Decode, 1, 6, d);
    // A: prefill 0–10, decodes 10–14 (done 14); B: prefill 14–24, decodes 24–28.
    const ServeTrace s = serve(schedule, 1, one);
    CHECK(s.requests[0].e2e() == Approx(0.014));
    CHECK(s.requests[1].ttft() == Approx(0.019));
    CHECK(s.requests[1].e2e() == Approx(0.023));
  }
  SECTION("an idle device waits for the next arrival") {
    VirtualClock clock2;
    FixedStepExecutable p(clock2, 0.010), d(clock2, 0.002), d2(clock2, 0.002);
    StepExecutor late(clock2);
    late.add(Phase::Prefill, 1, 4, p);
    late.add(Phase::Decode, 2, 6, d2);
    late.add(Phase::Decode, 1, 6, d);
    const ServeTrace s = serve({{0.100, 4, 2}}, 2, late);
    CHECK(s.requests[0].ttft() == Approx(0.010));  // served on arrival, not before
    CHECK(s.duration == Approx(0.112));
  }
}

TEST_CASE("scenario serving loop: the abort rule stops a load point that broke its bound", "[scenario]") {
  // Ten requests at once, prefill 10 ms, max batch 1: request k waits ≈ 10·k ms plus decodes.
  VirtualClock clock;
  FixedStepExecutable p(clock, 0.010), d(clock, 0.001);
  StepExecutor steps(clock);
  steps.add(Phase::Prefill, 1, 4, p);
  steps.add(Phase::Decode, 1, 6, d);
  std::vector<ScheduledRequest> burst(10, {0.0, 4, 2});
  const AbortRule rule{0.025, 1.0, 2};  // TTFT over 25 ms for two requests fails the point
  const ServeTrace t = serve(burst, 1, steps, &rule);
  CHECK(t.aborted);
  CHECK(t.duration < 0.05);  // far from the ≈ 110 ms the whole burst would take
  const ServeTrace full = serve(burst, 1, steps);
  CHECK_FALSE(full.aborted);
  CHECK(full.requests[9].done > 0);
}

TEST_CASE("scenario generate: TTFT, TPOT and rates on a fixed step time", "[scenario]") {
  // Batch 2, prompt 8, 5 output tokens, 2 buckets: decode contexts 8, 9 → c9; 10, 11 → c11.
  // Prefill 10 ms; decode 1.9 ms at c9 and 2.1 ms at c11 (each step charged to its bucket).
  // One repetition: TTFT 10; e2e 10 + 2·1.9 + 2·2.1 = 18; TPOT (18 − 10)/4 = 2.
  Workload w;
  w.model = tiny_decoder();
  w.layers = 1;
  w.batch = 2;
  w.scenario.kind = ScenarioKind::Generate;
  w.scenario.prompt = {8, 8};
  w.scenario.generate = {5, 5};
  w.scenario.buckets = 2;
  VirtualClock clock;
  FixedStepExecutable pre(clock, 0.010), c9(clock, 0.0019), c11(clock, 0.0021);
  StepExecutor steps(clock);
  steps.add(Phase::Prefill, 2, 8, pre);
  steps.add(Phase::Decode, 2, 9, c9);
  steps.add(Phase::Decode, 2, 11, c11);
  MeasurementSettings s;
  s.min_iterations = 3;
  s.min_time_s = 0;
  s.max_time_s = 100;
  s.target_ci = 0.01;
  const ScenarioOutcome o = run_generate(steps, w, s);
  CHECK(o.stopping == "ci_target_met");  // identical repetitions: a zero-width interval
  REQUIRE(o.host_samples.size() == 3);
  CHECK(o.reasons.empty());
  CHECK(summary(o.summaries, "scenario/ttft/median").value == Approx(0.010));
  CHECK(summary(o.summaries, "scenario/ttft/p99").value == Approx(0.010));
  CHECK(summary(o.summaries, "scenario/tpot/median").value == Approx(0.002));
  CHECK(summary(o.summaries, "scenario/e2e/median").value == Approx(0.018));
  CHECK(summary(o.summaries, "latency/host/median").value == Approx(0.018));
  // Per step: six steps of 1.9 ms and six of 2.1 ms over three repetitions.
  CHECK(summary(o.summaries, "scenario/itl/median").value == Approx(0.0020));
  CHECK(summary(o.summaries, "scenario/itl/p99").value == Approx(0.0021));
  CHECK(summary(o.summaries, "throughput/prefill_tokens_per_s").value == Approx(2 * 8 / 0.010));
  CHECK(summary(o.summaries, "throughput/decode_tokens_per_s").value == Approx(2 / 0.002));
  CHECK(summary(o.summaries, "scenario/tpot/median").unit == "s");
  CHECK(summary(o.summaries, "throughput/decode_tokens_per_s").unit == "1/s");
  CHECK(pre.runs == 3);
  CHECK(c9.runs == 6);
  CHECK(c11.runs == 6);
  CHECK(o.requests == 6);
  CHECK(o.output_tokens == 30);
}

TEST_CASE("scenario early stopping: MLPerf's minimum request counts", "[scenario]") {
  // With none over the bound, n must satisfy p^n ≤ 1 − c: ⌈ln 0.01 / ln 0.99⌉ = 459 (p99) and
  // ⌈ln 0.01 / ln 0.9⌉ = 44 (p90), at 99% confidence.
  CHECK(early_stopping_min_requests(0, 0.99, 0.99) == 459);
  CHECK(early_stopping_min_requests(0, 0.90, 0.99) == 44);
  CHECK(kServerDefaultRequests == early_stopping_min_requests(0, 0.99, 0.99));
  // One over: the smallest n with 0.99ⁿ + n·0.01·0.99ⁿ⁻¹ ≤ 0.01, searched here term by term.
  auto p_at_most_one = [](int n) { return std::pow(0.99, n) + n * 0.01 * std::pow(0.99, n - 1); };
  int n1 = 1;
  while (p_at_most_one(n1) > 0.01) ++n1;
  CHECK(early_stopping_min_requests(1, 0.99, 0.99) == n1);
  CHECK(n1 > 459);

  std::vector<double> values(200, 1.0);
  values[0] = 5.0;  // one over a bound of 2
  const EarlyStopping e = early_stopping(values, 2.0, 0.99, 0.99);
  CHECK(e.requests == 200);
  CHECK(e.over == 1);
  CHECK(e.required == n1);
  CHECK_FALSE(e.met);
  CHECK(e.confidence == Approx(1 - p_at_most_one(200)).epsilon(1e-9));
}

TEST_CASE("scenario energy: per request and per token from per-step energies and step counts", "[scenario]") {
  // Two requests of 32 prompt and 6 output tokens: 2 prefills at 0.5 J, 10 decode steps at
  // 0.1 J (package). DRAM was metered on the decode step only, so it cannot be summed.
  StepEnergy prefill{Phase::Prefill, 2, {{"package-0", {0.5, "counter"}}}};
  StepEnergy decode{Phase::Decode, 10, {{"package-0", {0.1, "counter"}}, {"dram", {0.02, "counter"}}}};
  const auto s = scenario_energy_summaries({prefill, decode}, 2, 64, 12);
  REQUIRE(s.size() == 3);
  CHECK(s[0].tag == "energy/package-0/joules_per_request");
  CHECK(s[0].value == Approx((2 * 0.5 + 10 * 0.1) / 2));
  CHECK(s[1].tag == "energy/package-0/joules_per_prefill_token");
  CHECK(s[1].value == Approx(1.0 / 64));
  CHECK(s[2].tag == "energy/package-0/joules_per_decode_token");
  CHECK(s[2].value == Approx(1.0 / 10));  // 12 output tokens, 2 of them from the prefills
  for (const Summary& x : s) {
    CHECK(x.unit == "J");
    CHECK(x.extra["source"] == "counter");
  }
  CHECK(scenario_energy_summaries({}, 2, 64, 12).empty());
}

TEST_CASE("scenario time allowance: none for a step, the load points' time for a server", "[scenario]") {
  Workload w;
  w.model = tiny_decoder();
  w.layers = 1;
  w.batch = 1;
  MeasurementSettings s;
  CHECK(scenario_time_allowance(w, s) == 0);
  w.scenario.kind = ScenarioKind::Server;
  w.scenario.prompt = {8, 8};
  w.scenario.generate = {4, 4};
  w.scenario.buckets = 1;
  w.scenario.requests = 459;
  w.scenario.target_qps = 4;
  w.scenario.ttft_p99_ms = 1000;
  w.scenario.tpot_p99_ms = 100;
  // One run at 4 QPS: 459 / 4 s, twice over, + 300 s, + 30 s for each of the 2 steps.
  CHECK(scenario_time_allowance(w, s) == Approx(2 * 459 / 4.0 + 300 + 2 * 30));
  // A search: up to 18 load points at down to 1 QPS, each capped at 120 s of arrivals plus the
  // time of 32 arrivals.
  w.scenario.find_max_qps = true;
  CHECK(scenario_time_allowance(w, s) == Approx(18 * (120 + 32 / 1.0) + 300 + 2 * 30));
  // Short load points are not capped: 40 requests at 1 QPS span 40 s, 10 × the TTFT bound 10 s.
  w.scenario.requests = 40;
  CHECK(scenario_time_allowance(w, s) == Approx(18 * 40.0 + 300 + 2 * 30));
}
