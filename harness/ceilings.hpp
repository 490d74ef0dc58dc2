// Per-device ceilings for the roofline: the FLOP/s of a large matmul and the bytes/s of a
// STREAM-like add, each measured through the backend itself, once per run and device.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "results/model/result.hpp"
#include "suites/workload.hpp"

namespace infermark {

// Measures in this process. One entry per precision: {"backend", "device", "precision",
// "flops_per_s", "bytes_per_s", "method", "matmul": {...}, "stream": {...}}, or with
// "unavailable": reason when that precision cannot be measured. Never throws for a backend
// failure (it becomes the entry's reason); throws BadInput for an unknown backend.
ojson measure_ceilings(const std::string& backend, const std::string& device,
                       const std::vector<Precision>& precisions, int threads);

// Measures every device of the plan that runs at least one benchmark (the reference backend
// excepted: it is the oracle, not a contender), each in a child process with a time-out, for the
// precisions planned on it. A device whose measurement fails gets entries with "unavailable".
// `note` is told what is being measured.
struct RunPlan;
ojson measure_run_ceilings(const RunPlan& plan, int threads,
                           const std::function<void(const std::string&)>& note);

// Body of the hidden `__ceilings` command: measures and writes the array to `out_path`.
int ceilings_child_main(const std::string& backend, const std::string& device,
                        const std::string& precisions, int threads, const std::string& out_path);

}  // namespace infermark
