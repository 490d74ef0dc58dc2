// Telemetry during the latency pass: clocks, temperature, power and throttle reasons of the
// benchmark's device, sampled by a thread, summarised into the validity block (DESIGN.md §5).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "harness/counters_pass.hpp"

namespace infermark {

struct TelemetryRecord {
  ojson block = ojson::object();       // validity.extra["telemetry"]
  std::optional<bool> clock_changes;   // SM clock not constant; nullopt: no clock was read
  std::vector<std::string> throttling; // "gpu0 …: sw_power_cap in 12 of 40 samples"
};

// Plain summary of samples (tests inject them): min/max clocks, max temperature and power,
// and how often each throttle reason was active.
TelemetryRecord summarize_telemetry(const std::vector<TelemetrySample>& samples,
                                    const std::vector<std::string>& sources);

// Records what telemetry saw into the validity block; throttling makes the result untrusted
// (valid = false with the reason, so the benchmark ends `mistrusted`).
void apply_telemetry(Validity& v, const TelemetryRecord& t);

// Starts sampling at construction when a collector has telemetry for the target (otherwise no
// thread runs at all, and the record says why there is none); stop() ends it.
class TelemetryRecorder {
 public:
  explicit TelemetryRecorder(const CollectorTarget& target, double period_s = 0.1);
  TelemetryRecorder(const CollectorTarget& target, const std::vector<CollectorChoice>& collectors,
                    double period_s);
  ~TelemetryRecorder();
  TelemetryRecorder(const TelemetryRecorder&) = delete;
  TelemetryRecorder& operator=(const TelemetryRecorder&) = delete;
  TelemetryRecord stop();

 private:
  void sample();
  std::vector<std::unique_ptr<Collector>> sources_;
  std::vector<std::string> names_;
  std::string none_reason_;
  std::mutex mu_;
  std::vector<TelemetrySample> samples_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace infermark
