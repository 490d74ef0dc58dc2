// History series for the dashboard (dashboard_history.hpp).
#include "results/store/dashboard_history.hpp"

#include <cmath>
#include <map>
#include <set>
#include <tuple>

namespace infermark {

ojson dashboard_history(Store& store, const std::vector<NamedRun>& runs, const std::string& tag) {
  std::set<std::tuple<std::string, std::string, std::string>> wanted;
  for (const auto& r : runs)
    for (const auto& b : r.run.benchmarks) {
      const auto id = b.workload.find("id");
      const std::string workload = id != b.workload.end() && id->is_string()
                                       ? id->get<std::string>()
                                       : b.id.substr(0, b.id.find('@'));
      wanted.emplace(workload, b.backend, b.device);
    }
  ojson out = ojson::array();
  for (const auto& [workload, backend, device] : wanted) {
    HistoryFilter f;
    f.workload = workload;
    f.backend = backend;
    f.tag = tag;
    std::vector<std::string> order;
    std::map<std::string, ojson> series;
    for (const auto& p : store.history(f)) {
      if (p.device != device) continue;
      const std::string key = p.workload_hash + "\n" + p.system_hash;
      auto [it, fresh] = series.try_emplace(key);
      if (fresh) {
        order.push_back(key);
        it->second = ojson{{"workload", p.workload_id}, {"workload_hash", p.workload_hash},
                           {"backend", p.backend}, {"device", p.device},
                           {"device_name", p.device_name}, {"hostname", p.hostname},
                           {"tag", tag}, {"unit", p.unit}, {"points", ojson::array()}};
      }
      ojson pt{{"run", p.run_id}, {"started_at", p.started_at}, {"state", p.state},
               {"value", nullptr}, {"ci95", nullptr}};
      if (std::isfinite(p.value)) pt["value"] = p.value;
      if (p.ci_lo && p.ci_hi && std::isfinite(*p.ci_lo) && std::isfinite(*p.ci_hi))
        pt["ci95"] = ojson::array({*p.ci_lo, *p.ci_hi});
      if (it->second["unit"].get<std::string>().empty()) it->second["unit"] = p.unit;
      it->second["points"].push_back(pt);
    }
    for (const auto& key : order) out.push_back(series[key]);
  }
  return out;
}

}  // namespace infermark
