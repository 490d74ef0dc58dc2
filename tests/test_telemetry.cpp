// Telemetry of the latency pass: injected device samples summarised into the validity block
// (clock range, throttle reasons → throttled, not valid), and the recorder on this machine.
#include <catch2/catch.hpp>

#include "harness/telemetry.hpp"

using namespace infermark;
using Catch::Matchers::Contains;

namespace {

TelemetrySample sample(double sm_mhz, double temp, std::vector<std::string> throttle = {}) {
  TelemetrySample s;
  s.device = "gpu0 NVIDIA H200";
  s.sm_clock_hz = sm_mhz * 1e6;
  s.mem_clock_hz = 3201e6;
  s.temperature_c = temp;
  s.power_w = 400;
  s.throttle = std::move(throttle);
  return s;
}

Validity valid_block() {
  Validity v;
  v.valid = true;
  v.stopping = "ci_target_met";
  return v;
}

}  // namespace

TEST_CASE("telemetry: a throttle reason makes the result untrusted, with the reason") {
  const TelemetryRecord t = summarize_telemetry(
      {sample(1980, 51), sample(1980, 58, {"sw_thermal_slowdown"}), sample(1755, 63)}, {"nvml"});
  REQUIRE(t.clock_changes);
  CHECK(*t.clock_changes);
  REQUIRE(t.throttling.size() == 1);
  CHECK(t.throttling[0] == "gpu0 NVIDIA H200: sw_thermal_slowdown in 1 of 3 samples");
  const auto& dev = t.block["devices"][0];
  CHECK(dev["sm_clock_hz"]["min"].get<double>() == Approx(1755e6));
  CHECK(dev["sm_clock_hz"]["max"].get<double>() == Approx(1980e6));
  CHECK(dev["temperature_c"]["max"].get<double>() == Approx(63));
  CHECK(dev["temperature_c"]["mean"].get<double>() == Approx((51.0 + 58 + 63) / 3));

  Validity v = valid_block();
  apply_telemetry(v, t);
  CHECK(v.throttled);
  CHECK_FALSE(v.valid);
  REQUIRE(v.reasons.size() == 1);
  CHECK_THAT(v.reasons[0], Contains("throttled during the latency pass") && Contains("sw_thermal_slowdown"));
  CHECK(v.extra["clock_changes"] == true);
  CHECK(v.extra["telemetry"]["samples"] == 3);
}

TEST_CASE("telemetry: steady clocks and no throttling leave the result valid") {
  const TelemetryRecord t = summarize_telemetry({sample(1980, 50), sample(1980, 52)}, {"nvml"});
  Validity v = valid_block();
  apply_telemetry(v, t);
  CHECK(v.valid);
  CHECK_FALSE(v.throttled);
  CHECK(v.reasons.empty());
  CHECK(v.extra["clock_changes"] == false);
}

TEST_CASE("telemetry: with no source, nothing runs and the block says why") {
  CollectorTarget cpu;
  cpu.backend = "reference";
  cpu.device_kind = "cpu";
  TelemetryRecorder r(cpu, {}, 0.01);
  const TelemetryRecord t = r.stop();
  CHECK(t.block["state"] == "unavailable");
  CHECK_THAT(t.block["reason"].get<std::string>(), Contains("no collector reports clocks"));
  Validity v = valid_block();
  apply_telemetry(v, t);
  CHECK(v.valid);
  CHECK(v.extra["clock_changes"].is_null());
}
