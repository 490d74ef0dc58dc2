// The search for the highest arrival rate (QPS) at which a server still holds its latency bounds:
// bracket by doubling or halving, bisect geometrically to a tolerance with short probes, then
// confirm with the full request count, stepping down until a confirmation holds and bisecting
// with full runs between it and the lowest failed one.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace infermark {

// One load point as run: its rate and request count, and whether both bounds held.
struct LoadPoint {
  double qps = 0;
  int requests = 0;
  bool held = false;
  bool confirmation = false;  // run with the full request count
};

struct QpsSearchSettings {
  int probe_requests = 64;     // requests per probe
  int final_requests = 459;    // requests of the confirmation
  double tolerance = 0.10;     // stop bisecting when hi / lo ≤ 1 + tolerance
  int max_probes = 12;         // probes before confirmations
  int max_confirmations = 6;   // full runs: stepping down after a failure, then refining
  double min_qps = 0;          // halving stops below this rate (0: no floor)
};

struct QpsSearchResult {
  std::vector<LoadPoint> points;   // in the order run
  std::optional<double> max_qps;   // the highest confirmed rate; none when nothing held
  std::string note;                // how the search ended, for the result file
};

// `run(qps, requests, confirmation)` runs one load point and says whether the bounds held (a
// probe may stop early once they are broken; a confirmation runs to the end). Starts at
// `start_qps`. Deterministic for a deterministic `run`.
using LoadPointRunner = std::function<bool(double qps, int requests, bool confirmation)>;
QpsSearchResult search_max_qps(const LoadPointRunner& run, double start_qps,
                               const QpsSearchSettings& settings);

}  // namespace infermark
