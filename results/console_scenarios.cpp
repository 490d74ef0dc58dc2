#include "results/console_scenarios.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "results/console_table.hpp"
#include "results/text_format.hpp"

namespace infermark {

namespace {

std::string seconds_of(const BenchmarkResult& b, const std::string& tag) {
  const Summary* s = find_summary(b, tag);
  return s ? format_seconds(s->value) : "-";
}

std::string rate_of(const BenchmarkResult& b, const std::string& tag) {
  const Summary* s = find_summary(b, tag);
  return s ? three_digits(s->value) : "-";
}

// "held", "broken", or "-" (no bounds: generate, offline).
std::string bounds_of(const BenchmarkResult& b) {
  if (!b.validity) return "-";
  auto it = b.validity->extra.find("latency_bounds");
  if (it == b.validity->extra.end() || !it->is_object()) return "-";
  std::string s = it->value("held", false) ? "held" : "broken";
  auto es = b.validity->extra.find("early_stopping");
  if (es != b.validity->extra.end() && es->is_object()) {
    double c = 1;
    for (const char* k : {"ttft", "tpot"})
      if (es->contains(k)) c = std::min(c, (*es)[k].value("confidence", 0.0));
    char buf[32];
    std::snprintf(buf, sizeof buf, " (%.1f%% conf.)", 100 * c);
    s += buf;
  }
  return s;
}

}  // namespace

std::string scenario_table(const RunResult& run) {
  const std::vector<bool> right = {false, false, false, true, true, true, true, true, true, false};
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"scenario workload", "backend:device", "state", "TTFT p50", "TTFT p99",
                  "TPOT p50", "TPOT p99", "QPS", "max QPS", "p99 bounds"});
  for (const BenchmarkResult& b : run.benchmarks) {
    auto kind = b.workload.find("scenario");
    if (kind == b.workload.end() || !kind->is_string() || *kind == "step") continue;
    auto wid = b.workload.find("id");
    std::string qps = rate_of(b, "scenario/achieved_qps");
    if (qps == "-") qps = rate_of(b, "throughput/requests_per_s");
    rows.push_back({wid != b.workload.end() && wid->is_string() ? wid->get<std::string>() : b.id,
                    b.backend + ":" + b.device, to_string(b.state),
                    seconds_of(b, "scenario/ttft/median"), seconds_of(b, "scenario/ttft/p99"),
                    seconds_of(b, "scenario/tpot/median"), seconds_of(b, "scenario/tpot/p99"), qps,
                    rate_of(b, "scenario/max_qps"), bounds_of(b)});
  }
  if (rows.size() == 1) return "";
  return aligned_table(rows, right);
}

}  // namespace infermark
