#include "results/model/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "common/error.hpp"

namespace infermark {

double percentile_nearest_rank(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) throw Error(ErrorKind::Internal, "percentile of no samples");
  size_t i = static_cast<size_t>(std::floor(double(sorted.size()) * p));
  return sorted[std::min(i, sorted.size() - 1)];
}

std::pair<double, double> median_ci95(const std::vector<double>& sorted) {
  if (sorted.empty()) throw Error(ErrorKind::Internal, "median of no samples");
  const double n = double(sorted.size());
  const double half = 0.98 * std::sqrt(n);  // 1.96 · √n / 2
  auto lo = static_cast<long>(std::floor(n / 2 - half));
  auto hi = static_cast<long>(std::ceil(n / 2 + half));
  lo = std::clamp(lo, 0L, long(sorted.size()) - 1);
  hi = std::clamp(hi, 0L, long(sorted.size()) - 1);
  return {sorted[size_t(lo)], sorted[size_t(hi)]};
}

SampleStats compute_stats(std::vector<double> s) {
  if (s.empty()) throw Error(ErrorKind::Internal, "statistics of no samples");
  std::sort(s.begin(), s.end());
  SampleStats st;
  st.n = s.size();
  st.min = s.front();
  st.max = s.back();
  double sum = 0;
  for (double x : s) sum += x;
  st.mean = sum / double(s.size());
  double ss = 0;
  for (double x : s) ss += (x - st.mean) * (x - st.mean);
  st.stddev = s.size() > 1 ? std::sqrt(ss / double(s.size() - 1)) : 0;
  const size_t m = s.size() / 2;
  st.median = s.size() % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  std::tie(st.median_ci_lo, st.median_ci_hi) = median_ci95(s);
  st.p90 = percentile_nearest_rank(s, 0.90);
  st.p95 = percentile_nearest_rank(s, 0.95);
  st.p99 = percentile_nearest_rank(s, 0.99);
  st.p999 = percentile_nearest_rank(s, 0.999);
  return st;
}

}  // namespace infermark
