// Tests of the comparison statistics (results/compare_stats): every expected value below was
// computed independently by tests/data/compare_stats_expected.py (SciPy 1.10 mannwhitneyu and
// gmean, and a NumPy re-implementation of the documented bootstrap), whose output is pasted here.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "common/error.hpp"
#include "results/compare_stats.hpp"
#include "suites/synthetic.hpp"

using namespace infermark;

namespace {

// ---- output of tests/data/compare_stats_expected.py: data sets ----
const std::vector<double> small_a = {1.2, 3.4, 2.2, 5.1, 0.7};
const std::vector<double> small_b = {4.4, 6.1, 5.5, 3.9, 7.2, 6.6};
const std::vector<double> three_a = {2.05, 2.31, 1.97};
const std::vector<double> twenty_b = {2.0, 2.259, 2.518, 2.037, 2.296, 2.555, 2.074, 2.333, 2.592, 2.111, 2.37, 2.629, 2.148, 2.407, 2.666, 2.185, 2.444, 2.703, 2.222, 2.481};
const std::vector<double> ties_a = {3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0, 8.0, 9.0, 7.0, 9.0, 3.0, 2.0, 3.0};
const std::vector<double> ties_b = {2.0, 7.0, 1.0, 8.0, 2.0, 8.0, 1.0, 8.0, 2.0, 8.0, 4.0, 5.0, 9.0, 0.0, 4.0, 5.0, 2.0, 3.0, 5.0, 3.0};
const std::vector<double> lat_a = {0.001, 0.001026, 0.001052, 0.0010780000000000002, 0.0010220000000000001, 0.001048, 0.001074, 0.001018, 0.001044, 0.00107, 0.001014, 0.0010400000000000001, 0.001066, 0.00101, 0.001036, 0.001062, 0.001006, 0.0010320000000000001, 0.0010580000000000001, 0.001002, 0.001028, 0.001054, 0.00108, 0.001024, 0.0010500000000000002, 0.0010760000000000001, 0.00102, 0.001046, 0.001072, 0.001016, 0.001042, 0.0010680000000000002, 0.001012, 0.001038, 0.001064, 0.001008, 0.001034, 0.0010600000000000002, 0.0010040000000000001, 0.00103};
const std::vector<double> lat_b = {0.0010040000000000001, 0.001038, 0.001072, 0.001012, 0.001046, 0.00108, 0.00102, 0.001054, 0.0010880000000000002, 0.001028, 0.001062, 0.0010960000000000002, 0.001036, 0.00107, 0.00101, 0.001044, 0.0010780000000000002, 0.001018, 0.001052, 0.0010860000000000002, 0.001026, 0.0010600000000000002, 0.0010940000000000001, 0.001034, 0.0010680000000000002, 0.001008, 0.001042, 0.0010760000000000001, 0.001016, 0.0010500000000000002, 0.0010840000000000001, 0.001024, 0.0010580000000000001, 0.001092, 0.0010320000000000001, 0.001066, 0.001006, 0.0010400000000000001, 0.001074, 0.001014, 0.001048, 0.001082, 0.0010220000000000001, 0.001056, 0.00109, 0.00103, 0.001064, 0.0010040000000000001, 0.001038, 0.001072};
const std::vector<double> sep_a = {1.0, 1.001, 1.002, 1.003, 1.004, 1.005, 1.006, 1.007, 1.008, 1.009, 1.01, 1.011, 1.012, 1.013, 1.014, 1.015, 1.016, 1.017, 1.018, 1.019, 1.02, 1.021, 1.022, 1.023, 1.024, 1.025, 1.026, 1.027, 1.028, 1.029};
const std::vector<double> sep_b = {2.0, 2.001, 2.002, 2.003, 2.004, 2.005, 2.006, 2.007, 2.008, 2.009, 2.01, 2.011, 2.012, 2.013, 2.014, 2.015, 2.016, 2.017, 2.018, 2.019, 2.02, 2.021, 2.022, 2.023, 2.024, 2.025, 2.026, 2.027, 2.028, 2.029};
const std::vector<double> boot_a = {6.1, 6.3, 6.0, 6.5, 6.2, 6.4, 6.1, 6.6, 6.0, 7.0, 6.2, 6.3};
const std::vector<double> boot_b = {7.9, 8.1, 8.4, 7.7, 8.0, 8.2, 9.1, 7.8, 8.3, 8.0, 8.6, 7.9, 8.1, 8.2, 8.5};
// ---- end of the data sets ----

void check_u(const std::vector<double>& a, const std::vector<double>& b, double u1, double p,
             UTestMethod method) {
  const UTestResult r = mann_whitney_u(a, b);
  CHECK(r.u1 == u1);  // U is a sum of (half-)integer ranks: exact
  CHECK(r.p_value == Approx(p).epsilon(1e-10));
  CHECK(r.method == method);
  // Swapping the samples gives the other sample's U and the same two-sided p.
  const UTestResult s = mann_whitney_u(b, a);
  CHECK(s.u1 == double(a.size() * b.size()) - u1);
  CHECK(s.p_value == Approx(p).epsilon(1e-10));
}

}  // namespace

