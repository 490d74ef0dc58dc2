// The plain result model (DESIGN.md §6): what the harness fills and every writer reads.
// Field names and meanings follow shared/result-example.json; units are SI throughout.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace infermark {

using ojson = nlohmann::ordered_json;

// benchdnn-style end states; comparisons never mix them up.
enum class State { Passed, Mistrusted, Failed, Unimplemented, Skipped };
std::string to_string(State);
State state_from_string(const std::string& s);  // throws BadInput

// A tagged metric (nvbench "summary"): writers render whatever summaries exist.
struct Summary {
  std::string tag;   // "latency/host/median", "throughput/tokens_per_s", …
  std::string unit;  // "s", "1/s", "FLOP/s", "B/s", "J", "1"
  double value = 0;
  std::optional<std::pair<double, double>> ci95;
  std::string description;
  std::string per;  // "inference", "token", or empty
  ojson extra = ojson::object();  // fields a reader did not know, kept as-is
};

struct Correctness {
  std::string verdict = "not_run";  // "pass" | "fail" | "not_run"
  std::string checked = "full";     // "full" | "reduced" (fewer layers) | "self" (the oracle itself)
  int checked_layers = 0;
  std::string reference;            // how the oracle computed it
  double max_abs_err = 0;
  double max_rel_err = 0;
  double nmse = 0;
  double tolerance_nmse = 0;
  bool rechecked_after_timing = false;
  std::string recheck;              // what the after-timing check compared, and its outcome
  ojson extra = ojson::object();    // fields a reader did not know, kept as-is
};

struct Validity {
  bool valid = false;
  std::vector<std::string> reasons;
  std::string stopping;  // "ci_target_met" | "max_time" | "max_iterations"
  int64_t samples = 0;
  double warmup_s = 0;
  int64_t warmup_iterations = 0;
  double rel_ci95_half_width = 0;
  double rel_stddev = 0;
  bool throttled = false;
  std::optional<double> load_average_before;
  std::optional<double> load_average_after;
  ojson extra = ojson::object();  // fields a reader did not know (e.g. "clock_changes"), kept as-is
};

struct BenchmarkResult {
  std::string id;           // "<workload id>@<backend>:<device>"
  ojson workload;           // full definition + id, hash, tokens, flops, min_bytes, weights
  std::string backend;
  std::string device;
  State state = State::Skipped;
  std::string reason;       // empty when passed
  std::optional<Correctness> correctness;
  std::optional<Validity> validity;
  std::vector<double> host_samples;                  // seconds, every kept sample
  std::optional<std::vector<double>> device_samples; // seconds, where the backend has a timer
  std::vector<Summary> summaries;
  ojson implementation = ojson::object();            // what actually ran
  ojson extra = ojson::object();                     // fields a reader did not know, kept as-is
  ojson samples_extra = ojson::object();             // unknown fields of "samples", kept as-is
};

struct RunResult {
  std::string schema = "infermark-result";
  std::string schema_version = "1.0";
  ojson tool = ojson::object();
  ojson run = ojson::object();
  ojson system = ojson::object();
  ojson collectors = ojson::array();
  std::vector<BenchmarkResult> benchmarks;
  ojson extra = ojson::object();  // top-level fields a reader did not know, kept as-is
};

// Finds a summary by tag, or nullptr.
const Summary* find_summary(const BenchmarkResult& b, const std::string& tag);

}  // namespace infermark
