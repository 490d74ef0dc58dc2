// BenchmarkSpec: everything one child process needs to run one workload × backend × device.
// The parent writes it as JSON, the child reads it back; nothing else crosses the boundary.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "suites/suite_file.hpp"
#include "suites/workload.hpp"

namespace infermark {

struct BenchmarkSpec {
  Workload workload;
  std::string backend;
  std::string device;
  MeasurementSettings settings;
  int threads = 0;                // 0: the backend's default (all cores)
  std::string weights_path;       // empty: synthetic weights from settings.seed
  std::string weights_sha256;     // digest of weights_path, computed once by the parent
  std::string save_tensors_dir;   // empty: do not save
  std::string cache_dir;          // reference outputs, by workload hash + seed + weights
  std::vector<std::string> counters;  // PAPI events named with --counters (empty: none)
  std::string energy = "auto";    // energy pass: "auto" (when a collector measures) | "on" | "off"

  std::string id() const { return workload.id() + "@" + backend + ":" + device; }
};

nlohmann::ordered_json spec_to_json(const BenchmarkSpec& s);
BenchmarkSpec spec_from_json(const nlohmann::json& j, const std::string& file);

// Settings shortened for --quick: a fast look, not a publishable number.
MeasurementSettings quick_settings(MeasurementSettings s);

}  // namespace infermark
