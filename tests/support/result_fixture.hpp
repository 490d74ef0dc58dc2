// A small, internally consistent RunResult for the result tests (JSON, validate, table): one
// passed benchmark with samples and summaries from compute_stats, one unimplemented one.
#pragma once

#include <string>
#include <vector>

#include "results/model/result.hpp"
#include "results/model/statistics.hpp"
#include "suites/cost_model.hpp"
#include "suites/graph.hpp"
#include "suites/model_config.hpp"
#include "suites/workload.hpp"

namespace infermark::test {

inline Workload fixture_workload(Precision p) {
  Workload w;
  w.model = builtin_models().at("bert-base");
  w.phase = Phase::Encode;
  w.batch = 1;
  w.seq = 8;
  w.context = 0;
  w.precision = p;
  w.layers = 1;
  return w;
}

// What a results file holds for a workload: the full definition plus the cost model's counts.
inline ojson fixture_workload_json(const Workload& w) {
  ojson j = workload_to_json(w);
  const WorkloadCost cost = workload_cost(lower(w));
  j["flops"] = cost.flops;
  j["min_bytes"] = cost.min_bytes;
  j["weight_bytes"] = cost.weight_bytes;
  j["weights"] = "synthetic:seed=42";
  return j;
}

// Ten host samples whose statistics are easy to check by hand: sorted they are
// 6.0 6.0 6.1 6.1 6.2 6.3 6.4 6.5 6.6 7.0 ms, so the median is 6.25 ms and the min 6.0 ms.
inline std::vector<double> fixture_host_samples() {
  return {0.0061, 0.0063, 0.0060, 0.0065, 0.0062, 0.0064, 0.0061, 0.0066, 0.0060, 0.0070};
}

inline BenchmarkResult fixture_passed() {
  const Workload w = fixture_workload(Precision::F32);
  BenchmarkResult b;
  b.workload = fixture_workload_json(w);
  b.backend = "onednn";
  b.device = "cpu0";
  b.id = w.id() + "@onednn:cpu0";
  b.state = State::Passed;
  Correctness c;
  c.verdict = "pass";
  c.checked = "full";
  c.checked_layers = 1;
  c.reference = "reference (f64, OpenBLAS dgemm)";
  c.max_abs_err = 1.9e-05;
  c.max_rel_err = 4.1e-06;
  c.nmse = 2.3e-12;
  c.tolerance_nmse = 1e-09;
  c.rechecked_after_timing = true;
  c.recheck = "pass: output after timing vs the reference";
  b.correctness = c;

  b.host_samples = fixture_host_samples();
  b.device_samples = std::vector<double>{0.0058, 0.0059, 0.0057, 0.0060, 0.0058, 0.0059, 0.0058,
                                         0.0061, 0.0057, 0.0062};
  const SampleStats st = compute_stats(b.host_samples);
  const SampleStats dv = compute_stats(*b.device_samples);
  Validity v;
  v.valid = true;
  v.stopping = "ci_target_met";
  v.samples = int64_t(b.host_samples.size());
  v.warmup_s = 0.2;
  v.warmup_iterations = 31;
  v.rel_ci95_half_width = st.rel_ci_half_width();
  v.rel_stddev = st.rel_stddev();
  v.throttled = false;
  v.load_average_before = 0.08;
  v.load_average_after = std::nullopt;
  b.validity = v;

  const double tokens = double(w.tokens());
  const double flops = double(b.workload["flops"].get<int64_t>());
  const double bytes = double(b.workload["min_bytes"].get<int64_t>());
  b.summaries = {
      {"latency/host/median", "s", st.median, std::make_pair(st.median_ci_lo, st.median_ci_hi),
       "median wall time of one inference", ""},
      {"latency/host/mean", "s", st.mean, std::nullopt, "", ""},
      {"latency/host/min", "s", st.min, std::nullopt, "", ""},
      {"latency/host/p90", "s", st.p90, std::nullopt, "", ""},
      {"latency/host/p99", "s", st.p99, std::nullopt, "", ""},
      {"latency/device/median", "s", dv.median, std::nullopt, "", ""},
      {"throughput/inferences_per_s", "1/s", 1 / st.median, std::nullopt, "", ""},
      {"throughput/tokens_per_s", "1/s", tokens / st.median, std::nullopt, "", ""},
      {"compute/flops_per_s", "FLOP/s", flops / st.median, std::nullopt, "", ""},
      {"memory/bytes_per_s", "B/s", bytes / st.median, std::nullopt, "", ""},
      {"counter/perf_event/page_faults", "1", 0.0, std::nullopt, "", "inference"},
  };
  b.implementation = ojson{{"layer.0.attn.q", "brg:avx512_core"}};
  return b;
}

inline BenchmarkResult fixture_unimplemented() {
  const Workload w = fixture_workload(Precision::BF16);
  BenchmarkResult b;
  b.workload = fixture_workload_json(w);
  b.backend = "vulkan";
  b.device = "vk0";
  b.id = w.id() + "@vulkan:vk0";
  b.state = State::Unimplemented;
  b.reason = "bf16 storage not supported by llvmpipe";
  return b;
}

inline RunResult fixture_run() {
  RunResult r;
  r.tool = ojson{{"name", "infermark"}, {"version", "0.1.0"}, {"git_revision", "4f2a9c1"},
                 {"git_dirty", false}};
  r.run = ojson{{"id", "20261128T154002Z-7d3e"},
                {"started_at", "2026-11-28T15:40:02Z"},
                {"command_line", {"infermark", "run", "--suite", "smoke"}},
                {"seed", 42}};
  r.system = ojson{{"hostname", "bench-01"}, {"cpu", {{"model", "AMD EPYC 9B45"}, {"cores", 2}}}};
  r.collectors = ojson::array({ojson{{"name", "rapl"}, {"available", false},
                                     {"reason", "/sys/class/powercap does not exist"}}});
  r.benchmarks = {fixture_passed(), fixture_unimplemented()};
  return r;
}

}  // namespace infermark::test
