// The energy pass's arithmetic with injected readings: wrap-around, integrated power, window
// checks, idle subtraction, per-token figures and their token kind. Expected values by hand.
#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "harness/energy_pass_math.hpp"
#include "profilers/energy_counter.hpp"

using namespace infermark;
using Catch::Matchers::Contains;

TEST_CASE("energy math: a counter delta unwraps once at the wrap point") {
  CHECK(counter_delta(10.0, 12.5, 100.0) == Approx(2.5));
  // 99 → wraps at 100 → 1: 1 + 100 − 99 = 2.
  CHECK(counter_delta(99.0, 1.0, 100.0) == Approx(2.0));
  // No wrap point known: a decrease stays negative for the caller to reject.
  CHECK(counter_delta(5.0, 4.0, 0.0) == Approx(-1.0));
}

TEST_CASE("energy math: a counter window sums unwrapped steps and counts updates") {
  // RAPL-like counter wrapping at 262143.5 J: 0.3 J, then (0.2 + 262143.5 − 262143.3) = 0.4 J,
  // then an unchanged reading (not an update).
  const std::vector<EnergyReading> r = {
      {0.0, 262143.0}, {0.5, 262143.3}, {1.0, 0.2}, {1.25, 0.2}};
  const EnergyWindow w = counter_window(r, 262143.5);
  CHECK(w.joules == Approx(0.7));
  CHECK(w.seconds == Approx(1.25));
  CHECK(w.updates == 2);
  CHECK(w.source == "counter");
}

TEST_CASE("energy math: a counter going backwards without a wrap point is refused") {
  const std::vector<EnergyReading> r = {{0.0, 50.0}, {0.1, 49.0}};
  CHECK_THROWS_WITH(counter_window(r, 0), Contains("went backwards"));
  CHECK_THROWS(counter_window({{0.0, 1.0}}, 0));  // one reading is no window
}

TEST_CASE("energy math: power readings integrate by the trapezoid rule") {
  // 0–1 s: (100 + 200)/2 × 1 = 150 J; 1–3 s: 200 × 2 = 400 J.
  const std::vector<EnergyReading> r = {{0.0, 100.0}, {1.0, 200.0}, {3.0, 200.0}};
  const EnergyWindow w = integrated_power_window(r);
  CHECK(w.joules == Approx(550.0));
  CHECK(w.seconds == Approx(3.0));
  CHECK(w.updates == 1);
  CHECK(w.source == "integrated power");
}

TEST_CASE("energy math: a window must last long enough and see enough counter updates") {
  EnergyWindow w;
  w.source = "counter";
  w.seconds = 0.9;
  w.updates = 50;
  CHECK_THAT(window_shortfall(w, 1.0, 10), Contains("0.900 s"));
  w.seconds = 1.2;
  w.updates = 5;
  CHECK_THAT(window_shortfall(w, 1.0, 10), Contains("changed 5 times") && Contains("10 updates"));
  w.updates = 10;
  CHECK(window_shortfall(w, 1.0, 10).empty());
  // NVML's ~100 ms counter needs 1 s for 10 updates; a 250 ms counter needs 2.5 s.
  CHECK(energy_window_seconds(0.1, 1.0, 10) == Approx(1.0));
  CHECK(energy_window_seconds(0.25, 1.0, 10) == Approx(2.5));
  CHECK(energy_window_seconds(0.001, 1.0, 10) == Approx(1.0));
}

TEST_CASE("energy math: figures per inference, per token, mean and idle power, above idle") {
  EnergyWindow active{120.0, 2.0, 12, "counter"};
  EnergyWindow idle{30.0, 1.0, 11, "counter"};
  // 40 inferences of 8 tokens: 120/40 = 3 J, 3/8 = 0.375 J/token, 120 J / 2 s = 60 W; idle
  // 30 W → above idle (120 − 30 × 2)/40 = 1.5 J, /8 = 0.1875 J/token; each edge may miss one
  // update of 120/12 = 10 J: ±2 × 10 / 40 = 0.5 J per inference.
  const EnergyFigures f = energy_figures(active, idle, 40, 8);
  CHECK(f.joules_per_inference == Approx(3.0));
  CHECK(f.joules_per_token == Approx(0.375));
  CHECK(f.mean_power_w == Approx(60.0));
  REQUIRE(f.idle_power_w);
  CHECK(*f.idle_power_w == Approx(30.0));
  CHECK(*f.joules_per_inference_above_idle == Approx(1.5));
  CHECK(*f.joules_per_token_above_idle == Approx(0.1875));
  CHECK(f.uncertainty_joules_per_inference == Approx(0.5));

  const EnergyFigures no_idle = energy_figures(active, std::nullopt, 40, 8);
  CHECK(no_idle.joules_per_inference == Approx(3.0));
  CHECK_FALSE(no_idle.idle_power_w);
  CHECK_THROWS(energy_figures(active, idle, 0, 8));
}

TEST_CASE("energy math: J per token names the phase's token") {
  CHECK_THAT(token_kind(Phase::Prefill), Contains("prefill"));
  CHECK_THAT(token_kind(Phase::Decode), Contains("decode"));
  CHECK(token_kind(Phase::Encode) != token_kind(Phase::Prefill));
  CHECK(token_kind(Phase::Decode) != token_kind(Phase::Prefill));
}
