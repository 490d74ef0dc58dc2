// The run: plans every workload × backend × device of a suite, runs each benchmark in its own
// child process, and hands the growing result document to the caller after every benchmark.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/benchmark_spec.hpp"
#include "results/model/result.hpp"
#include "suites/suite_file.hpp"

namespace infermark {

struct RunRequest {
  Suite suite;
  std::vector<std::string> backends;     // empty: every backend with a device
  // Devices to use: an id ("vk1"), an index within each backend ("1"), or a case-insensitive
  // part of the device name ("lavapipe"); empty: every device.
  std::vector<std::string> devices;
  std::string filter;                    // ECMAScript regex on the workload id; empty: all
  std::vector<Precision> precisions;     // empty: all
  std::optional<uint64_t> seed;          // overrides the suite's
  std::string weights_path;              // safetensors checkpoint; empty: synthetic
  std::string save_tensors_dir;
  std::string cache_dir;
  bool quick = false;
  int threads = 0;
  double timeout_s = 0;                  // per benchmark; 0: derived from the settings
  bool isolate = true;                   // run each benchmark in a child process
  bool ceilings = true;                  // measure each device's roofline ceilings first
  std::vector<std::string> counters;     // PAPI events (--counters)
  std::string energy = "auto";           // "auto" | "on" (--energy) | "off" (--no-energy)
  std::vector<std::string> command_line;
};

struct PlannedBenchmark {
  BenchmarkSpec spec;
  std::optional<State> decided;  // skipped / unimplemented without running
  std::string reason;
};

struct RunPlan {
  std::vector<PlannedBenchmark> benchmarks;
  MeasurementSettings settings;
  ojson system;      // system description incl. devices and unavailable devices
  ojson collectors;  // each collector's availability
};

// Throws BadInput for an unknown backend or precision, a bad filter regex or bad weights file.
RunPlan plan_run(const RunRequest& req);

// The document header: tool, run (with complete = false), system and collectors.
RunResult new_run_document(const RunRequest& req, const RunPlan& plan);

struct RunObserver {
  virtual ~RunObserver() = default;
  virtual void started(size_t index, size_t total, const std::string& id) {}
  virtual void finished(size_t index, size_t total, const BenchmarkResult& r) {}
  virtual void note(const std::string& what) {}  // a step outside the benchmarks
};

// Runs every planned benchmark whose id is not in `done`, appending each result to `doc` and
// calling `save(doc)` after each one. Sets run.finished_at and run.complete at the end.
void execute_run(const RunRequest& req, const RunPlan& plan, RunResult& doc,
                 const std::set<std::string>& done, RunObserver& observer,
                 const std::function<void(const RunResult&)>& save);

// The per-benchmark child time-out for these settings.
double benchmark_timeout(const MeasurementSettings& s, double override_s);

// Body of the hidden `__bench` command: reads a spec file, writes the result file.
int bench_child_main(const std::string& spec_path, const std::string& out_path);

}  // namespace infermark
