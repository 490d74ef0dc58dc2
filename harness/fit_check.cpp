#include "harness/fit_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace infermark {

std::string format_bytes(int64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = double(bytes);
  int u = 0;
  while (std::abs(v) >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  if (u == 0) std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  else std::snprintf(buf, sizeof buf, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
  return buf;
}

FitNeed fit_need(const MemoryCost& m, const DeviceLimits& l) {
  FitNeed n;
  n.elem_bytes = l.float_bytes > 0 ? l.float_bytes : m.elem_bytes;
  const int64_t eb = n.elem_bytes;
  // A backend's own float storage holds every weight as a float; otherwise quantized weights
  // take their stored size (MemoryCost::weights_bytes()).
  n.weights = l.float_bytes > 0 ? m.weight_elems * eb : m.weights_bytes();
  n.kv_cache = m.kv_elems * eb;
  n.activations = (l.holds_all_activations ? m.activation_elems : m.largest_activation_elems) * eb +
                  m.id_bytes;
  n.reserved = l.reserved_bytes;
  n.device = n.weights + n.kv_cache + n.activations + n.reserved;
  const int64_t largest_kv_act = std::max(m.largest_kv_elems, m.largest_activation_elems) * eb;
  n.largest_buffer = std::max(m.largest_weight_elems * eb, largest_kv_act);
  n.largest_whole_binding = l.weights_sliced ? largest_kv_act : n.largest_buffer;
  n.host = (m.weight_elems + m.kv_elems) * int64_t(sizeof(float)) + m.id_bytes +
           (l.host_memory ? n.device : 0);
  return n;
}

namespace {

std::string parts(const FitNeed& n) {
  std::string s = "weights " + format_bytes(n.weights);
  if (n.kv_cache) s += ", KV cache " + format_bytes(n.kv_cache);
  s += ", activations " + format_bytes(n.activations);
  if (n.reserved) s += ", workspace " + format_bytes(n.reserved);
  return s;
}

}  // namespace

FitCheck check_fit(const MemoryCost& m, const DeviceLimits& l, const HostMemory& host) {
  FitCheck f;
  f.need = fit_need(m, l);
  const FitNeed& n = f.need;
  const std::string need = "needs " + format_bytes(n.device) + " of device memory (" + parts(n) + ")";
  if (l.total_bytes && n.device > *l.total_bytes)
    f.problems.push_back(need + ", the device has " + format_bytes(*l.total_bytes));
  else if (l.free_bytes && !l.host_memory && n.device > *l.free_bytes)
    f.problems.push_back(need + ", the device has " + format_bytes(*l.free_bytes) + " free" +
                         (l.total_bytes ? " of " + format_bytes(*l.total_bytes) : std::string()));
  if (l.max_allocation_bytes && n.largest_buffer > *l.max_allocation_bytes)
    f.problems.push_back("its largest tensor needs one buffer of " + format_bytes(n.largest_buffer) +
                         ", the device's largest is " + format_bytes(*l.max_allocation_bytes) +
                         " (maxMemoryAllocationSize)");
  if (l.max_binding_bytes && n.largest_whole_binding > *l.max_binding_bytes)
    f.problems.push_back(std::string("its largest ") +
                         (l.weights_sliced ? "activation or KV-cache tensor" : "tensor") + " is " +
                         format_bytes(n.largest_whole_binding) +
                         ", more than one binding holds (maxStorageBufferRange " +
                         format_bytes(*l.max_binding_bytes) + ")");
  if (host.available_bytes && n.host > *host.available_bytes)
    f.problems.push_back("needs " + format_bytes(n.host) + " of host RAM (" +
                         format_bytes(n.host - (l.host_memory ? n.device : 0)) +
                         " of f32 constants the harness makes" +
                         (l.host_memory ? " + " + format_bytes(n.device) + " on the device, which is host memory"
                                        : std::string()) +
                         "), " + format_bytes(*host.available_bytes) + " is available");
  f.fits = f.problems.empty();
  return f;
}

ojson FitCheck::to_json() const {
  ojson j;
  j["fits"] = fits;
  j["problems"] = problems;
  j["need"] = {{"elem_bytes", need.elem_bytes},   {"weights", need.weights},
               {"kv_cache", need.kv_cache},       {"activations", need.activations},
               {"reserved", need.reserved},       {"device", need.device},
               {"largest_buffer", need.largest_buffer},
               {"largest_whole_binding", need.largest_whole_binding},
               {"host", need.host}};
  return j;
}

}  // namespace infermark
