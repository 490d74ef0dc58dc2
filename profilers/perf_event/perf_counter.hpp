// One perf_event_open counter (or group) followed across every thread of this process.
// The kernel call is made directly (no libpfm): software events always, hardware where a PMU is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace infermark {

struct PerfEventSpec {
  std::string name;    // "task_clock", "cycles"
  uint32_t type = 0;   // PERF_TYPE_SOFTWARE | PERF_TYPE_HARDWARE
  uint64_t config = 0; // PERF_COUNT_SW_TASK_CLOCK, …
  std::string config_name;  // "PERF_COUNT_SW_TASK_CLOCK", for provenance and error messages
  std::string unit;    // "s" or "1"
  double scale = 1;    // raw count × scale = value in unit (task clock: ns → s)
};

// A group of events opened on every thread of the process (each thread's copy inherits to the
// threads it starts later). The first event leads the group, so ratios of members are taken over
// the same time on hardware that multiplexes.
class PerfEventGroup {
 public:
  // Opens the events disabled; on failure returns why (naming the event and errno), and nothing
  // stays open. `user_only` excludes kernel and hypervisor (needed when perf_event_paranoid ≥ 2
  // and the process is unprivileged).
  static std::optional<std::string> open(const std::vector<PerfEventSpec>& events, bool user_only,
                                         PerfEventGroup& out);
  PerfEventGroup() = default;
  PerfEventGroup(PerfEventGroup&&) noexcept;
  PerfEventGroup& operator=(PerfEventGroup&&) noexcept;
  PerfEventGroup(const PerfEventGroup&) = delete;
  PerfEventGroup& operator=(const PerfEventGroup&) = delete;
  ~PerfEventGroup();

  void enable();
  void disable();
  struct Value {
    double value = 0;          // summed over threads, scaled to unit
    bool multiplexed = false;  // ran for less time than enabled: value extrapolated
  };
  std::vector<Value> read() const;  // one per event, in open order
  const std::vector<PerfEventSpec>& events() const { return events_; }
  bool user_only() const { return user_only_; }

 private:
  void close_all();
  std::vector<PerfEventSpec> events_;
  std::vector<std::vector<int>> fds_;  // [thread][event]
  bool user_only_ = false;
};

// "ENOENT (No such file or directory)" plus what it means for perf_event_open.
std::string perf_errno_text(int err, bool hardware);

// kernel.perf_event_paranoid, or nullopt when unreadable.
std::optional<int> perf_event_paranoid();

}  // namespace infermark
