#include "harness/fit_check_list.hpp"

#include <algorithm>

#include "backends/memory_usage.hpp"
#include "backends/registry.hpp"
#include "harness/fit_check.hpp"
#include "suites/cost_model.hpp"
#include "suites/graph.hpp"

namespace infermark {
namespace {

std::string limit_text(const std::optional<int64_t>& v) { return v ? format_bytes(*v) : "unknown"; }

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string device_line(const DeviceLimits& l, const HostMemory& host) {
  std::string s = "memory " + limit_text(l.total_bytes);
  if (l.free_bytes) s += " (" + format_bytes(*l.free_bytes) + " free)";
  if (l.max_allocation_bytes) s += ", largest buffer " + format_bytes(*l.max_allocation_bytes);
  if (l.max_binding_bytes)
    s += ", largest binding " + format_bytes(*l.max_binding_bytes) +
         (l.weights_sliced ? " (weights bound in slices)" : "");
  if (!l.host_memory) s += "; host RAM " + limit_text(host.available_bytes) + " available";
  if (!l.memory_source.empty()) s += "\n      source: " + l.memory_source;
  return s;
}

}  // namespace

std::string fits_listing(const Suite& suite, const std::vector<std::string>& backends) {
  std::vector<std::string> names = backends;
  if (names.empty())
    for (const auto& e : backend_registry()) names.push_back(e.name);
  std::string out = "suite " + suite.name + ": " + std::to_string(suite.workloads.size()) +
                    " workloads; need = weights + KV cache + activations at each backend's storage "
                    "(cost model), checked against each device's limits now\n";
  size_t width = 0;
  for (const auto& w : suite.workloads) width = std::max(width, w.id().size());
  const auto compiled_out = backends_compiled_out();
  for (const auto& name : names) {
    auto out_it = std::find_if(compiled_out.begin(), compiled_out.end(),
                               [&](const auto& c) { return c.first == name; });
    if (out_it != compiled_out.end()) {
      out += name + ": unavailable: " + out_it->second + "\n";
      continue;
    }
    auto backend = make_backend(name);  // BadInput for an unknown name
    const auto devices = backend->devices();
    if (devices.empty()) {
      out += name + ": unavailable: " + backend->unavailable_reason() + "\n";
      continue;
    }
    for (const auto& d : devices) {
      const DeviceLimits limits = backend->limits(d);
      const HostMemory host = read_host_memory();
      out += name + ":" + d.id + "  " + d.name + "\n    " + device_line(limits, host) + "\n";
      int fit = 0;
      for (const auto& w : suite.workloads) {
        std::string status, detail;
        if (Support s = backend->supports(w); !s.ok) {
          status = "unimplemented";
          detail = s.reason;
        } else {
          const FitCheck f = check_fit(memory_cost(lower(w)), limits, host);
          const FitNeed& n = f.need;
          status = f.fits ? "fits" : "no";
          fit += f.fits;
          if (f.fits) {
            detail = "needs " + format_bytes(n.device) + " (weights " + format_bytes(n.weights) +
                     ", KV " + format_bytes(n.kv_cache) + ", activations " +
                     format_bytes(n.activations) + ")";
          }
          for (const auto& problem : f.problems) detail += (detail.empty() ? "" : "; ") + problem;
        }
        out += "    " + pad(status, 14) + pad(w.id(), width + 2) + detail + "\n";
      }
      out += "    " + std::to_string(fit) + " of " + std::to_string(suite.workloads.size()) +
             " workloads fit\n";
    }
  }
  if (backends.empty())
    for (const auto& [name, why] : compiled_out) out += name + ": unavailable: " + why + "\n";
  return out;
}

}  // namespace infermark
