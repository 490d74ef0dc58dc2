// The host clock of a serving scenario: request arrivals, waits and step times are read from it,
// never from a backend. Tests inject a virtual clock that their test executables advance.
#pragma once

#include <chrono>

namespace infermark {

class ScenarioClock {
 public:
  virtual ~ScenarioClock() = default;
  virtual double now() = 0;                  // seconds since an arbitrary fixed origin
  virtual void wait_until(double t) = 0;     // returns at now() ≥ t (at once when already past)
};

// std::chrono::steady_clock, sleeping in wait_until.
class SteadyScenarioClock : public ScenarioClock {
 public:
  double now() override;
  void wait_until(double t) override;

 private:
  std::chrono::steady_clock::time_point origin_ = std::chrono::steady_clock::now();
};

}  // namespace infermark
