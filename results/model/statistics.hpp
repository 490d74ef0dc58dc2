// Plain statistics over latency samples: order statistics, moments and the median's 95% CI.
// Percentiles follow MLPerf LoadGen (sorted[floor(n·p)], no interpolation).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace infermark {

struct SampleStats {
  size_t n = 0;
  double min = 0, max = 0, mean = 0, stddev = 0;  // stddev: sample (n − 1)
  double median = 0;
  double median_ci_lo = 0, median_ci_hi = 0;  // distribution-free order-statistic 95% interval
  double p90 = 0, p95 = 0, p99 = 0, p999 = 0;
  double rel_stddev() const { return mean > 0 ? stddev / mean : 0; }
  // Half-width of the median's CI relative to the median.
  double rel_ci_half_width() const {
    return median > 0 ? (median_ci_hi - median_ci_lo) / 2 / median : 0;
  }
};

// Throws Internal Error on an empty input.
SampleStats compute_stats(std::vector<double> samples);

// sorted[min(n − 1, floor(n·p))] of an ascending vector (MLPerf's definition).
double percentile_nearest_rank(const std::vector<double>& sorted, double p);

// The median's 95% order-statistic interval: ranks ⌊n/2 − 0.98√n⌋ and ⌈n/2 + 0.98√n⌉ (normal
// approximation to the binomial, clamped); needs no assumption about the distribution.
std::pair<double, double> median_ci95(const std::vector<double>& sorted);

}  // namespace infermark
