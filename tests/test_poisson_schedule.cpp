// The serving scenarios' request schedule: a Poisson process from the suite's seed (mean rate,
// exponential gaps by a Kolmogorov–Smirnov check), lengths uniform in their range, determinism.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>

#include "harness/poisson_schedule.hpp"

using namespace infermark;

namespace {

Scenario server(TokenRange prompt, TokenRange generate) {
  Scenario s;
  s.kind = ScenarioKind::Server;
  s.prompt = prompt;
  s.generate = generate;
  return s;
}

}  // namespace

TEST_CASE("poisson schedule: mean rate within four standard errors", "[poisson]") {
  const int n = 4000;
  const double qps = 5;
  const auto r = poisson_schedule(server({8, 8}, {4, 4}), qps, n, 42);
  REQUIRE(r.size() == size_t(n));
  // The mean of n exponential gaps of mean 1/λ has standard error (1/λ)/√n.
  const double mean_gap = r.back().arrival_s / n;
  const double se = (1 / qps) / std::sqrt(double(n));
  CHECK(std::fabs(mean_gap - 1 / qps) <= 4 * se);
  CHECK(std::is_sorted(r.begin(), r.end(),
                       [](const auto& a, const auto& b) { return a.arrival_s < b.arrival_s; }));
  CHECK(r.front().arrival_s > 0);  // a Poisson process's first arrival comes after one gap
}

TEST_CASE("poisson schedule: gaps are exponential (Kolmogorov–Smirnov at α = 0.01)", "[poisson]") {
  const int n = 2000;
  const double qps = 3;
  const auto r = poisson_schedule(server({8, 8}, {4, 4}), qps, n, 42);
  std::vector<double> gaps;
  double prev = 0;
  for (const auto& q : r) gaps.push_back(q.arrival_s - prev), prev = q.arrival_s;
  std::sort(gaps.begin(), gaps.end());
  double d = 0;  // sup |F_n(x) − (1 − e^{−λx})|
  for (size_t i = 0; i < gaps.size(); ++i) {
    const double f = 1 - std::exp(-qps * gaps[i]);
    d = std::max({d, std::fabs(double(i + 1) / n - f), std::fabs(f - double(i) / n)});
  }
  // Asymptotic critical value of the one-sample KS statistic at α = 0.01: 1.628 / √n.
  CHECK(d < 1.628 / std::sqrt(double(n)));

  // The same check rejects gaps of the right mean that are not exponential (uniform on [0, 2/λ]),
  // so it has the power to catch a wrong generator.
  std::vector<double> uniform(n);
  for (int i = 0; i < n; ++i) uniform[size_t(i)] = (2 / qps) * (i + 0.5) / n;
  double du = 0;
  for (size_t i = 0; i < uniform.size(); ++i) {
    const double f = 1 - std::exp(-qps * uniform[i]);
    du = std::max({du, std::fabs(double(i + 1) / n - f), std::fabs(f - double(i) / n)});
  }
  CHECK(du > 1.628 / std::sqrt(double(n)));
}

TEST_CASE("poisson schedule: deterministic from the seed, rates scale the same requests", "[poisson]") {
  const Scenario s = server({16, 32}, {4, 12});
  const auto a = poisson_schedule(s, 2, 300, 42);
  const auto b = poisson_schedule(s, 2, 300, 42);
  const auto c = poisson_schedule(s, 4, 300, 42);
  const auto other = poisson_schedule(s, 2, 300, 43);
  bool differs = false;
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].arrival_s == b[i].arrival_s);
    CHECK(a[i].prompt == b[i].prompt);
    CHECK(a[i].generate == b[i].generate);
    CHECK(c[i].arrival_s == Approx(a[i].arrival_s / 2).epsilon(1e-12));  // twice the rate
    CHECK(c[i].prompt == a[i].prompt);
    CHECK(c[i].generate == a[i].generate);
    differs = differs || other[i].arrival_s != a[i].arrival_s || other[i].prompt != a[i].prompt;
  }
  CHECK(differs);
  // The offline pool holds the same requests, all at time 0.
  const auto pool = offline_requests(s, 300, 42);
  for (size_t i = 0; i < pool.size(); ++i) {
    CHECK(pool[i].arrival_s == 0);
    CHECK(pool[i].prompt == a[i].prompt);
  }
}

TEST_CASE("poisson schedule: lengths cover their range uniformly, fixed lengths stay fixed", "[poisson]") {
  const int n = 3400;
  const auto r = poisson_schedule(server({16, 32}, {5, 5}), 1, n, 42);
  std::map<int, int> counts;
  for (const auto& q : r) {
    CHECK(q.generate == 5);
    ++counts[q.prompt];
  }
  REQUIRE(counts.size() == 17);  // 16 … 32, every value drawn
  CHECK(counts.begin()->first == 16);
  CHECK(counts.rbegin()->first == 32);
  // Each of 17 values expects 200 draws (sd ≈ 13.7); ±30% is more than six standard deviations.
  for (const auto& [len, count] : counts) {
    INFO(len);
    CHECK(count > 140);
    CHECK(count < 260);
  }
}
