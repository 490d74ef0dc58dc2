#include "harness/scenario_clock.hpp"

#include <thread>

namespace infermark {

double SteadyScenarioClock::now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - origin_).count();
}

void SteadyScenarioClock::wait_until(double t) {
  const auto deadline = origin_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      std::chrono::duration<double>(t));
  // sleep_until may wake early on some systems; loop until the deadline has passed.
  while (std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_until(deadline);
}

}  // namespace infermark
