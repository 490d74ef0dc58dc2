// MLPerf LoadGen's early-stopping rule for a latency percentile under a bound (loadgen
// early_stopping.cc, tolerance 0): each request is a Bernoulli trial, over the bound or not; with
// t of n over, the run shows "percentile p ≤ bound" at confidence c when
// P(≤ t over | n, over-probability 1 − p) ≤ 1 − c.
#pragma once

#include <cstdint>
#include <vector>

namespace infermark {

// P(X ≤ t) for X ~ Binomial(n, q).
double binomial_cdf(int64_t t, int64_t n, double q);

// The fewest requests n (≥ t) for which t over the bound still show percentile p at confidence c.
// p = 0.99, c = 0.99: 459 with none over.
int64_t early_stopping_min_requests(int64_t t, double p, double c);

struct EarlyStopping {
  int64_t requests = 0;  // n
  int64_t over = 0;      // t: requests whose value exceeds the bound
  int64_t required = 0;  // early_stopping_min_requests(t, p, c)
  bool met = false;      // requests ≥ required
  double confidence = 0; // 1 − P(≤ t over | n, 1 − p): the confidence actually reached
};

EarlyStopping early_stopping(const std::vector<double>& values, double bound, double p, double c);

}  // namespace infermark
