// Collector: one source of measurements (counters, energy, telemetry) around a window of inferences.
// An unavailable collector never fails a run: probe() says why, and the result records it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace infermark {

struct Probe {
  bool available = false;
  std::string reason;  // why not, when unavailable
  // What it can measure here ("task_clock", "package-0 energy"), for `list` and the result.
  std::vector<std::string> measures;
  // Parts that are missing although the collector works ("hardware counters" → why not).
  std::vector<std::pair<std::string, std::string>> unavailable_parts;
};

struct Reading {
  std::string name;    // "task_clock", "PAPI_TOT_INS", "package_energy"
  std::string unit;    // SI: "s", "J", "1"
  double value = 0;
  std::string source;  // where the number came from: "perf_event_open(PERF_COUNT_SW_TASK_CLOCK)"
  // A total that grows with the work (normalised per inference and per token); false for
  // ratios such as instructions per cycle, which are reported as they are.
  bool extensive = true;
};

// Which pass turns a collector on: counters (perf_event, PAPI, CUPTI) or energy (RAPL, NVML).
enum class CollectorRole { Counters, Energy };

// Where the benchmark runs, so a collector can pick the matching device (NVML by UUID) or stand
// aside when it has nothing to observe (CUPTI on a CPU backend).
struct CollectorTarget {
  std::string backend;      // "onednn", "cuda", …
  std::string device_id;    // "cpu0", "cuda0"
  std::string device_name;  // "NVIDIA H200", CPU model
  std::string device_kind;  // "cpu" | "gpu"
  nlohmann::ordered_json device_details = nlohmann::ordered_json::object();
};

// One energy domain of an energy collector, as the energy pass needs it for its arithmetic.
struct EnergyDomain {
  std::string name;             // "package-0", "dram-0", "gpu0" (becomes energy/<name>/… tags)
  bool cumulative = true;       // true: samples are an energy counter (J); false: power (W)
  double wrap_joules = 0;       // a counter reading below the previous one wrapped at this; 0: never
  double update_period_s = 0;   // nominal time between counter updates (NVML ≈ 0.1 s)
  std::string provenance;       // "/sys/class/powercap/intel-rapl:0/energy_uj", "nvml…"
};

// One look at a device's state during the latency pass (telemetry, DESIGN.md §5).
struct TelemetrySample {
  std::string device;                    // "gpu0"
  std::optional<double> sm_clock_hz;     // graphics/SM clock
  std::optional<double> mem_clock_hz;
  std::optional<double> temperature_c;
  std::optional<double> power_w;
  std::vector<std::string> throttle;     // slow-down reasons active now (empty: none)
};

class Collector {
 public:
  virtual ~Collector() = default;
  virtual std::string name() const = 0;
  virtual Probe probe() = 0;
  virtual void begin() = 0;
  virtual void end() = 0;
  virtual std::vector<Reading> read() = 0;  // totals over the last begin … end window

  virtual CollectorRole role() const { return CollectorRole::Counters; }
  // Empty when this collector measures something about the benchmark on `t`; otherwise why not
  // (recorded in the result, e.g. "CUPTI observes CUDA activity; this backend runs on the CPU").
  // May choose the device to observe.
  virtual std::string select(const CollectorTarget& t) { return {}; }
  // Whether this collector counts events the user names (--counters), and the request itself:
  // throws BadInput for a name it can never count (a misspelt preset); events it knows but
  // cannot count here are reported later in details()["unavailable"], never dropped.
  virtual bool takes_events() const { return false; }
  virtual void request(const std::vector<std::string>& events) {}
  // Structured detail for the result beyond numbers (CUPTI's top kernels), after read().
  virtual nlohmann::ordered_json details() { return nlohmann::ordered_json::object(); }

  // Energy collectors: their domains and one instantaneous sample of each, in that order (J of a
  // cumulative counter, or W of a power reading). Called from the energy pass's sampling loop.
  virtual std::vector<EnergyDomain> energy_domains() { return {}; }
  virtual std::vector<double> energy_sample() { return {}; }
  // Telemetry: the selected device's clocks, temperature and throttling now; nullopt when this
  // collector has none.
  virtual std::optional<TelemetrySample> telemetry_sample() { return std::nullopt; }
};

}  // namespace infermark
