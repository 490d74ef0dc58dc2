// `infermark compare`: matches the benchmarks of two runs (or of two backends in one run) and
// says for each whether the contender is the same, faster, slower or too noisy to tell.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/compare_stats.hpp"
#include "results/model/result.hpp"

namespace infermark {

struct CompareSettings {
  double threshold = 0.05;  // a change smaller than this fraction of the baseline is "same"
  double alpha = 0.05;      // significance level of the Mann–Whitney test
  int resamples = kBootstrapResamples;
  uint64_t seed = kBootstrapSeed;
  bool device_time = false;  // compare device-timer samples instead of host wall time
};

// same:   no significant change beyond the threshold, and |ratio − 1| ≤ threshold with a 95% CI
//         half-width ≤ threshold (any difference is smaller than the threshold).
// slower: significant (p < alpha and the CI excludes 1) and ratio > 1 + threshold.
// faster: significant and ratio < 1 − threshold.
// noisy:  anything else: the CI is wider than the threshold, so neither a change beyond the
//         threshold nor sameness within it can be claimed.
// (ratio = contender median latency / baseline median latency.)
enum class Verdict { Same, Faster, Slower, Noisy };
std::string to_string(Verdict);
Verdict classify(double ratio, double ci_lo, double ci_hi, double p_value,
                 const CompareSettings& s);
// p < alpha and the interval excludes 1: the two tests agree that medians differ.
bool significant(double ci_lo, double ci_hi, double p_value, double alpha);

// One side of a pairing, with the few fields the report shows.
struct SideInfo {
  std::string id;            // the benchmark id in its file
  std::string workload_id;
  std::string workload_hash;
  std::string backend, device;
  State state = State::Skipped;
  std::string reason;
  std::optional<double> median;  // from the summaries (host or device, as compared)
  std::optional<Summary> tokens_per_s;
  std::optional<Summary> joules_per_token;
  std::string where() const { return backend + ":" + device; }
};

// Both sides measured, in the same state (passed, or both mistrusted).
struct MatchedPair {
  SideInfo baseline, contender;
  size_t n_baseline = 0, n_contender = 0;  // samples compared
  RatioInterval ratio;                     // contender / baseline median latency
  UTestResult utest;
  Verdict verdict = Verdict::Noisy;
  bool significant = false;
};

// Listed, never compared: different states, measured in neither, present on one side only, or
// refused (different workload hash, no samples of the compared timer, duplicate id).
struct Unpaired {
  std::optional<SideInfo> baseline, contender;
  std::string reason;  // why it is not compared, in words
};

struct GeomeanRow {
  size_t count = 0;
  double ratio = 0, lo = 0, hi = 0;  // geometric mean of the ratios, bootstrap 95% interval
};

struct Comparison {
  std::string baseline_name, contender_name;  // files, or "file backend:device" with --by
  bool across_sides = false;  // two backends/devices of one run, paired by workload only
  std::vector<MatchedPair> matched;
  std::optional<GeomeanRow> geomean;
  std::vector<Unpaired> state_changes;   // both present, states differ
  std::vector<Unpaired> unmeasured;      // both present, same state, neither measured
  std::vector<Unpaired> only_baseline, only_contender;
  std::vector<Unpaired> incomparable;    // refused, with the reason
};

// Pairs benchmarks with the same workload hash, backend and device. Same id (workload id,
// backend, device) with a different workload hash is refused as incomparable. Throws BadInput
// (naming the file and JSON pointer) when a benchmark has no workload hash.
Comparison compare_runs(const RunResult& baseline, const std::string& baseline_file,
                        const RunResult& contender, const std::string& contender_file,
                        const CompareSettings& settings);

// Within one run: every backend:device against `baseline_side` ("onednn" or "onednn:cpu0";
// empty means the first backend:device in the file), pairing benchmarks by workload hash.
// One Comparison per other backend:device. Throws BadInput when baseline_side matches nothing.
std::vector<Comparison> compare_backends(const RunResult& run, const std::string& file,
                                         const std::string& baseline_side,
                                         const CompareSettings& settings);

// Significantly slower by more than `fraction` (0.05 = 5%): significant and ratio > 1 + fraction.
std::vector<const MatchedPair*> regressions(const Comparison& c, double fraction);

// A readable aligned table per comparison, then the unpaired lists.
std::string comparison_table(const Comparison& c, const CompareSettings& s);
// Machine-readable form ("schema": "infermark-compare").
nlohmann::ordered_json comparisons_to_json(const std::vector<Comparison>& cs,
                                           const CompareSettings& s,
                                           std::optional<double> fail_on_regression);

}  // namespace infermark
