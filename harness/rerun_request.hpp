// `infermark rerun`: rebuilds the run request of a published result from the file alone: the
// workloads (full definitions, hashes checked), the effective settings, the seed and the options.
#pragma once

#include <string>

#include "harness/runner.hpp"
#include "results/model/result.hpp"

namespace infermark {

// The request that reproduces `original` (read from `file`): suite name/version/hash/path from
// run.suite, every distinct workload of its benchmarks in file order (each must reproduce the
// hash recorded next to it), settings from run.settings (already quick-adjusted), the seed from
// run.seed, and backends, devices, threads, time-out, counters, energy, ceilings, quick, filter
// and precisions from run.options (quick, filter and precisions change nothing applied again). Weights: the request keeps weights_path empty; see
// original_weights_sha256. Throws BadInput naming the file and JSON pointer when something
// needed is missing or inconsistent.
RunRequest rerun_request(const RunResult& original, const std::string& file);

// "sha256:…" of the safetensors file the original ran with, or empty for synthetic weights.
// Throws BadInput when the benchmarks disagree about their weights source.
std::string original_weights_sha256(const RunResult& original, const std::string& file);

// Checks that `weights_path` is the file the original ran with (by SHA-256): a missing file when
// one was used, a file when none was, or another file's hash, throws BadInput saying which.
void check_rerun_weights(const RunResult& original, const std::string& file,
                         const std::string& weights_path);

}  // namespace infermark
