#include "results/console_table.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <vector>

#include "results/console_scenarios.hpp"
#include "results/text_format.hpp"

namespace infermark {

namespace {

std::string value_of(const BenchmarkResult& b, const char* tag, double scale) {
  const Summary* s = find_summary(b, tag);
  return s ? three_digits(s->value * scale) : "-";
}

std::string correctness_cell(const BenchmarkResult& b) {
  if (!b.correctness) return "-";
  const Correctness& c = *b.correctness;
  if (c.verdict == "not_run") return c.verdict;
  char buf[32];
  if (std::isfinite(c.nmse)) std::snprintf(buf, sizeof buf, "%.2g", c.nmse);
  else std::snprintf(buf, sizeof buf, "nan");
  return c.verdict + " " + buf;
}

}  // namespace

std::string format_seconds(double s) {
  if (!std::isfinite(s)) return "-";
  if (std::fabs(s) < 1e-3) return three_digits(s * 1e6) + " µs";
  if (std::fabs(s) < 1) return three_digits(s * 1e3) + " ms";
  return three_digits(s) + " s";
}

std::string summary_table(const RunResult& run) {
  // Numbers read best right-aligned, names left-aligned.
  const std::vector<bool> right = {false, false, false, true, true, true, false};
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"workload", "backend:device", "state", "median", "tokens/s", "GFLOP/s",
                  "correctness"});
  std::array<int, 5> counts{};
  for (const BenchmarkResult& b : run.benchmarks) {
    const Summary* median = find_summary(b, "latency/host/median");
    auto wid = b.workload.find("id");
    std::string workload = wid != b.workload.end() && wid->is_string() ? wid->get<std::string>()
                                                                       : b.id;
    rows.push_back({workload, b.backend + ":" + b.device, to_string(b.state),
                    median ? format_seconds(median->value) : "-",
                    value_of(b, "throughput/tokens_per_s", 1),
                    value_of(b, "compute/flops_per_s", 1e-9), correctness_cell(b)});
    ++counts[size_t(b.state)];
  }

  std::string out = aligned_table(rows, right);

  const std::array<State, 5> order = {State::Passed, State::Mistrusted, State::Failed,
                                      State::Unimplemented, State::Skipped};
  out += std::to_string(run.benchmarks.size()) +
         (run.benchmarks.size() == 1 ? " benchmark: " : " benchmarks: ");
  for (size_t i = 0; i < order.size(); ++i)
    out += (i ? ", " : "") + std::to_string(counts[size_t(order[i])]) + " " + to_string(order[i]);
  out += "\n";
  if (const std::string scenarios = scenario_table(run); !scenarios.empty())
    out += "\n" + scenarios;  // TTFT, TPOT and QPS of serving scenarios
  return out;
}

}  // namespace infermark
