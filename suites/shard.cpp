#include "suites/shard.hpp"

#include <algorithm>
#include <numeric>

#include "common/error.hpp"
#include "common/sha256.hpp"
#include "suites/cost_model.hpp"
#include "suites/graph.hpp"

namespace infermark {

namespace {

// A decimal integer in [1, 100000], or -1.
int parse_count(const std::string& s) {
  if (s.empty() || s.size() > 6) return -1;
  for (char c : s)
    if (c < '0' || c > '9') return -1;
  const int v = std::stoi(s);
  return v >= 1 && v <= 100000 ? v : -1;
}

}  // namespace

ShardSpec parse_shard(const std::string& text, const std::string& flag) {
  const auto slash = text.find('/');
  const std::string expected =
      "expected I/N with 1 ≤ I ≤ N (shard I of N, counted from 1, e.g. 2/3), got '" + text + "'";
  if (slash == std::string::npos) throw Error(ErrorKind::BadInput, flag + ": " + expected);
  const int i = parse_count(text.substr(0, slash));
  const int n = parse_count(text.substr(slash + 1));
  if (i < 0 || n < 0 || i > n) throw Error(ErrorKind::BadInput, flag + ": " + expected);
  return {i, n};
}

int64_t estimated_cost_ns(const Workload& w, const MeasurementSettings& s) {
  const WorkloadCost c = workload_cost(lower(w));
  // Nominal rates: only the ratios between workloads matter for balancing.
  double per_run_s = double(c.flops) / 100e9 + double(c.min_bytes) / 10e9;
  if (!w.scenario.is_step())
    per_run_s *= double(std::max(1, w.scenario.requests)) * std::max(1, w.scenario.generate.max);
  const double fixed_s = s.warmup_s + s.min_time_s;
  const double total_s = fixed_s + per_run_s * (s.min_iterations + 2);
  return int64_t(total_s * 1e9);
}

std::vector<int> assign_shards(const std::vector<Workload>& workloads,
                               const std::vector<int64_t>& costs, int count) {
  if (count < 1) throw Error(ErrorKind::Internal, "assign_shards: count < 1");
  std::vector<std::string> hashes, ids;
  for (const auto& w : workloads) {
    hashes.push_back(w.hash());
    ids.push_back(w.id());
  }
  std::vector<size_t> order(workloads.size());
  std::iota(order.begin(), order.end(), size_t(0));
  // Hash order first: the suite's own order never matters.
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::tie(hashes[a], ids[a]) < std::tie(hashes[b], ids[b]);
  });
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return costs[a] > costs[b]; });
  std::vector<int64_t> load(size_t(count), 0);
  std::vector<int> shard(workloads.size(), 0);
  for (size_t i : order) {
    const auto least = std::min_element(load.begin(), load.end());  // first of equals
    shard[i] = int(least - load.begin());
    *least += costs[i];
  }
  return shard;
}

std::vector<Workload> shard_workloads(const std::vector<Workload>& workloads,
                                      const MeasurementSettings& s, const ShardSpec& spec) {
  std::vector<int64_t> costs;
  for (const auto& w : workloads) costs.push_back(estimated_cost_ns(w, s));
  const std::vector<int> shard = assign_shards(workloads, costs, spec.count);
  std::vector<Workload> out;
  for (size_t i = 0; i < workloads.size(); ++i)
    if (shard[i] == spec.index - 1) out.push_back(workloads[i]);
  return out;
}

std::string shard_assignment_digest(const std::vector<Workload>& workloads,
                                    const MeasurementSettings& s, int count) {
  std::vector<int64_t> costs;
  for (const auto& w : workloads) costs.push_back(estimated_cost_ns(w, s));
  const std::vector<int> shard = assign_shards(workloads, costs, count);
  std::vector<std::string> lines;
  for (size_t i = 0; i < workloads.size(); ++i)
    lines.push_back(workloads[i].hash() + " " + std::to_string(shard[i] + 1) + "/" +
                    std::to_string(count) + "\n");
  std::sort(lines.begin(), lines.end());
  std::string all;
  for (const auto& l : lines) all += l;
  return sha256_hex(all);
}

std::string default_run_group(const Suite& suite, uint64_t seed) {
  const std::string h = sha256_hex(suite.hash + ":" + std::to_string(seed));
  return suite.name + "-" + h.substr(std::string("sha256:").size(), 12);
}

}  // namespace infermark
