// The dashboard's history block (report --html --store): for the benchmarks of the reported
// runs, their series in a results store, one per workload definition, backend, device and machine.
#pragma once

#include <string>
#include <vector>

#include "results/export.hpp"
#include "results/store/store.hpp"

namespace infermark {

// [{workload, workload_hash, backend, device, device_name, hostname, tag, unit,
//   points: [{run, started_at, state, value, ci95}]}], points oldest first; value and ci95 are
// null where the benchmark has no such summary (it failed, or was not measured).
ojson dashboard_history(Store& store, const std::vector<NamedRun>& runs,
                        const std::string& tag = "latency/host/median");

}  // namespace infermark
