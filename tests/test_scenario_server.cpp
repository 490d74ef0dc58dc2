// The server scenario and its max-QPS search: the search logic on rules whose answer is known,
// then the whole server scenario on executables of a fixed step time (a virtual clock).
#include <catch2/catch.hpp>

#include <cmath>

#include "harness/scenario_qps_search.hpp"
#include "harness/scenario_run.hpp"
#include "support/fixed_step.hpp"

using namespace infermark;
using namespace infermark::test;
using Catch::Matchers::Contains;

namespace {

const Summary* find(const std::vector<Summary>& all, const std::string& tag) {
  for (const Summary& s : all)
    if (s.tag == tag) return &s;
  return nullptr;
}

// A server of a tiny decoder: prompt 8, 9 output tokens, up to 4 requests per decode step.
Workload server_workload(bool find_max) {
  Workload w;
  w.model.name = "tiny";
  w.model.family = Family::Decoder;
  w.model.max_seq = 64;
  w.model.layers = 1;
  w.layers = 1;
  w.batch = 4;
  w.scenario.kind = ScenarioKind::Server;
  w.scenario.prompt = {8, 8};
  w.scenario.generate = {9, 9};
  w.scenario.buckets = 1;
  w.scenario.target_qps = 20;
  w.scenario.requests = 459;
  w.scenario.ttft_p99_ms = 50;
  w.scenario.tpot_p99_ms = 10;
  w.scenario.find_max_qps = find_max;
  return w;
}

// Prefill 4 ms, decode 2 ms at any batch ≤ 4 and context ≤ 16.
struct FixedServer {
  VirtualClock clock;
  FixedStepExecutable prefill{clock, 0.004}, d1{clock, 0.002}, d2{clock, 0.002}, d4{clock, 0.002};
  StepExecutor steps{clock};
  FixedServer() {
    steps.add(Phase::Prefill, 1, 8, prefill);
    steps.add(Phase::Decode, 1, 16, d1);
    steps.add(Phase::Decode, 2, 16, d2);
    steps.add(Phase::Decode, 4, 16, d4);
  }
};

MeasurementSettings settings() {
  MeasurementSettings s;
  s.seed = 42;
  return s;
}

}  // namespace

TEST_CASE("qps search: converges below a known threshold and confirms", "[scenario]") {
  // Bounds hold exactly up to 7.3 QPS; a 10% tolerance puts the answer in [7.3/1.1, 7.3].
  int calls = 0;
  auto rule = [&](double q, int, bool) { ++calls; return q <= 7.3; };
  for (double start : {1.0, 100.0, 7.3}) {
    INFO("start " << start);
    const QpsSearchResult r = search_max_qps(rule, start, QpsSearchSettings{});
    REQUIRE(r.max_qps);
    CHECK(*r.max_qps <= 7.3);
    CHECK(*r.max_qps >= 7.3 / 1.1);
    CHECK(r.points.back().confirmation);
    CHECK(r.points.back().requests == 459);
    CHECK(r.points.back().held);
    CHECK(r.points.front().requests == 64);
  }
  CHECK(calls <= 3 * 16);
}

TEST_CASE("qps search: a failed confirmation steps down, and the edge cases say why", "[scenario]") {
  // Short probes are lucky up to 7.3; the full request count holds only up to 6.5.
  auto lucky = [](double q, int, bool confirmation) { return q <= (confirmation ? 6.5 : 7.3); };
  const QpsSearchResult r = search_max_qps(lucky, 1.0, QpsSearchSettings{});
  REQUIRE(r.max_qps);
  CHECK(*r.max_qps <= 6.5);
  CHECK(*r.max_qps >= 6.5 / 1.1);
  int confirmations = 0;
  for (const LoadPoint& p : r.points) confirmations += p.confirmation;
  CHECK(confirmations >= 2);

  const QpsSearchResult never = search_max_qps([](double, int, bool) { return false; }, 8, {});
  CHECK_FALSE(never.max_qps);
  CHECK_THAT(never.note, Contains("did not hold at any probed rate"));

  // A floor stops the halving: 8, 4, 2, 1, then 0.5 would be below it.
  QpsSearchSettings floored;
  floored.min_qps = 1;
  const QpsSearchResult stopped = search_max_qps([](double, int, bool) { return false; }, 8, floored);
  CHECK(stopped.points.size() == 4);
  CHECK(stopped.points.back().qps == 1);
  CHECK_THAT(stopped.note, Contains("floor"));

  const QpsSearchResult always = search_max_qps([](double, int, bool) { return true; }, 1, {});
  REQUIRE(always.max_qps);
  CHECK(*always.max_qps == 2048);  // eleven doublings within twelve probes
  CHECK_THAT(always.note, Contains("may be higher"));
}

