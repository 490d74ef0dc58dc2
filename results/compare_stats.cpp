#include "results/compare_stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/error.hpp"
#include "suites/synthetic.hpp"

namespace infermark {

namespace {

void require_samples(const std::vector<double>& v, const char* what) {
  if (v.empty()) throw Error(ErrorKind::Internal, std::string(what) + ": empty sample");
  for (double x : v)
    if (std::isnan(x)) throw Error(ErrorKind::Internal, std::string(what) + ": sample holds NaN");
}

// Counts of arrangements of m x's and n y's by their U statistic: the coefficients of the
// Gaussian binomial [m+n choose m]_q, built as ∏_{i=1..m} (1 − q^{n+i}) / (1 − q^i). Every
// partial product is itself [n+i choose i]_q, so the integers stay exact (≤ C(m+n, m)).
std::vector<__int128> u_counts(size_t m, size_t n) {
  // Room for the intermediate product, of degree i·(n + 1) before the division.
  std::vector<__int128> p(m * (n + 1) + 1, 0);
  p[0] = 1;
  size_t degree = 0;
  for (size_t i = 1; i <= m; ++i) {
    const size_t up = n + i;
    for (size_t k = degree + up; k >= up; --k) p[k] -= p[k - up];  // × (1 − q^{n+i})
    degree += up;
    // ÷ (1 − q^i): exact, so the coefficients above the quotient's degree i·n come out 0.
    for (size_t k = i; k <= degree; ++k) p[k] += p[k - i];
    degree = i * n;
  }
  p.resize(m * n + 1);
  return p;
}

}  // namespace

std::string to_string(UTestMethod m) { return m == UTestMethod::Exact ? "exact" : "asymptotic"; }

UTestResult mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b) {
  require_samples(a, "Mann-Whitney U");
  require_samples(b, "Mann-Whitney U");
  const size_t n1 = a.size(), n2 = b.size(), n = n1 + n2;

  // Average ranks (1-based) of the pooled sample; ties share the mean of their ranks.
  std::vector<std::pair<double, bool>> pooled;  // value, from a
  pooled.reserve(n);
  for (double x : a) pooled.emplace_back(x, true);
  for (double x : b) pooled.emplace_back(x, false);
  std::sort(pooled.begin(), pooled.end(),
            [](const auto& l, const auto& r) { return l.first < r.first; });
  double rank_sum_a = 0, tie_term = 0;
  bool ties = false;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && pooled[j].first == pooled[i].first) ++j;
    const double t = double(j - i);
    const double rank = (double(i + 1) + double(j)) / 2;
    for (size_t k = i; k < j; ++k)
      if (pooled[k].second) rank_sum_a += rank;
    tie_term += t * t * t - t;
    ties = ties || j - i > 1;
    i = j;
  }

  UTestResult r;
  r.u1 = rank_sum_a - double(n1) * double(n1 + 1) / 2;
  const double mn = double(n1) * double(n2);
  const double u = std::max(r.u1, mn - r.u1);  // two-sided: the larger tail, doubled

  const bool exact = (n1 <= 8 || n2 <= 8) && !ties && mn <= kUTestExactMaxCells;
  if (exact) {
    r.method = UTestMethod::Exact;
    const size_t m = std::min(n1, n2), big = std::max(n1, n2);
    const auto counts = u_counts(m, big);
    // P(U' ≥ u) = P(U' ≤ mn − u) by symmetry; u is an integer when nothing is tied.
    const auto upto = size_t(std::llround(mn - u));
    __int128 tail = 0, total = 0;
    for (size_t k = 0; k < counts.size(); ++k) {
      total += counts[k];
      if (k <= upto) tail += counts[k];
    }
    r.p_value = std::min(1.0, double(2 * (long double)tail / (long double)total));
    return r;
  }

  r.method = UTestMethod::Asymptotic;
  const double nd = double(n);
  const double var = mn / 12 * ((nd + 1) - tie_term / (nd * (nd - 1)));
  const double numerator = u - mn / 2 - 0.5;  // continuity correction toward the null
  if (!(var > 0)) {
    r.p_value = 1;  // every value tied: no evidence of a difference
    return r;
  }
  const double z = numerator / std::sqrt(var);
  r.p_value = std::clamp(std::erfc(z / std::sqrt(2.0)), 0.0, 1.0);  // 2 · (1 − Φ(z))
  return r;
}

