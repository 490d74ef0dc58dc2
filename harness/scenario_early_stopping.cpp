#include "harness/scenario_early_stopping.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"

namespace infermark {

double binomial_cdf(int64_t t, int64_t n, double q) {
  if (t < 0) return 0;
  if (t >= n) return 1;
  if (q <= 0) return 1;
  if (q >= 1) return 0;
  // Terms in log space: log C(n, x) + x log q + (n − x) log(1 − q).
  const double lq = std::log(q), lr = std::log1p(-q);
  const double ln_fact_n = std::lgamma(double(n) + 1);
  double sum = 0;
  for (int64_t x = 0; x <= t; ++x)
    sum += std::exp(ln_fact_n - std::lgamma(double(x) + 1) - std::lgamma(double(n - x) + 1) +
                    double(x) * lq + double(n - x) * lr);
  return std::min(sum, 1.0);
}

int64_t early_stopping_min_requests(int64_t t, double p, double c) {
  if (!(p > 0 && p < 1 && c > 0 && c < 1) || t < 0)
    throw Error(ErrorKind::Internal, "early_stopping_min_requests: p and c must lie in (0, 1)");
  const double q = 1 - p, alpha = 1 - c;
  // The CDF falls as n grows: double an upper end, then bisect for the first n that passes.
  auto passes = [&](int64_t n) { return binomial_cdf(t, n, q) <= alpha; };
  int64_t lo = t, hi = std::max<int64_t>(t + 1, 1);
  while (!passes(hi)) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    (passes(mid) ? hi : lo) = mid;
  }
  return hi;
}

EarlyStopping early_stopping(const std::vector<double>& values, double bound, double p, double c) {
  EarlyStopping e;
  e.requests = int64_t(values.size());
  e.over = std::count_if(values.begin(), values.end(), [&](double v) { return v > bound; });
  e.required = early_stopping_min_requests(e.over, p, c);
  e.met = e.requests >= e.required;
  e.confidence = 1 - binomial_cdf(e.over, e.requests, 1 - p);
  return e;
}

}  // namespace infermark