TEST_CASE("server scenario: a light load holds the bounds with isolated-request latencies", "[scenario]") {
  // At 1 QPS requests rarely overlap: TTFT is the 4 ms prefill, TPOT the 2 ms decode step.
  FixedServer f;
  Workload w = server_workload(false);
  w.scenario.target_qps = 1;
  w.scenario.requests = 60;
  const ScenarioOutcome o = run_server(f.steps, w, settings());
  REQUIRE(o.host_samples.size() == 60);
  CHECK(find(o.summaries, "scenario/ttft/median")->value == Approx(0.004));
  CHECK(find(o.summaries, "scenario/tpot/median")->value == Approx(0.002));
  CHECK(find(o.summaries, "scenario/e2e/median")->value == Approx(0.020));
  CHECK(find(o.summaries, "scenario/offered_qps")->value == 1);
  CHECK(find(o.summaries, "scenario/achieved_qps")->unit == "1/s");
  CHECK(find(o.summaries, "scenario/max_qps") == nullptr);
  CHECK(o.validity_extra["latency_bounds"]["held"] == true);
  // 60 requests cannot show a p99 at 99% confidence: 1 − 0.99⁶⁰ ≈ 45.3%.
  CHECK_FALSE(o.validity_extra["early_stopping"]["ttft"]["met"].get<bool>());
  CHECK(o.validity_extra["early_stopping"]["ttft"]["confidence"].get<double>() ==
        Approx(1 - std::pow(0.99, 60)));
  REQUIRE_FALSE(o.reasons.empty());
  CHECK_THAT(o.reasons.front(), Contains("needs 459"));
  CHECK(o.stopping == "all_requests_done");
}

TEST_CASE("server scenario: overload breaks the bounds and says so", "[scenario]") {
  // Capacity is at most 1 / (4 ms prefill + 8 decode steps × 2 ms / 4 per step) = 125 QPS.
  FixedServer f;
  Workload w = server_workload(false);
  w.scenario.target_qps = 400;
  w.scenario.requests = 200;
  const ScenarioOutcome o = run_server(f.steps, w, settings());
  CHECK(o.validity_extra["latency_bounds"]["held"] == false);
  REQUIRE_FALSE(o.reasons.empty());
  CHECK_THAT(o.reasons.front(), Contains("TTFT p99") && Contains("exceeds the bound 50 ms"));
  CHECK(find(o.summaries, "scenario/achieved_qps")->value <= 125 * (1 + 1e-9));
}

TEST_CASE("server scenario: max-QPS search converges on the fixed-step backend", "[scenario]") {
  FixedServer f;
  const Workload w = server_workload(true);
  const ScenarioOutcome o = run_server(f.steps, w, settings());
  const Summary* max = find(o.summaries, "scenario/max_qps");
  REQUIRE(max);
  INFO(o.block["search"].dump());
  // Below capacity (≤ 125 QPS, see above), and at least the 20 QPS it started from: at 20 QPS
  // the device is busy a fifth of the time at most, far from any bound.
  CHECK(max->value < 125);
  CHECK(max->value >= 20);
  // The reported load point is the confirmation at max_qps, with every request, holding.
  CHECK(o.host_samples.size() == 459);
  CHECK(o.validity_extra["latency_bounds"]["held"] == true);
  CHECK(o.validity_extra["latency_bounds"]["qps"].get<double>() == max->value);
  CHECK(find(o.summaries, "scenario/ttft/p99")->value <= 0.050);
  CHECK(find(o.summaries, "scenario/tpot/p99")->value <= 0.010);
  // A probe above the answer broke a bound (or the search ran out of doublings, which it must not).
  bool broke_above = false;
  for (const auto& p : o.block["search"]["points"])
    broke_above = broke_above || (p["held"] == false && p["qps"].get<double>() > max->value);
  CHECK(broke_above);

  // Deterministic: the same seed on a fresh clock gives the same answer.
  FixedServer again;
  const ScenarioOutcome o2 = run_server(again.steps, w, settings());
  CHECK(find(o2.summaries, "scenario/max_qps")->value == max->value);
}

TEST_CASE("server scenario: no search when requests served alone already break a bound", "[scenario]") {
  // Every decode step takes 2 ms, so TPOT is at least 2 ms: a 1 ms bound can hold at no rate.
  FixedServer f;
  Workload w = server_workload(true);
  w.scenario.tpot_p99_ms = 1;
  const double before = f.clock.now();
  const ScenarioOutcome o = run_server(f.steps, w, settings());
  CHECK(find(o.summaries, "scenario/max_qps") == nullptr);
  CHECK(o.block["search"]["points"].empty());
  CHECK(o.block["search"]["isolated"]["tpot_median_s"].get<double>() == Approx(0.002));
  REQUIRE_FALSE(o.reasons.empty());
  CHECK_THAT(o.reasons.front(), Contains("served alone already break a bound"));
  CHECK(o.host_samples.size() == 8);  // the eight requests that ran, one at a time
  CHECK(o.validity_extra["latency_bounds"]["held"] == false);
  CHECK(f.clock.now() - before == Approx(8 * 0.020));  // 4 ms prefill + 8 × 2 ms decode each
}
