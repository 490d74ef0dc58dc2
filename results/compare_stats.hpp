// Statistics for comparing two sets of latency samples: Mann–Whitney U test, a seeded bootstrap
// interval for the ratio of medians, and the geometric mean. Plain functions over samples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace infermark {

// How a Mann–Whitney p-value was computed.
enum class UTestMethod { Exact, Asymptotic };
std::string to_string(UTestMethod);

struct UTestResult {
  double u1 = 0;       // U statistic of the first sample (SciPy's `statistic`)
  double p_value = 1;  // two-sided
  UTestMethod method = UTestMethod::Asymptotic;
};

// Two-sided Mann–Whitney U test, as SciPy 1.10's mannwhitneyu(a, b, method='auto'):
// exact null distribution when min(n_a, n_b) ≤ 8 and no value is tied; otherwise the normal
// approximation with tie correction and continuity correction. One deviation: when the exact
// table would exceed kUTestExactMaxCells (n_a·n_b) cells, the asymptotic form is used instead.
// Throws Internal Error when a sample is empty or holds a NaN.
UTestResult mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b);
inline constexpr double kUTestExactMaxCells = 1e6;

// The median as NumPy computes it: the middle value, or the mean of the two middle values.
// Throws Internal Error on an empty sample.
double median_of(std::vector<double> v);

// NumPy's default ("linear") percentile of an ascending vector: position q·(n − 1), linear
// interpolation between its neighbours. q in [0, 1].
double percentile_linear(const std::vector<double>& sorted, double q);

// exp(mean(log x)); throws Internal Error when empty or when a value is not > 0.
double geometric_mean(const std::vector<double>& x);

// SplitMix64 stream: the i-th draw (from 0) is splitmix64(seed + i·0x9e3779b97f4a7c15), and an
// index in [0, n) is the high 64 bits of draw·n. Documented so another tool can reproduce it.
class SplitMix64Stream {
 public:
  explicit SplitMix64Stream(uint64_t seed) : state_(seed) {}
  uint64_t next();
  size_t index_below(size_t n);

 private:
  uint64_t state_;
};

inline constexpr uint64_t kBootstrapSeed = 0x696e6665726d6b31ull;  // "infermk1"
inline constexpr int kBootstrapResamples = 2000;

struct RatioInterval {
  double ratio = 0;  // median(b) / median(a)
  double lo = 0, hi = 0;
  std::vector<double> replicates;  // one ratio per resample, in resample order
};

// Percentile bootstrap interval of median(b) / median(a). Each resample draws n_a indices into
// the ascending-sorted a, then n_b indices into the ascending-sorted b, from one
// SplitMix64Stream(seed); the interval is percentile_linear of the sorted replicates at
// (1 − confidence)/2 and (1 + confidence)/2. Deterministic: same inputs, same interval.
// Throws Internal Error on an empty sample or when median(a) is not > 0.
RatioInterval bootstrap_ratio_of_medians(const std::vector<double>& a,
                                         const std::vector<double>& b,
                                         int resamples = kBootstrapResamples,
                                         uint64_t seed = kBootstrapSeed,
                                         double confidence = 0.95);

}  // namespace infermark
