#include "harness/breakdown.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>

#include "suites/tensor_names.hpp"

namespace infermark {
namespace {

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

std::vector<std::pair<std::string, double>> median_op_seconds(Executable& exe, int runs) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<double>> per_op;  // one value per run
  for (int r = 0; r < runs; ++r) {
    exe.run();
    exe.sync();
    const auto ops = exe.op_seconds_last();
    if (ops.empty()) return {};
    std::map<std::string, double> this_run;
    for (const auto& [name, s] : ops) {
      const std::string key = names::without_layer_index(name);
      if (!per_op.count(key) && !this_run.count(key)) order.push_back(key);
      this_run[key] += s;
    }
    for (const auto& [key, s] : this_run) per_op[key].push_back(s);
  }
  std::vector<std::pair<std::string, double>> out;
  for (const auto& key : order) out.emplace_back(key, median_of(per_op[key]));
  return out;
}

std::vector<Summary> breakdown_summaries(Executable& exe, double median_s) {
  std::vector<Summary> out;
  if (!exe.op_seconds_last().empty()) {
    // About a quarter second of extra runs, at least 5 for a median that means something.
    const int runs = std::clamp(int(0.25 / std::max(median_s, 1e-6)), 5, 100);
    for (const auto& [op, s] : median_op_seconds(exe, runs))
      out.push_back({"breakdown/op/" + op, "s", s, std::nullopt,
                     "device time of op " + op + " (summed over layers), median of " +
                         std::to_string(runs) + " inferences",
                     "inference"});
  }
  // The GEMM-floor ratio: the backend's own paired measurement where it made one (robust to a
  // busy machine), else the latency pass's median over the GEMMs-alone time.
  std::optional<Summary> paired, unpaired;
  for (const auto& e : exe.measure_breakdown()) {
    if (e.name == "gemm_floor_ratio") {
      if (e.value > 0)
        paired = Summary{"compute/gemm_floor_ratio", "1", e.value, std::nullopt,
                         e.description + " (1 = no overhead beyond GEMMs)", ""};
      continue;
    }
    out.push_back({"breakdown/" + e.name, e.unit, e.value, std::nullopt, e.description,
                   e.unit == "s" ? "inference" : ""});
    if (e.name == "gemms_alone" && e.value > 0 && median_s > 0)
      unpaired = Summary{"compute/gemm_floor_ratio", "1", median_s / e.value, std::nullopt,
                         "median latency / time of the same GEMMs alone (1 = no overhead beyond "
                         "GEMMs)", ""};
  }
  if (paired || unpaired) out.push_back(paired ? *paired : *unpaired);
  return out;
}

}  // namespace infermark
