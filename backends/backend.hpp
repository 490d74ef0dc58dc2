// Backend and Executable: the interface every execution technology implements (DESIGN.md §3).
// A backend that cannot run a workload says so through supports(); it never throws for that.
#pragma once

#include <cstdint>
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

// Memory an executable allocated, by purpose, summed from the backend's own allocation records
// (buffer sizes it asked the driver or allocator for). `measured` false: the backend keeps no
// records, and the numbers are meaningless (reported as unavailable, never as zero).
struct MemoryUsage {
  bool measured = false;
  int64_t weights = 0;      // parameters, in the layout the kernels read (reordered, converted)
  int64_t kv_cache = 0;     // the KV-cache tensors
  int64_t activations = 0;  // graph inputs, intermediates and the output
  int64_t workspace = 0;    // scratchpads, GEMM workspace, derived tables, alignment padding
  std::string source;       // what was summed: "vkAllocateMemory sizes", "cudaMalloc sizes", …
  int64_t total() const { return weights + kv_cache + activations + workspace; }
};

// What a device can hold, and how a backend's compile() allocates, for the fit check before
// compiling. Every limit is optional: absent means unknown (never checked, never guessed).
struct DeviceLimits {
  std::optional<int64_t> total_bytes;  // memory the device has (device-local heaps, GPU, RAM)
  std::optional<int64_t> free_bytes;   // free now (cudaMemGetInfo, VK_EXT_memory_budget, MemAvailable)
  std::string memory_source;           // where total/free come from, or why free is unknown
  std::optional<int64_t> max_allocation_bytes;  // largest single buffer (maxMemoryAllocationSize)
  std::optional<int64_t> max_binding_bytes;     // largest tensor a kernel binds whole (maxStorageBufferRange)
  bool weights_sliced = false;   // weight matrices and tables above max_binding_bytes are bound in slices
  bool host_memory = false;      // the device's memory is this machine's RAM (CPU backends, lavapipe)
  int float_bytes = 0;           // bytes per stored float when not the workload precision's (reference: 8)
  bool holds_all_activations = false;  // every intermediate tensor has its own buffer (no reuse)
  int64_t reserved_bytes = 0;    // allocated on top of the tensors (e.g. the largest GEMM workspace)
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
  // The memory this executable allocated, by purpose; default: not recorded.
  virtual MemoryUsage memory_usage() const { return {}; }
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
  // The device's memory limits now (free memory changes); default: nothing known.
  virtual DeviceLimits limits(const DeviceInfo& device) const {
    (void)device;
    return {};
  }
};

}  // namespace infermark
