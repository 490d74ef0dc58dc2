// Suite files (suites/*.json): a name, a version, measurement settings, inline models and a
// list of workloads whose list-valued keys sweep as a cartesian product. Unknown keys are errors.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "suites/model_config.hpp"
#include "suites/workload.hpp"

namespace infermark {

struct MeasurementSettings {
  double warmup_s = 0.2;      // at least this long, and until latency stops falling
  double min_time_s = 1.0;    // timed loop runs at least this long …
  double max_time_s = 10.0;   // … and stops here even if the CI target is not met
  int min_iterations = 10;
  double target_ci = 0.01;    // relative half-width of the median's 95% CI
  uint64_t seed = 42;
  double timeout_s = 0;       // per-benchmark child time-out; 0: derived from the other settings
  double correctness_budget_s = 60;  // oracle time allowed before the check runs fewer layers
};

struct Suite {
  std::string name;
  int version = 0;
  std::string path;                 // the file it came from
  std::string hash;                 // "sha256:…" of the file's canonical JSON
  MeasurementSettings settings;
  std::map<std::string, ModelConfig> models;  // inline models (built-ins are not copied here)
  std::vector<Workload> workloads;            // sweeps expanded, in file order, ids unique
};

// Loads a suite by name (looked up as <suites_dir>/<name>.json) or by path (contains '/' or ends
// in .json). Every error is a BadInput Error naming the file, the JSON pointer and what was
// expected.
Suite load_suite(const std::string& name_or_path, const std::string& suites_dir);

// Parses suite JSON text; `file` is used in error messages only.
Suite parse_suite(const std::string& text, const std::string& file);

// Names of the suites shipped in suites_dir (file stems of *.json that parse as suites).
std::vector<std::string> shipped_suites(const std::string& suites_dir);

nlohmann::ordered_json settings_to_json(const MeasurementSettings& s);
// Reads back a settings block (a suite's, or run.settings of a result file, used by rerun);
// throws BadInput naming `file` and `pointer`.
MeasurementSettings settings_from_json(const nlohmann::json& j, const std::string& file,
                                       const std::string& pointer);

}  // namespace infermark