TEST_CASE("Mann-Whitney U: exact distribution for small samples without ties (SciPy)") {
  // small: U1 = 2.0, p = 0.017316017316017316
  check_u(small_a, small_b, 2.0, 0.017316017316017316, UTestMethod::Exact);
  // three_twenty: U1 = 11.0, p = 0.09373235460191981 (one side ≤ 8 is enough for exact)
  check_u(three_a, twenty_b, 11.0, 0.09373235460191981, UTestMethod::Exact);
  // By hand: 1 vs 1 sample, U is 0 or 1 with probability ½ each, so p = 2 · ½ = 1.
  CHECK(mann_whitney_u({1.0}, {2.0}).p_value == 1.0);
  // 3 vs 3 fully separated: 1 arrangement of C(6,3) = 20 has U = 9, so p = 2/20 = 0.1.
  CHECK(mann_whitney_u({1, 2, 3}, {4, 5, 6}).p_value == Approx(0.1).epsilon(1e-15));
}

TEST_CASE("Mann-Whitney U: normal approximation with tie and continuity correction (SciPy)") {
  // ties: U1 = 197.5, p = 0.6162802546849321
  check_u(ties_a, ties_b, 197.5, 0.6162802546849321, UTestMethod::Asymptotic);
  // latency: U1 = 796.5, p = 0.09921428084297709
  check_u(lat_a, lat_b, 796.5, 0.09921428084297709, UTestMethod::Asymptotic);
  // separated: U1 = 0.0, p = 3.019859359162157e-11 (a tail far from the centre stays accurate)
  check_u(sep_a, sep_b, 0.0, 3.019859359162157e-11, UTestMethod::Asymptotic);
  // Small samples with a tie fall back to the approximation, as in SciPy.
  CHECK(mann_whitney_u({1, 2, 2}, {3, 4, 5}).method == UTestMethod::Asymptotic);
  // Every value tied: zero variance, no evidence of any difference.
  const UTestResult flat = mann_whitney_u(std::vector<double>(12, 5.0), std::vector<double>(9, 5.0));
  CHECK(flat.p_value == 1.0);
  CHECK(flat.u1 == 54.0);
}

TEST_CASE("Mann-Whitney U: bad samples are refused") {
  CHECK_THROWS_AS(mann_whitney_u({}, {1.0}), Error);
  CHECK_THROWS_AS(mann_whitney_u({1.0, NAN}, {1.0}), Error);
}

TEST_CASE("median, linear percentile and geometric mean") {
  CHECK(median_of({3, 1, 2}) == 2);
  CHECK(median_of({4, 1, 3, 2}) == 2.5);
  CHECK_THROWS_AS(median_of({}), Error);
  // NumPy linear percentile by hand: {10, 20, 30, 40}, q = 0.25 → position 0.75 → 17.5.
  CHECK(percentile_linear({10, 20, 30, 40}, 0.25) == Approx(17.5));
  CHECK(percentile_linear({10, 20, 30, 40}, 1.0) == 40);
  CHECK(percentile_linear({7}, 0.975) == 7);
  // gmean(lat_a) = 0.0010393271733377643, gmean(boot_b) = 8.179540208834236
  CHECK(geometric_mean(lat_a) == Approx(0.0010393271733377643).epsilon(1e-13));
  CHECK(geometric_mean(boot_b) == Approx(8.179540208834236).epsilon(1e-13));
  CHECK(geometric_mean({2, 8}) == Approx(4.0).epsilon(1e-15));
  CHECK_THROWS_AS(geometric_mean({1.0, 0.0}), Error);
  CHECK_THROWS_AS(geometric_mean({}), Error);
}

