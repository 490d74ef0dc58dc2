// Z-score regression check over store history (regression_check.hpp).
#include "results/store/regression_check.hpp"

#include <cmath>
#include <limits>
#include <map>

namespace infermark {

std::vector<SeriesCheck> check_regressions(const std::vector<HistoryPoint>& points,
                                           size_t window, double z_limit) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const HistoryPoint*>> series;
  for (const auto& p : points) {
    const std::string key =
        p.workload_hash + "\n" + p.backend + "\n" + p.device + "\n" + p.system_hash;
    auto [it, fresh] = series.try_emplace(key);
    if (fresh) order.push_back(key);
    it->second.push_back(&p);
  }
  std::vector<SeriesCheck> out;
  for (const auto& key : order) {
    const auto& s = series[key];
    SeriesCheck c;
    c.latest = *s.back();
    std::vector<double> earlier;
    for (size_t i = s.size() - 1; i-- > 0 && earlier.size() < window;)
      if (s[i]->state == "passed" && std::isfinite(s[i]->value)) earlier.push_back(s[i]->value);
    c.history = earlier.size();
    if (!earlier.empty()) {
      for (double v : earlier) c.mean += v;
      c.mean /= double(earlier.size());
    }
    if (earlier.size() > 1) {
      double ss = 0;
      for (double v : earlier) ss += (v - c.mean) * (v - c.mean);
      c.stddev = std::sqrt(ss / double(earlier.size() - 1));
    }
    if (c.latest.state != "passed" || !std::isfinite(c.latest.value)) {
      c.note = "latest run is " + c.latest.state + ", not measured";
    } else if (earlier.size() < kMinCheckHistory) {
      c.note = "only " + std::to_string(earlier.size()) + " earlier passed run" +
               (earlier.size() == 1 ? "" : "s") + "; need " + std::to_string(kMinCheckHistory);
    } else {
      c.judged = true;
      const double d = c.latest.value - c.mean;
      if (c.stddev > 0)
        c.z = d / c.stddev;
      else
        c.z = d == 0 ? 0.0 : std::copysign(std::numeric_limits<double>::infinity(), d);
      c.regression = c.z > z_limit;
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace infermark
