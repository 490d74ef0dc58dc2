#include "harness/memory_summaries.hpp"

#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "suites/graph.hpp"

namespace infermark {
namespace {

ojson optional_bytes(const std::optional<int64_t>& v) { return v ? ojson(*v) : ojson(nullptr); }

ojson limits_json(const DeviceLimits& l) {
  ojson j;
  j["total"] = optional_bytes(l.total_bytes);
  j["free"] = optional_bytes(l.free_bytes);
  j["source"] = l.memory_source.empty() ? "the backend reports no memory limits" : l.memory_source;
  j["max_allocation"] = optional_bytes(l.max_allocation_bytes);
  j["max_binding"] = optional_bytes(l.max_binding_bytes);
  j["weights_sliced"] = l.weights_sliced;
  j["host_memory"] = l.host_memory;
  j["float_bytes"] = l.float_bytes;
  j["holds_all_activations"] = l.holds_all_activations;
  j["reserved"] = l.reserved_bytes;
  return j;
}

Summary bytes(const std::string& tag, double value, const std::string& description,
              const std::string& source) {
  Summary s{tag, "B", value, std::nullopt, description, "", ojson::object()};
  s.extra["source"] = source;
  return s;
}

std::string ratio_text(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f×", r);
  return buf;
}

}  // namespace

PeakRss peak_rss() {
  PeakRss p;
  std::ifstream in("/proc/self/status");
  std::string line;
  while (in && std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    int64_t kb = 0;
    if (fields >> kb) {
      p.bytes = kb * 1024;
      p.source = "VmHWM of /proc/self/status (the benchmark's process)";
      return p;
    }
  }
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss > 0) {
    p.bytes = int64_t(ru.ru_maxrss) * 1024;  // Linux: kilobytes
    p.source = "getrusage ru_maxrss (the benchmark's process)";
    return p;
  }
  p.source = "neither /proc/self/status VmHWM nor getrusage ru_maxrss is available";
  return p;
}

std::vector<std::string> memory_mismatches(const MemoryCost& expected, const DeviceLimits& limits,
                                           const MemoryUsage& measured) {
  std::vector<std::string> flags;
  if (!measured.measured) return flags;
  const int eb = limits.float_bytes > 0 ? limits.float_bytes : expected.elem_bytes;
  const std::string storage = std::to_string(eb) + "-byte floats";
  auto check = [&](const char* what, int64_t want, int64_t got) {
    if (want <= 0 && got <= 0) return;
    if (want <= 0) {
      flags.push_back(std::string(what) + ": measured " + format_bytes(got) + ", expected none");
      return;
    }
    const double r = double(got) / double(want);
    if (r > kMemoryMismatchRatio || r < 1 / kMemoryMismatchRatio)
      flags.push_back(std::string(what) + ": measured " + format_bytes(got) + " is " + ratio_text(r) +
                      " the expected " + format_bytes(want) + " (at " + storage + ")");
  };
  check("weights", limits.float_bytes > 0 ? expected.weight_elems * eb : expected.weights_bytes(),
        measured.weights);
  check("KV cache", expected.kv_elems * eb, measured.kv_cache);
  return flags;
}

MemoryRecorder::MemoryRecorder(const Backend& backend, const DeviceInfo& device, const Workload& w)
    : MemoryRecorder(memory_cost(lower(w)), backend.limits(device), read_host_memory()) {}

MemoryRecorder::MemoryRecorder(const MemoryCost& expected, const DeviceLimits& before,
                               const HostMemory& host)
    : expected_(expected), before_(before), host_(host),
      fit_(check_fit(expected, before, host)) {}

ojson MemoryRecorder::block() const {
  ojson j;
  const MemoryCost& m = expected_;
  j["expected"] = {{"source", "cost model (suites/cost_model.cpp), at the workload precision"},
                   {"elem_bytes", m.elem_bytes},
                   {"weights", m.weights_bytes()},
                   {"kv_cache", m.kv_cache_bytes()},
                   {"largest_activation", m.largest_activation_bytes()},
                   {"activations", m.activations_bytes()},
                   {"largest_weight", m.largest_weight_elems * m.elem_bytes},
                   {"ids", m.id_bytes}};
  j["limits"] = limits_json(before_);
  j["host_before"] = {{"total", optional_bytes(host_.total_bytes)},
                      {"available", optional_bytes(host_.available_bytes)},
                      {"source", host_.source}};
  j["fit"] = fit_.to_json();
  return j;
}

