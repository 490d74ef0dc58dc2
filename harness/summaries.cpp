#include "harness/summaries.hpp"

#include "results/model/statistics.hpp"

namespace infermark {
namespace {

void add_latency(std::vector<Summary>& out, const std::string& timer,
                 const std::vector<double>& samples) {
  const SampleStats st = compute_stats(samples);
  const std::string p = "latency/" + timer + "/";
  out.push_back({p + "median", "s", st.median, std::make_pair(st.median_ci_lo, st.median_ci_hi),
                 "median " + timer + " time of one inference", ""});
  out.push_back({p + "mean", "s", st.mean, std::nullopt, "", ""});
  out.push_back({p + "stddev", "s", st.stddev, std::nullopt, "sample standard deviation", ""});
  out.push_back({p + "min", "s", st.min, std::nullopt, "", ""});
  out.push_back({p + "max", "s", st.max, std::nullopt, "", ""});
  out.push_back({p + "p90", "s", st.p90, std::nullopt, "", ""});
  out.push_back({p + "p95", "s", st.p95, std::nullopt, "", ""});
  out.push_back({p + "p99", "s", st.p99, std::nullopt, "", ""});
}

}  // namespace

std::vector<Summary> latency_summaries(const std::vector<double>& host,
                                       const std::optional<std::vector<double>>& device,
                                       int64_t tokens, const WorkloadCost& cost) {
  std::vector<Summary> out;
  add_latency(out, "host", host);
  if (device && !device->empty()) add_latency(out, "device", *device);
  // Rates use the host median, with the interval mapped through 1/x (monotone), so they are
  // what a caller of the backend sees end to end.
  const SampleStats st = compute_stats(host);
  auto rate = [&](const std::string& tag, const std::string& unit, double amount,
                  const std::string& what) {
    if (st.median <= 0) return;
    out.push_back({tag, unit, amount / st.median,
                   std::make_pair(amount / st.median_ci_hi, amount / st.median_ci_lo), what, ""});
  };
  rate("throughput/inferences_per_s", "1/s", 1.0, "inferences per second at the median latency");
  rate("throughput/tokens_per_s", "1/s", double(tokens), "tokens per second at the median latency");
  rate("compute/flops_per_s", "FLOP/s", double(cost.flops), "achieved FLOP/s (cost model FLOPs / median)");
  rate("memory/bytes_per_s", "B/s", double(cost.min_bytes), "achieved bytes/s (cost model minimum bytes / median)");
  return out;
}

}  // namespace infermark
