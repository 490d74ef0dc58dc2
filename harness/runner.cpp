#include "harness/runner.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>

#include "backends/registry.hpp"
#include "common/error.hpp"
#include "common/sha256.hpp"
#include "config.hpp"
#include "git_revision.hpp"
#include "harness/benchmark.hpp"
#include "harness/ceilings.hpp"
#include "harness/child_process.hpp"
#include "harness/scenario_budget.hpp"
#include "harness/system_info.hpp"
#include "profilers/registry.hpp"
#include "results/model/result_json.hpp"
#include "suites/hf_checkpoint.hpp"

namespace infermark {
namespace fs = std::filesystem;

namespace {

std::string utc_now(const char* fmt = "%Y-%m-%dT%H:%M:%SZ") {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

std::vector<std::string> default_backends() {
  // The reference is the oracle, not a contender: it runs by default only when nothing else can.
  std::vector<std::string> out;
  for (const auto& e : backend_registry()) {
    if (e.name == "reference") continue;
    if (!e.make()->devices().empty()) out.push_back(e.name);
  }
  if (out.empty()) out.push_back("reference");
  return out;
}

bool precision_selected(const RunRequest& req, Precision p) {
  if (req.precisions.empty()) return true;
  return std::find(req.precisions.begin(), req.precisions.end(), p) != req.precisions.end();
}

// Loads the checkpoint once per model before anything runs, so a wrong file is bad input
// (exit 2, nothing written) rather than a failure in every child.
void preflight_weights(const RunRequest& req, const std::vector<Workload>& workloads) {
  std::map<std::string, Workload> deepest;
  for (const auto& w : workloads) {
    auto& d = deepest[w.model.name];
    if (d.layers < w.layers) d = w;
  }
  for (const auto& [name, w] : deepest) (void)load_hf_weights(req.weights_path, lower(w));
}

ojson collectors_json() {
  ojson out = ojson::array();
  for (const auto& e : collector_registry()) {
    auto c = e.make();
    Probe p = c->probe();
    ojson j;
    j["name"] = e.name;
    j["available"] = p.available;
    if (!p.available) j["reason"] = p.reason;
    if (!p.measures.empty()) j["measures"] = p.measures;
    for (const auto& [part, why] : p.unavailable_parts) j["unavailable_parts"][part] = why;
    out.push_back(j);
  }
  for (const auto& [name, why] : collectors_compiled_out())
    out.push_back({{"name", name}, {"available", false}, {"reason", why}});
  return out;
}

}  // namespace

double benchmark_timeout(const MeasurementSettings& s, double override_s) {
  if (override_s > 0) return override_s;
  if (s.timeout_s > 0) return s.timeout_s;
  // Warm-up may last 5× its minimum; the oracle may take its budget twice (full + recheck);
  // compilation and weight generation get a fixed allowance.
  return 5 * s.warmup_s + s.max_time_s + 3 * s.correctness_budget_s + 120;
}

// Whether a --device selector names this device (see RunRequest::devices).
bool device_selected(const RunRequest& req, const DeviceInfo& d, size_t index) {
  if (req.devices.empty()) return true;
  auto lower = [](std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  for (const auto& sel : req.devices) {
    if (sel == d.id || sel == std::to_string(index)) return true;
    if (!sel.empty() && !std::all_of(sel.begin(), sel.end(), ::isdigit) &&
        lower(d.name).find(lower(sel)) != std::string::npos)
      return true;
  }
  return false;
}

RunPlan plan_run(const RunRequest& req) {
  RunPlan plan;
  plan.settings = req.quick ? quick_settings(req.suite.settings) : req.suite.settings;
  if (req.seed) plan.settings.seed = *req.seed;

  std::regex filter;
  if (!req.filter.empty()) {
    try {
      filter = std::regex(req.filter);
    } catch (const std::regex_error& e) {
      throw Error(ErrorKind::BadInput, "--filter: '" + req.filter + "' is not a valid regex: " + e.what());
    }
  }
  std::vector<Workload> workloads;
  for (const auto& w : req.suite.workloads) {
    if (!req.filter.empty() && !std::regex_search(w.id(), filter)) continue;
    if (!precision_selected(req, w.precision)) continue;
    workloads.push_back(w);
  }
  std::string weights_sha;
  if (!req.weights_path.empty()) {
    preflight_weights(req, workloads);
    weights_sha = sha256_file(req.weights_path);
  }

  plan.system = collect_system_info();
  ojson devices = ojson::array(), unavailable = ojson::array();
  const auto backends = req.backends.empty() ? default_backends() : req.backends;
  std::vector<DeviceInfo> seen_devices;
  for (const auto& name : backends) {
    auto backend = make_backend(name);  // throws BadInput for an unknown name
    auto devs = backend->devices();
    if (devs.empty()) {
      const std::string why = backend->unavailable_reason();
      unavailable.push_back({{"backend", name}, {"reason", why}});
      for (const auto& w : workloads) {
        PlannedBenchmark p;
        p.spec.workload = w;
        p.spec.backend = name;
        p.spec.device = "-";
        p.spec.settings = plan.settings;
        p.decided = State::Skipped;
        p.reason = "no device: " + why;
        plan.benchmarks.push_back(p);
      }
      continue;
    }
    std::vector<DeviceInfo> chosen;
    for (size_t i = 0; i < devs.size(); ++i)
      if (device_selected(req, devs[i], i)) chosen.push_back(devs[i]);
    seen_devices.insert(seen_devices.end(), devs.begin(), devs.end());
    for (const auto& d : chosen) {
      ojson dj = {{"backend", name}, {"id", d.id}, {"name", d.name}, {"kind", d.kind}};
      for (auto& [k, v] : d.details.items()) dj[k] = v;
      devices.push_back(dj);
      for (const auto& w : workloads) {
        PlannedBenchmark p;
        p.spec.workload = w;
        p.spec.backend = name;
        p.spec.device = d.id;
        p.spec.settings = plan.settings;
        p.spec.threads = req.threads;
        p.spec.weights_path = req.weights_path;
        p.spec.weights_sha256 = weights_sha;
        p.spec.save_tensors_dir = req.save_tensors_dir;
        p.spec.cache_dir = req.cache_dir;
        p.spec.counters = req.counters;
        p.spec.energy = req.energy;
        if (Support s = backend->supports(w); !s.ok) {
          p.decided = State::Unimplemented;
          p.reason = s.reason;
        }
        plan.benchmarks.push_back(p);
      }
    }
  }
  if (!req.devices.empty() && devices.empty()) {
    std::string have;
    for (const auto& d : seen_devices) have += (have.empty() ? "" : ", ") + d.id + " (" + d.name + ")";
    throw Error(ErrorKind::BadInput, "--device: no device matches the selection; devices here: " +
                                         (have.empty() ? std::string("none") : have));
  }
  // Backends left out of a default run for want of a device still say why.
  if (req.backends.empty())
    for (const auto& e : backend_registry()) {
      if (std::find(backends.begin(), backends.end(), e.name) != backends.end()) continue;
      auto b = e.make();
      if (b->devices().empty())
        unavailable.push_back({{"backend", e.name}, {"reason", b->unavailable_reason()}});
    }
  for (const auto& [name, why] : backends_compiled_out())
    unavailable.push_back({{"backend", name}, {"reason", why}});
  plan.system["devices"] = devices;
  plan.system["unavailable_devices"] = unavailable;
  check_counter_events(req.counters);  // a misspelt event is bad input, found before any run
  plan.collectors = collectors_json();
  return plan;
}

RunResult new_run_document(const RunRequest& req, const RunPlan& plan) {
  RunResult doc;
  ojson compiled = ojson::array();
  for (const auto& e : backend_registry()) compiled.push_back(e.name);
  doc.tool = {{"name", "infermark"},
              {"version", INFERMARK_VERSION},
              {"git_revision", INFERMARK_GIT_REVISION},
              {"git_dirty", INFERMARK_GIT_DIRTY},
              {"build_type", INFERMARK_BUILD_TYPE},
              {"backends_compiled", compiled}};
  std::mt19937_64 rng(std::random_device{}());
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", unsigned(rng() & 0xffff));
  doc.run["id"] = utc_now("%Y%m%dT%H%M%SZ") + "-" + suffix;
  doc.run["started_at"] = utc_now();
  doc.run["finished_at"] = nullptr;
  doc.run["complete"] = false;
  doc.run["command_line"] = req.command_line;
  doc.run["suite"] = {{"name", req.suite.name},
                      {"version", req.suite.version},
                      {"hash", req.suite.hash},
                      {"path", req.suite.path}};
  doc.run["seed"] = plan.settings.seed;
  doc.run["settings"] = settings_to_json(plan.settings);
  ojson precisions = ojson::array();
  for (auto p : req.precisions) precisions.push_back(to_string(p));
  doc.run["options"] = {{"backends", req.backends},
                        {"devices", req.devices},
                        {"filter", req.filter},
                        {"precision", precisions},
                        {"quick", req.quick},
                        {"threads", req.threads},
                        {"weights", req.weights_path.empty() ? ojson(nullptr)
                                                             : ojson(req.weights_path)},
                        {"timeout_s", req.timeout_s},
                        {"ceilings", req.ceilings},
                        {"counters", req.counters},
                        {"energy", req.energy},
                        {"save_tensors", req.save_tensors_dir.empty()
                                             ? ojson(nullptr)
                                             : ojson(req.save_tensors_dir)}};
  doc.system = plan.system;
  doc.collectors = plan.collectors;
  return doc;
}

namespace {

BenchmarkResult decided_result(const PlannedBenchmark& p) {
  BenchmarkResult r;
  r.id = p.spec.id();
  r.backend = p.spec.backend;
  r.device = p.spec.device;
  r.workload = workload_block(p.spec.workload, p.spec.weights_path.empty()
                                                   ? "synthetic:seed=" + std::to_string(p.spec.settings.seed)
                                                   : "safetensors:" + p.spec.weights_sha256);
  r.state = *p.decided;
  r.reason = p.reason;
  return r;
}

BenchmarkResult failed_result(const PlannedBenchmark& p, const std::string& why) {
  PlannedBenchmark q = p;
  q.decided = State::Failed;
  q.reason = why;
  return decided_result(q);
}

BenchmarkResult run_isolated(const RunRequest& req, const PlannedBenchmark& p) {
  const fs::path dir = fs::temp_directory_path() /
                       ("infermark-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string spec_path = (dir / "spec.json").string();
  const std::string out_path = (dir / "result.json").string();
  fs::remove(out_path);
  std::ofstream(spec_path) << spec_to_json(p.spec).dump();
  double timeout = benchmark_timeout(p.spec.settings, req.timeout_s);
  if (req.timeout_s <= 0 && p.spec.settings.timeout_s <= 0)  // derived: serving scenarios run longer
    timeout += scenario_time_allowance(p.spec.workload, p.spec.settings);
  ChildOutcome o = run_child({self_executable(), "__bench", "--spec", spec_path, "--out", out_path},
                             timeout);
  BenchmarkResult r;
  if (o.exited && o.exit_code == 0) {
    try {
      std::ifstream in(out_path);
      r = benchmark_from_json(nlohmann::json::parse(in), out_path, "");
    } catch (const std::exception& e) {
      r = failed_result(p, std::string("child wrote an unreadable result: ") + e.what());
    }
  } else {
    r = failed_result(p, "benchmark process " + o.describe(timeout));
  }
  fs::remove_all(dir);
  return r;
}

}  // namespace

void execute_run(const RunRequest& req, const RunPlan& plan, RunResult& doc,
                 const std::set<std::string>& done, RunObserver& observer,
                 const std::function<void(const RunResult&)>& save) {
  // Before the benchmarks, on a quiet device; a resumed run keeps the ceilings it measured.
  if (req.ceilings && !doc.system.contains("ceilings")) {
    doc.system["ceilings"] = measure_run_ceilings(plan, req.threads,
                                                  [&](const std::string& s) { observer.note(s); });
    save(doc);
  }
  const size_t total = plan.benchmarks.size();
  for (size_t i = 0; i < total; ++i) {
    const PlannedBenchmark& p = plan.benchmarks[i];
    const std::string id = p.spec.id();
    if (done.count(id)) continue;
    observer.started(i, total, id);
    BenchmarkResult r;
    if (p.decided) {
      r = decided_result(p);
    } else if (req.isolate) {
      r = run_isolated(req, p);
    } else {
      r = run_benchmark(p.spec);
    }
    doc.benchmarks.push_back(r);
    observer.finished(i, total, r);
    save(doc);
  }
  doc.run["finished_at"] = utc_now();
  doc.run["complete"] = true;
  save(doc);
}

int bench_child_main(const std::string& spec_path, const std::string& out_path) {
  std::ifstream in(spec_path);
  const BenchmarkSpec spec = spec_from_json(nlohmann::json::parse(in), spec_path);
  const BenchmarkResult r = run_benchmark(spec);
  const std::string tmp = out_path + ".tmp";
  {
    std::ofstream out(tmp);
    out << to_json(r).dump();
    if (!out) throw Error(ErrorKind::Internal, "cannot write " + tmp);
  }
  fs::rename(tmp, out_path);
  return 0;
}

}  // namespace infermark
