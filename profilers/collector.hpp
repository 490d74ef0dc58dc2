// Collector: one source of measurements (counters, energy) around a window of inferences.
// An unavailable collector never fails a run: probe() says why, and the result records it.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace infermark {

struct Probe {
  bool available = false;
  std::string reason;  // why not, when unavailable
};

struct Reading {
  std::string name;    // "task_clock", "PAPI_TOT_INS", "package_energy"
  std::string unit;    // SI: "s", "J", "1"
  double value = 0;
  std::string source;  // where the number came from: "perf_event_open(PERF_COUNT_SW_TASK_CLOCK)"
};

class Collector {
 public:
  virtual ~Collector() = default;
  virtual std::string name() const = 0;
  virtual Probe probe() = 0;
  virtual void begin() = 0;
  virtual void end() = 0;
  virtual std::vector<Reading> read() = 0;  // totals over the last begin … end window
};

}  // namespace infermark
