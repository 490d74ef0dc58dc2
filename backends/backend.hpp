// Backend and Executable: the interface every execution technology implements (DESIGN.md §3).
// A backend that cannot run a workload says so through supports(); it never throws for that.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "suites/graph.hpp"
#include "suites/tensor.hpp"

namespace infermark {

struct DeviceInfo {
  std::string id;    // stable within a backend: "cpu0", "vk0", "cuda0"
  std::string name;  // human name: CPU model, GPU name
  std::string kind;  // "cpu" | "gpu"
  nlohmann::ordered_json details = nlohmann::ordered_json::object();  // driver, memory, …
};

struct Support {
  bool ok = true;
  std::string reason;  // why not, when !ok
  static Support yes() { return {}; }
  static Support no(std::string why) { return {false, std::move(why)}; }
};

// A figure a backend measures about its own executable (e.g. the time of its GEMMs alone), after
// the latency pass; the harness records it as a summary "breakdown/<name>".
struct BreakdownEntry {
  std::string name;  // "gemms_alone", "step/layer.0.attn.qkv"
  std::string unit;  // "s", "1"
  double value = 0;
  std::string description;
};

struct CompileOptions {
  int threads = 0;  // 0: all cores
};

class Executable {
 public:
  virtual ~Executable() = default;
  virtual void run() = 0;                                    // enqueue one inference
  virtual void sync() = 0;                                   // wait for completion
  virtual std::optional<double> device_seconds_last() = 0;   // device timer, where one exists
  virtual HostTensor output() = 0;                           // final activations, as f32
  // What actually ran (primitive implementations, kernels, pipelines), for the result file.
  virtual nlohmann::ordered_json implementation() const { return nlohmann::ordered_json::object(); }
  // Device seconds of each op of the last run, in execution order (op names as in the Graph),
  // where the backend times ops on the device; empty otherwise. Their sum is the device time.
  virtual std::vector<std::pair<std::string, double>> op_seconds_last() const { return {}; }
  // Extra measurements of how the time is spent, taken with the same primitives after timing;
  // may run the executable. An entry named "gemms_alone" (s) yields the GEMM-floor ratio.
  virtual std::vector<BreakdownEntry> measure_breakdown() { return {}; }
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;
  // Devices usable now; when empty, unavailable_reason() says why.
  virtual std::vector<DeviceInfo> devices() const = 0;
  virtual std::string unavailable_reason() const { return {}; }
  virtual Support supports(const Workload& w) const = 0;
  // `constants` holds every tensor of role Weight, Input or State named in the graph.
  virtual std::unique_ptr<Executable> compile(const Graph& graph, const TensorSet& constants,
                                              const DeviceInfo& device,
                                              const CompileOptions& options) = 0;
};

}  // namespace infermark
