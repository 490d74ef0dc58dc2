// A virtual clock and an Executable whose every run takes a fixed time on it: the injected
// "backend" of the serving-scenario tests, so their timings are exact and hand-computable.
#pragma once

#include <algorithm>

#include "backends/backend.hpp"
#include "harness/scenario_clock.hpp"

namespace infermark::test {

class VirtualClock : public ScenarioClock {
 public:
  double now() override { return t_; }
  void wait_until(double t) override { t_ = std::max(t_, t); }
  void advance(double dt) { t_ += dt; }

 private:
  double t_ = 0;
};

// run() advances the clock by `step_s`; nothing is computed (the output is empty).
class FixedStepExecutable : public Executable {
 public:
  FixedStepExecutable(VirtualClock& clock, double step_s) : clock_(clock), step_s_(step_s) {}
  void run() override {
    clock_.advance(step_s_);
    ++runs;
  }
  void sync() override {}
  std::optional<double> device_seconds_last() override { return std::nullopt; }
  HostTensor output() override { return {}; }
  int64_t runs = 0;

 private:
  VirtualClock& clock_;
  double step_s_;
};

}  // namespace infermark::test
