// Sharding a suite (suites/shard.hpp): every workload in exactly one shard, the same shards
// whatever the suite order, balanced within one workload's cost, and strict parsing of I/N.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "common/error.hpp"
#include "suites/shard.hpp"
#include "suites/suite_file.hpp"

using namespace infermark;

namespace {

const std::string kSuitesDir = std::string(INFERMARK_SOURCE_DIR) + "/suites";

std::string bad_input_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::BadInput) return e.what();
    return std::string("not bad input: ") + e.what();
  }
  return "";
}

// workload id → shard (0-based) for `workloads` split into n.
std::map<std::string, int> shard_of_ids(const std::vector<Workload>& workloads,
                                        const MeasurementSettings& s, int n) {
  std::map<std::string, int> out;
  for (int i = 1; i <= n; ++i)
    for (const Workload& w : shard_workloads(workloads, s, {i, n})) {
      const bool fresh = out.emplace(w.id(), i - 1).second;
      INFO(w.id() << " is in two shards of " << n);
      CHECK(fresh);
    }
  return out;
}

}  // namespace

TEST_CASE("shard: I/N is parsed strictly", "[shard]") {
  CHECK(parse_shard("1/1").index == 1);
  CHECK(parse_shard("3/7").count == 7);
  CHECK(parse_shard("3/7").text() == "3/7");
  for (const char* bad : {"0/0", "0/3", "3/2", "garbage", "1/", "/2", "1/2/3", "-1/2", "1.0/2",
                          " 1/2", "1/0", "", "2/1000001"}) {
    INFO("'" << bad << "'");
    const std::string msg = bad_input_message([&] { parse_shard(bad); });
    CHECK_THAT(msg, Catch::StartsWith("--shard: expected I/N with 1 ≤ I ≤ N"));
  }
}

TEST_CASE("shard: every workload of standard and edge in exactly one shard, N = 1…7", "[shard]") {
  for (const char* name : {"standard", "edge"}) {
    const Suite suite = load_suite(name, kSuitesDir);
    REQUIRE(suite.workloads.size() >= 7);
    for (int n = 1; n <= 7; ++n) {
      INFO(name << ", N = " << n);
      const auto shards = shard_of_ids(suite.workloads, suite.settings, n);
      std::set<std::string> all;
      for (const auto& w : suite.workloads) all.insert(w.id());
      std::set<std::string> covered;
      for (const auto& [id, s] : shards) covered.insert(id);
      CHECK(covered == all);
      // With at least N workloads, no shard is left empty by a balanced assignment.
      std::set<int> used;
      for (const auto& [id, s] : shards) used.insert(s);
      CHECK(int(used.size()) == n);
    }
  }
}

TEST_CASE("shard: the same shards when the suite order is shuffled", "[shard]") {
  for (const char* name : {"standard", "edge"}) {
    const Suite suite = load_suite(name, kSuitesDir);
    std::vector<Workload> shuffled = suite.workloads;
    std::mt19937 rng(12345);
    for (int n : {2, 3, 5}) {
      INFO(name << ", N = " << n);
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      std::reverse(shuffled.begin() + 1, shuffled.end());
      CHECK(shard_of_ids(shuffled, suite.settings, n) ==
            shard_of_ids(suite.workloads, suite.settings, n));
      CHECK(shard_assignment_digest(shuffled, suite.settings, n) ==
            shard_assignment_digest(suite.workloads, suite.settings, n));
      CHECK(shard_assignment_digest(shuffled, suite.settings, n) !=
            shard_assignment_digest(suite.workloads, suite.settings, n + 1));
    }
  }
}

TEST_CASE("shard: balance within the most expensive workload", "[shard]") {
  for (const char* name : {"standard", "edge"}) {
    const Suite suite = load_suite(name, kSuitesDir);
    std::vector<int64_t> costs;
    for (const auto& w : suite.workloads) costs.push_back(estimated_cost_ns(w, suite.settings));
    const int64_t total = std::accumulate(costs.begin(), costs.end(), int64_t(0));
    const int64_t largest = *std::max_element(costs.begin(), costs.end());
    for (int n = 1; n <= 7; ++n) {
      const std::vector<int> shard = assign_shards(suite.workloads, costs, n);
      std::vector<int64_t> load(size_t(n), 0);
      for (size_t i = 0; i < shard.size(); ++i) {
        REQUIRE(shard[i] >= 0);
        REQUIRE(shard[i] < n);
        load[size_t(shard[i])] += costs[i];
      }
      INFO(name << ", N = " << n);
      CHECK(*std::max_element(load.begin(), load.end()) <= total / n + largest);
    }
  }
}

TEST_CASE("shard: longest processing time first, by hand", "[shard]") {
  // Costs 5, 4, 3, 3, 3 over two shards: 5 → A (5), 4 → B (4), 3 → B (7), 3 → A (8), 3 → B (10).
  const Suite smoke = load_suite("smoke", kSuitesDir);
  const std::vector<Workload> five(smoke.workloads.begin(), smoke.workloads.begin() + 5);
  const std::vector<int64_t> costs = {3, 5, 3, 4, 3};
  const std::vector<int> shard = assign_shards(five, costs, 2);
  int64_t a = 0, b = 0;
  for (size_t i = 0; i < 5; ++i) (shard[i] == 0 ? a : b) += costs[i];
  CHECK(a == 8);
  CHECK(b == 10);
  CHECK(shard[1] == 0);  // the most expensive goes first, to the first shard
  CHECK(shard[3] == 1);
  // One shard holds everything; more shards than workloads leave the extra ones empty.
  CHECK(assign_shards(five, costs, 1) == std::vector<int>(5, 0));
  const std::vector<int> seven = assign_shards(five, costs, 7);
  CHECK(std::set<int>(seven.begin(), seven.end()).size() == 5);
}

TEST_CASE("shard: the default run group follows the suite hash and the seed", "[shard]") {
  const Suite smoke = load_suite("smoke", kSuitesDir);
  const std::string g = default_run_group(smoke, 42);
  CHECK_THAT(g, Catch::StartsWith("smoke-"));
  CHECK(g.size() == std::string("smoke-").size() + 12);
  CHECK(g == default_run_group(smoke, 42));
  CHECK(g != default_run_group(smoke, 43));
  Suite other = smoke;
  other.hash = "sha256:0";
  CHECK(g != default_run_group(other, 42));
}