void MemoryRecorder::skip(BenchmarkResult& r) const {
  r.state = State::Skipped;
  r.reason = "does not fit: " + fit_.reason();
  if (fit_.problems.size() > 1)
    r.reason += " (and " + std::to_string(fit_.problems.size() - 1) + " more: see memory.fit)";
  r.extra["memory"] = block();
}

void MemoryRecorder::finish(BenchmarkResult& r, const MemoryUsage& measured,
                            const DeviceLimits& after, const PeakRss& rss) const {
  ojson j = block();
  std::vector<Summary>& out = r.summaries;
  if (rss.bytes) {
    out.push_back(bytes("memory/host/peak_rss", double(*rss.bytes),
                        "peak resident memory of the benchmark's process: harness, constants, "
                        "reference check and backend",
                        rss.source));
  }
  j["host"] = {{"peak_rss", optional_bytes(rss.bytes)}, {"source", rss.source}};

  if (measured.measured) {
    const std::string src = measured.source.empty() ? "the backend's allocation records" : measured.source;
    out.push_back(bytes("memory/device/weights", double(measured.weights),
                        "weights as the backend holds them", src));
    out.push_back(bytes("memory/device/kv_cache", double(measured.kv_cache), "KV cache", src));
    out.push_back(bytes("memory/device/activations", double(measured.activations + measured.workspace),
                        "activations and workspace (inputs, intermediates, output, scratch, padding)", src));
    out.push_back(bytes("memory/device/total", double(measured.total()),
                        "everything the backend allocated for this workload", src));
    j["device"] = {{"state", "measured"},       {"source", src},
                   {"weights", measured.weights}, {"kv_cache", measured.kv_cache},
                   {"activations", measured.activations}, {"workspace", measured.workspace},
                   {"total", measured.total()}};
  } else {
    j["device"] = {{"state", "unavailable"},
                   {"reason", "the " + r.backend + " backend keeps no allocation records"}};
  }

  const std::string dev_src = before_.memory_source;
  if (before_.total_bytes)
    out.push_back(bytes("memory/device/capacity", double(*before_.total_bytes),
                        "memory the device has", dev_src));
  if (before_.free_bytes)
    out.push_back(bytes("memory/device/free_before", double(*before_.free_bytes),
                        "device memory free before compiling", dev_src));
  if (after.free_bytes)
    out.push_back(bytes("memory/device/free_after", double(*after.free_bytes),
                        "device memory free after the passes, the executable still allocated",
                        after.memory_source));
  j["device_memory"] = {{"total", optional_bytes(before_.total_bytes)},
                        {"free_before", optional_bytes(before_.free_bytes)},
                        {"free_after", optional_bytes(after.free_bytes)},
                        {"source", dev_src.empty() ? "the backend reports no memory figures" : dev_src}};

  const MemoryCost& m = expected_;
  const std::string cm = "cost model";
  out.push_back(bytes("memory/expected/weights", double(m.weights_bytes()),
                      "every weight at the workload precision", cm));
  out.push_back(bytes("memory/expected/kv_cache", double(m.kv_cache_bytes()),
                      "batch × (context + seq) × layers × kv_heads × head_dim × 2 at the workload precision", cm));
  out.push_back(bytes("memory/expected/largest_activation", double(m.largest_activation_bytes()),
                      "the largest intermediate tensor at the workload precision", cm));
  out.push_back(bytes("memory/expected/activations", double(m.activations_bytes()),
                      "every intermediate tensor held at once, at the workload precision", cm));

  const std::vector<std::string> flags = memory_mismatches(expected_, before_, measured);
  if (r.validity) {
    ojson v;
    if (measured.measured) {
      v["consistent"] = flags.empty();
      v["flags"] = flags;
    } else {
      v["consistent"] = nullptr;
      v["flags"] = ojson::array();
      v["reason"] = "the backend keeps no allocation records";
    }
    v["note"] = "measured weights and KV cache against the cost model at the backend's storage; "
                "a flag does not change `valid` (the timing is unaffected)";
    r.validity->extra["memory"] = v;
  }
  r.extra["memory"] = j;
}

void MemoryRecorder::finish(BenchmarkResult& r, const Backend& backend, const DeviceInfo& device,
                            const Executable& exe) const {
  finish(r, exe.memory_usage(), backend.limits(device), peak_rss());
}

}  // namespace infermark