TEST_CASE("SplitMix64 stream: the documented sequence") {
  // The stream's i-th draw is splitmix64(seed + i·φ) (suites/synthetic.hpp's function).
  SplitMix64Stream s(1234);
  CHECK(s.next() == splitmix64(1234));
  CHECK(s.next() == splitmix64(1234 + 0x9e3779b97f4a7c15ull));
  // index_below: the high word of draw·n, so a draw of 2^63 maps to n/2.
  for (int i = 0; i < 1000; ++i) CHECK(s.index_below(7) < 7);
}

TEST_CASE("bootstrap interval of the ratio of medians matches the NumPy re-implementation") {
  // bootstrap(boot_a, boot_b): ratio 1.296, ci95 [1.253968253968254, 1.3442622950819672]
  const RatioInterval r = bootstrap_ratio_of_medians(boot_a, boot_b);
  CHECK(r.ratio == Approx(1.296).epsilon(1e-14));
  CHECK(r.lo == Approx(1.253968253968254).epsilon(1e-12));
  CHECK(r.hi == Approx(1.3442622950819672).epsilon(1e-12));
  CHECK(r.replicates.size() == 2000);
  // bootstrap(boot_a, boot_b, 500, seed 7, 0.90): ratio 1.296, ci [1.2598425196850394, 1.338709677419355]
  const RatioInterval q = bootstrap_ratio_of_medians(boot_a, boot_b, 500, 7, 0.90);
  CHECK(q.lo == Approx(1.2598425196850394).epsilon(1e-12));
  CHECK(q.hi == Approx(1.338709677419355).epsilon(1e-12));
  // bootstrap(small_a, small_b): ratio 2.6363636363636362, ci95 [1.1372549019607843, 8.285714285714286]
  const RatioInterval s = bootstrap_ratio_of_medians(small_a, small_b);
  CHECK(s.ratio == Approx(2.6363636363636362).epsilon(1e-14));
  CHECK(s.lo == Approx(1.1372549019607843).epsilon(1e-12));
  CHECK(s.hi == Approx(8.285714285714286).epsilon(1e-12));
}

TEST_CASE("bootstrap: deterministic, and degenerate samples give a point interval") {
  const RatioInterval a = bootstrap_ratio_of_medians(boot_a, boot_b);
  const RatioInterval b = bootstrap_ratio_of_medians(boot_a, boot_b);
  CHECK(a.replicates == b.replicates);
  // Constant samples: every resample has the same medians, so the interval is exactly 2/1.
  const RatioInterval c = bootstrap_ratio_of_medians(std::vector<double>(9, 1.0),
                                                     std::vector<double>(4, 2.0));
  CHECK(c.ratio == 2.0);
  CHECK(c.lo == 2.0);
  CHECK(c.hi == 2.0);
  CHECK_THROWS_AS(bootstrap_ratio_of_medians({0.0, 0.0, 0.0}, {1.0}), Error);
  CHECK_THROWS_AS(bootstrap_ratio_of_medians({1.0}, {}), Error);
}

TEST_CASE("bootstrap: the 95% interval covers the true ratio about 95% of the time") {
  // Samples from known distributions (uniform on [1, 2) and on [1.2, 2.4), true ratio of
  // medians exactly 1.2), drawn from a SplitMix64 stream that is independent of the bootstrap's.
  // A percentile bootstrap of a median with n = 41 should cover near the nominal 95%; 200 trials
  // put the count within [174, 198] unless the interval is badly wrong (binomial ±4σ ≈ ±12).
  SplitMix64Stream data(99);
  auto uniform = [&data] { return double(data.next() >> 11) * 0x1.0p-53; };
  int covered = 0;
  const int trials = 200;
  for (int t = 0; t < trials; ++t) {
    std::vector<double> a(41), b(41);
    for (double& x : a) x = 1 + uniform();
    for (double& x : b) x = 1.2 * (1 + uniform());
    const RatioInterval r = bootstrap_ratio_of_medians(a, b, 1000, kBootstrapSeed + uint64_t(t));
    covered += r.lo <= 1.2 && 1.2 <= r.hi;
  }
  CHECK(covered >= 174);
  CHECK(covered <= 198);
}
