// Sample statistics: MLPerf nearest-rank percentiles, median, sample stddev and the median's
// order-statistic 95% interval (hand values, and its coverage on simulated data).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

#include "common/error.hpp"
#include "results/model/statistics.hpp"

using namespace infermark;

namespace {

std::vector<double> iota(int n, double from = 1) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(from + i);
  return v;
}

}  // namespace

TEST_CASE("percentile_nearest_rank is sorted[floor(n·p)]", "[statistics]") {
  const auto ten = iota(10);  // 1 … 10
  CHECK(percentile_nearest_rank(ten, 0.0) == 1);
  CHECK(percentile_nearest_rank(ten, 0.5) == 6);   // floor(5) = 5 → the sixth value
  CHECK(percentile_nearest_rank(ten, 0.9) == 10);  // floor(9) = 9
  CHECK(percentile_nearest_rank(ten, 0.85) == 9);  // floor(8.5) = 8
  CHECK(percentile_nearest_rank(ten, 0.99) == 10); // floor(9.9) = 9
  CHECK(percentile_nearest_rank(ten, 1.0) == 10);  // floor(10) = 10, clamped to n − 1

  const auto hundred = iota(100, 0);  // 0 … 99
  CHECK(percentile_nearest_rank(hundred, 0.90) == 90);
  CHECK(percentile_nearest_rank(hundred, 0.99) == 99);
  CHECK(percentile_nearest_rank(hundred, 0.95) == 95);
  const auto thousand = iota(1000, 0);
  CHECK(percentile_nearest_rank(thousand, 0.999) == 999);
  CHECK(percentile_nearest_rank({7.5}, 0.99) == 7.5);
  CHECK_THROWS_AS(percentile_nearest_rank({}, 0.5), Error);
}

TEST_CASE("compute_stats: median, mean, sample stddev, extremes", "[statistics]") {
  const SampleStats odd = compute_stats({3, 1, 2});
  CHECK(odd.n == 3);
  CHECK(odd.median == 2);
  const SampleStats even = compute_stats({4, 1, 3, 2});
  CHECK(even.median == 2.5);
  CHECK(even.min == 1);
  CHECK(even.max == 4);
  CHECK(even.mean == 2.5);

  // {2, 4, 4, 4, 5, 5, 7, 9}: mean 5, squared deviations sum to 32, sample variance 32/7.
  const SampleStats s = compute_stats({9, 2, 4, 5, 4, 7, 4, 5});
  CHECK(s.mean == Approx(5));
  CHECK(s.stddev == Approx(std::sqrt(32.0 / 7)));
  CHECK(s.rel_stddev() == Approx(std::sqrt(32.0 / 7) / 5));
  CHECK(s.median == 4.5);

  CHECK(compute_stats({0.25}).stddev == 0);
  CHECK(compute_stats({0.25}).median == 0.25);
  CHECK_THROWS_AS(compute_stats({}), Error);

  // Percentiles in compute_stats follow the same nearest-rank rule (1 … 100: p90 = sorted[90]).
  const SampleStats h = compute_stats(iota(100));
  CHECK(h.p90 == 91);
  CHECK(h.p95 == 96);
  CHECK(h.p99 == 100);
  CHECK(h.median == 50.5);
}

TEST_CASE("median_ci95 ranks for n = 100", "[statistics]") {
  // ⌊50 − 0.98·√100⌋ = ⌊40.2⌋ = 40 and ⌈50 + 9.8⌉ = 60.
  const auto v = iota(100, 0);
  const auto [lo, hi] = median_ci95(v);
  CHECK(lo == 40);
  CHECK(hi == 60);
  const SampleStats s = compute_stats(v);
  CHECK(s.median_ci_lo == 40);
  CHECK(s.median_ci_hi == 60);
  CHECK(s.rel_ci_half_width() == Approx((60.0 - 40.0) / 2 / 49.5));

  // n = 4: ⌊2 − 1.96⌋ = 0, ⌈3.96⌉ = 4 clamped to 3: the whole range.
  const auto [lo4, hi4] = median_ci95({1, 2, 3, 4});
  CHECK(lo4 == 1);
  CHECK(hi4 == 4);
  const auto [lo1, hi1] = median_ci95({5});
  CHECK(lo1 == 5);
  CHECK(hi1 == 5);
}

TEST_CASE("median_ci95 covers the true median about 95% of the time", "[statistics]") {
  // Exponential(1) samples: the true median is ln 2. Fixed seed, own transform of the raw bits.
  std::mt19937_64 rng(20240601);
  auto uniform = [&] { return (double(rng() >> 11) + 0.5) * 0x1p-53; };
  const double true_median = std::log(2.0);
  for (int n : {30, 100}) {
    INFO("n = " << n);
    int covered = 0;
    const int trials = 2000;
    std::vector<double> v(size_t(n), 0.0);
    for (int t = 0; t < trials; ++t) {
      for (auto& x : v) x = -std::log(1 - uniform());
      std::sort(v.begin(), v.end());
      const auto [lo, hi] = median_ci95(v);
      covered += lo <= true_median && true_median <= hi;
    }
    const double rate = double(covered) / trials;
    INFO("coverage " << rate);
    CHECK(rate >= 0.90);
    CHECK(rate <= 0.99);
  }
}
