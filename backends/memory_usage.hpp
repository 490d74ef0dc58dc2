// Helpers every backend uses to fill MemoryUsage and DeviceLimits (backend.hpp): tensors summed by
// their graph role, and the host's RAM from /proc/meminfo for the backends that run on the CPU.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "suites/graph.hpp"

namespace infermark {

struct NamedBytes {
  std::string name;  // a graph tensor, or a backend's own buffer (derived table, scratch)
  int64_t bytes = 0;
};

// Adds each buffer to `usage` by the role of the graph tensor it holds: Weight → weights, State →
// kv_cache, Input/Activation/Output → activations; a name the graph does not declare → workspace.
// Sets usage.measured.
void add_by_role(MemoryUsage& usage, const Graph& graph, const std::vector<NamedBytes>& buffers);

// The host's RAM: MemTotal and MemAvailable of /proc/meminfo; nullopt where unreadable.
struct HostMemory {
  std::optional<int64_t> total_bytes, available_bytes;
  std::string source;  // "/proc/meminfo", or why it could not be read
};
HostMemory read_host_memory(const std::string& meminfo_path = "/proc/meminfo");

// Limits of a backend whose device memory is the host's RAM (total = MemTotal, free = MemAvailable).
DeviceLimits host_memory_limits();

}  // namespace infermark