double median_of(std::vector<double> v) {
  if (v.empty()) throw Error(ErrorKind::Internal, "median of no samples");
  const size_t m = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + long(m), v.end());
  const double hi = v[m];
  if (v.size() % 2) return hi;
  const double lo = *std::max_element(v.begin(), v.begin() + long(m));
  return (lo + hi) / 2;
}

double percentile_linear(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) throw Error(ErrorKind::Internal, "percentile of no values");
  const double pos = std::clamp(q, 0.0, 1.0) * double(sorted.size() - 1);
  const auto i = size_t(std::floor(pos));
  if (i + 1 >= sorted.size()) return sorted.back();
  const double t = pos - double(i);
  return sorted[i] + (sorted[i + 1] - sorted[i]) * t;
}

double geometric_mean(const std::vector<double>& x) {
  if (x.empty()) throw Error(ErrorKind::Internal, "geometric mean of no values");
  double s = 0;
  for (double v : x) {
    if (!(v > 0)) throw Error(ErrorKind::Internal, "geometric mean of a value that is not > 0");
    s += std::log(v);
  }
  return std::exp(s / double(x.size()));
}

uint64_t SplitMix64Stream::next() {
  const uint64_t out = splitmix64(state_);  // = mix(state + φ), the standard SplitMix64 step
  state_ += 0x9e3779b97f4a7c15ull;
  return out;
}

size_t SplitMix64Stream::index_below(size_t n) {
  return size_t((unsigned __int128)next() * n >> 64);
}

namespace {

// The median of one bootstrap resample of `sorted`: the resample's order statistics are
// sorted[k-th smallest drawn index], so counting the drawn indices replaces a sort.
double resample_median(const std::vector<double>& sorted, SplitMix64Stream& rng,
                       std::vector<uint32_t>& counts) {
  const size_t n = sorted.size();
  std::fill(counts.begin(), counts.end(), 0u);
  for (size_t i = 0; i < n; ++i) ++counts[rng.index_below(n)];
  const size_t lo_rank = (n - 1) / 2, hi_rank = n / 2;  // 0-based ranks of the middle
  size_t seen = 0, lo = 0;
  for (size_t idx = 0; idx < n; ++idx) {
    const size_t next = seen + counts[idx];
    if (seen <= lo_rank && lo_rank < next) lo = idx;
    if (seen <= hi_rank && hi_rank < next) return (sorted[lo] + sorted[idx]) / 2;
    seen = next;
  }
  throw Error(ErrorKind::Internal, "bootstrap resample lost its median");
}

}  // namespace

RatioInterval bootstrap_ratio_of_medians(const std::vector<double>& a,
                                         const std::vector<double>& b, int resamples,
                                         uint64_t seed, double confidence) {
  require_samples(a, "bootstrap");
  require_samples(b, "bootstrap");
  if (resamples < 1) throw Error(ErrorKind::Internal, "bootstrap needs at least one resample");
  std::vector<double> sa = a, sb = b;
  std::sort(sa.begin(), sa.end());
  std::sort(sb.begin(), sb.end());
  RatioInterval r;
  const double ma = median_of(sa);
  if (!(ma > 0)) throw Error(ErrorKind::Internal, "ratio of medians: baseline median is not > 0");
  r.ratio = median_of(sb) / ma;

  SplitMix64Stream rng(seed);
  std::vector<uint32_t> ca(sa.size()), cb(sb.size());
  r.replicates.reserve(size_t(resamples));
  for (int i = 0; i < resamples; ++i) {
    const double ra = resample_median(sa, rng, ca);
    const double rb = resample_median(sb, rng, cb);
    r.replicates.push_back(rb / ra);
  }
  std::vector<double> sorted = r.replicates;
  std::sort(sorted.begin(), sorted.end());
  r.lo = percentile_linear(sorted, (1 - confidence) / 2);
  r.hi = percentile_linear(sorted, (1 + confidence) / 2);
  return r;
}

}  // namespace infermark
