// Regression detection against a store's history, as continuous-benchmark trackers do it: the
// latest median of each series against the mean and spread of the previous N comparable runs.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "results/store/store.hpp"

namespace infermark {

// Fewer earlier runs than this give no usable spread: the series is reported, not judged.
inline constexpr size_t kMinCheckHistory = 3;

// One series: the same workload (by hash), backend, device and machine (system hash).
struct SeriesCheck {
  HistoryPoint latest;
  size_t history = 0;  // earlier passed runs used (at most the window)
  double mean = 0;     // of their values
  double stddev = 0;   // sample standard deviation (n − 1) of their values
  double z = 0;        // (latest − mean) / stddev; ±infinity when stddev is 0 and latest ≠ mean
  bool judged = false;      // enough history and a passed latest run
  bool regression = false;  // judged and z > the limit (slower: larger latency)
  std::string note;         // why not judged
};

// `points` as Store::history returns them (by start time). Only `passed` benchmarks count as
// history; each series' latest run is the last point. Series are in order of first appearance.
std::vector<SeriesCheck> check_regressions(const std::vector<HistoryPoint>& points,
                                           size_t window, double z_limit);

}  // namespace infermark
