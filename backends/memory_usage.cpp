#include "backends/memory_usage.hpp"

#include <fstream>
#include <map>
#include <sstream>

namespace infermark {

void add_by_role(MemoryUsage& usage, const Graph& graph, const std::vector<NamedBytes>& buffers) {
  std::map<std::string, TensorRole> roles;
  for (const auto& t : graph.tensors) roles.emplace(t.name, t.role);
  for (const auto& b : buffers) {
    auto it = roles.find(b.name);
    if (it == roles.end()) {
      usage.workspace += b.bytes;
      continue;
    }
    switch (it->second) {
      case TensorRole::Weight: usage.weights += b.bytes; break;
      case TensorRole::State: usage.kv_cache += b.bytes; break;
      case TensorRole::Input:
      case TensorRole::Activation:
      case TensorRole::Output: usage.activations += b.bytes; break;
    }
  }
  usage.measured = true;
}

HostMemory read_host_memory(const std::string& meminfo_path) {
  HostMemory h;
  std::ifstream in(meminfo_path);
  if (!in) {
    h.source = meminfo_path + " is not readable";
    return h;
  }
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key, unit;
    int64_t value = 0;
    if (!(fields >> key >> value)) continue;
    fields >> unit;
    const int64_t bytes = unit == "kB" ? value * 1024 : value;
    if (key == "MemTotal:") h.total_bytes = bytes;
    if (key == "MemAvailable:") h.available_bytes = bytes;
  }
  h.source = meminfo_path + " (MemTotal, MemAvailable)";
  if (!h.total_bytes) h.source = meminfo_path + " has no MemTotal";
  return h;
}

DeviceLimits host_memory_limits() {
  const HostMemory h = read_host_memory();
  DeviceLimits l;
  l.total_bytes = h.total_bytes;
  l.free_bytes = h.available_bytes;
  l.memory_source = "host RAM: " + h.source;
  l.host_memory = true;
  return l;
}

}  // namespace infermark
