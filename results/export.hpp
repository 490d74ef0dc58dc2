// `infermark report` exports: result files rendered as Markdown, CSV, JSON Lines or Google
// Benchmark JSON, so READMEs, spreadsheets, log pipelines and gbench's compare.py can read them.
#pragma once

#include <string>
#include <vector>

#include "results/model/result.hpp"

namespace infermark {

// A run as read, with the file it came from (named in the output).
struct NamedRun {
  std::string file;
  RunResult run;
};

// One section per run: a heading (suite, run id, host, file), a system line, then a table with
// workload, backend:device, state, median host latency (± half-width of its 95% CI, relative),
// p99, tokens/s, GFLOP/s, correctness; benchmarks that were not measured are footnoted with
// their reasons. '|' in cells is escaped.
std::string export_markdown(const std::vector<NamedRun>& runs);

// Long format, one row per benchmark × summary (RFC 4180 quoting, "\n" line ends):
//   file,run_id,benchmark_id,workload_id,workload_hash,backend,device,state,reason,correctness,
//   tag,unit,value,ci95_lo,ci95_hi,per
// A benchmark without summaries (failed, unimplemented, skipped) still gets one row, with the
// summary columns empty. Numbers use the fewest of 15–17 significant digits that read back to
// the identical double.
std::string export_csv(const std::vector<NamedRun>& runs);

// One JSON object per line per benchmark: {"run": {file, id, started_at, host}, then the
// benchmark exactly as in the result file (samples included)}.
std::string export_jsonl(const std::vector<NamedRun>& runs);

// Google Benchmark's JSON format (as benchmark 1.7 writes it): "context" (date, host_name,
// executable, num_cpus, mhz_per_cpu, cpu_scaling_enabled, caches, library_build_type, plus
// infermark_* keys) and "benchmarks": for each measured benchmark, named by its id, one
// "iteration" entry per kept host sample (repetitions = samples, iterations 1, cpu_time =
// real_time since infermark times wall clock only, counters tokens_per_s and flops_per_s),
// then "aggregate" entries <id>_mean, _median, _stddev. All entries share `time_unit`
// ("ns", "us", "ms" or "s"), so compare.py never splits a benchmark by unit. Benchmarks that
// were not measured have no timings to give; they are listed under "infermark_not_measured"
// (id, state, reason) rather than as zero times. Throws BadInput for another time unit.
nlohmann::ordered_json export_gbench(const NamedRun& run, const std::string& time_unit = "ns");

}  // namespace infermark
