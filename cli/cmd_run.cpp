// `infermark run`: runs a suite on the chosen backends and writes one result document, updated
// atomically after every benchmark so an interrupted run keeps what finished (--resume goes on).
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/store_cli.hpp"
#include "common/error.hpp"
#include "harness/runner.hpp"
#include "results/console_table.hpp"
#include "results/json_file.hpp"
#include "results/store/store_url.hpp"
#include "suites/shard.hpp"
#include "suites/suite_file.hpp"

namespace infermark::cli {

namespace {

struct RunArgs {
  std::string suite = "smoke";
  std::vector<std::string> backends;
  std::string filter;
  std::vector<std::string> precisions;
  std::string out = "results/latest.json";
  uint64_t seed = 0;
  std::string weights;
  std::string save_tensors;
  std::string resume;
  std::string cache_dir;
  bool quick = false;
  bool quiet = false;
  bool no_isolate = false;
  bool no_ceilings = false;
  std::vector<std::string> devices;
  std::vector<std::string> counters;
  bool energy = false;
  bool no_energy = false;
  int threads = 0;
  double timeout = 0;
  std::string shard;      // "I/N" (--shard)
  std::string run_group;  // --run-group
  std::string store;      // --store: also write the finished run into this results store
  CLI::App* cmd = nullptr;
  std::vector<std::string> argv;

  bool given(const std::string& opt) const { return cmd->count(opt) > 0; }
};

}  // namespace

std::string default_cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME")) return std::string(x) + "/infermark";
  if (const char* h = std::getenv("HOME")) return std::string(h) + "/.cache/infermark";
  return ".infermark-cache";
}

namespace {

// With --resume, options not given again on the command line come from the interrupted run.
void take_options_from(const RunResult& prev, RunArgs& a) {
  const auto& run = prev.run;
  const auto& opt = run.value("options", ojson::object());
  if (!a.given("--suite") && run.contains("suite")) a.suite = run["suite"].value("path", a.suite);
  if (!a.given("--backend") && opt.contains("backends"))
    a.backends = opt["backends"].get<std::vector<std::string>>();
  if (!a.given("--device") && opt.contains("devices"))
    a.devices = opt["devices"].get<std::vector<std::string>>();
  if (!a.given("--filter")) a.filter = opt.value("filter", a.filter);
  if (!a.given("--precision") && opt.contains("precision"))
    a.precisions = opt["precision"].get<std::vector<std::string>>();
  if (!a.given("--quick")) a.quick = opt.value("quick", a.quick);
  if (!a.given("--threads")) a.threads = opt.value("threads", a.threads);
  if (!a.given("--seed") && run.contains("seed")) a.seed = run["seed"].get<uint64_t>();
  if (!a.given("--weights") && opt.contains("weights") && opt["weights"].is_string())
    a.weights = opt["weights"].get<std::string>();
  if (!a.given("--timeout")) a.timeout = opt.value("timeout_s", a.timeout);
  if (!a.given("--counters") && opt.contains("counters") && opt["counters"].is_array())
    a.counters = opt["counters"].get<std::vector<std::string>>();
  if (!a.given("--energy") && !a.given("--no-energy") && opt.contains("energy") &&
      opt["energy"].is_string()) {
    a.energy = opt["energy"] == "on";
    a.no_energy = opt["energy"] == "off";
  }
  if (!a.given("--save-tensors") && opt.contains("save_tensors") && opt["save_tensors"].is_string())
    a.save_tensors = opt["save_tensors"].get<std::string>();
  if (!a.given("--shard") && run.contains("shard") && run["shard"].is_object())
    a.shard = run["shard"].value("text", a.shard);
  if (!a.given("--run-group") && run.contains("run_group") && run["run_group"].is_string())
    a.run_group = run["run_group"].get<std::string>();
}

}  // namespace

// An unwritable --out is found before the first benchmark runs, not after it (when its work,
// possibly minutes, would be lost).
void check_out_writable(const std::string& out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(out, ec))
    throw Error(ErrorKind::BadInput, "--out: " + out + " is a directory; expected a file name");
  fs::path dir = fs::path(out).parent_path();
  if (dir.empty()) dir = ".";
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw Error(ErrorKind::BadInput, "--out: cannot create the directory " + dir.string() + " for " +
                                         out + (ec ? ": " + ec.message() : std::string()));
  if (::access(dir.c_str(), W_OK) != 0)
    throw Error(ErrorKind::BadInput, "--out: cannot write in " + dir.string() + ": " +
                                         std::strerror(errno));
}

namespace {

// CLI11's NonNegativeNumber names its range up to DBL_MAX in full; say what is expected instead.
const CLI::Validator kNonNegative(
    [](std::string& s) -> std::string {
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      if (s.empty() || *end != '\0' || !std::isfinite(v) || v < 0)
        return "expected a number >= 0, got '" + s + "'";
      return {};
    },
    "NUMBER >= 0");

int run_command(RunArgs& a) {
  std::optional<RunResult> previous;
  if (!a.resume.empty()) {
    previous = read_run_file(a.resume);
    take_options_from(*previous, a);
    if (!a.given("--out")) a.out = a.resume;
  }

  std::optional<ShardSpec> shard;
  if (!a.shard.empty()) shard = parse_shard(a.shard);
  RunRequest req;
  req.suite = load_suite(a.suite, suites_dir());
  const size_t suite_workloads = req.suite.workloads.size();
  const std::string assignment =
      shard ? shard_assignment_digest(req.suite.workloads, req.suite.settings, shard->count) : "";
  if (shard) req.suite.workloads = shard_workloads(req.suite.workloads, req.suite.settings, *shard);
  req.backends = a.backends;
  req.devices = a.devices;
  req.filter = a.filter;
  for (const auto& p : a.precisions) {
    try {
      req.precisions.push_back(precision_from_string(p));
    } catch (const Error& e) {
      throw Error(ErrorKind::BadInput, std::string("--precision: ") + e.what());
    }
  }
  if (a.given("--seed") || previous) req.seed = a.seed;
  req.weights_path = a.weights;
  if (!a.weights.empty() && !std::filesystem::is_regular_file(a.weights))
    throw Error(ErrorKind::BadInput, "--weights: " + a.weights + ": no such file");
  req.save_tensors_dir = a.save_tensors;
  req.cache_dir = a.cache_dir.empty() ? default_cache_dir() : a.cache_dir;
  req.quick = a.quick;
  req.threads = a.threads;
  req.timeout_s = a.timeout;
  req.isolate = !a.no_isolate;
  req.ceilings = !a.no_ceilings;
  req.counters = a.counters;
  req.energy = a.no_energy ? "off" : a.energy ? "on" : "auto";
  req.command_line = a.argv;
  for (auto& arg : req.command_line) arg = mask_url_password(arg);  // no password in results

  RunPlan plan = plan_run(req);  // every bad input is found here, before anything is written
  RunResult doc = new_run_document(req, plan);
  if (shard || !a.run_group.empty()) {  // a sweep over machines (README "Sharding a sweep")
    doc.run["run_group"] =
        a.run_group.empty() ? default_run_group(req.suite, plan.settings.seed) : a.run_group;
    if (shard)
      doc.run["shard"] = {{"index", shard->index},
                          {"count", shard->count},
                          {"text", shard->text()},
                          {"workloads", req.suite.workloads.size()},
                          {"suite_workloads", suite_workloads},
                          {"assignment", assignment}};
  }
  std::set<std::string> done;
  if (previous) {
    if (previous->run.value("suite", ojson::object()).value("hash", "") != req.suite.hash)
      throw Error(ErrorKind::BadInput,
                  a.resume + ": at /run/suite/hash: the interrupted run used a different suite "
                             "definition than " + req.suite.path + "; cannot resume it");
    const ojson prev_command = previous->run.value("command_line", ojson::array());
    doc = *previous;
    doc.run["resumed"] = doc.run.value("resumed", 0) + 1;
    doc.run["resume_command_line"] = req.command_line;
    doc.run["command_line"] = prev_command;
    for (const auto& b : doc.benchmarks) done.insert(b.id);
  }
  check_out_writable(a.out);
  if (!a.store.empty()) check_store(store_url(a.store));  // before any benchmark runs

  Progress progress(a.quiet);
  execute_run(req, plan, doc, done, progress,
              [&](const RunResult& d) { write_run_file(a.out, d); });

  if (!a.quiet) {
    std::cout << summary_table(doc);
    std::cout << "results: " << a.out << "\n";
  }
  // The result file is written whatever happens to the store; a store failure says so and exits 4.
  if (!a.store.empty() && store_finished_run(store_url(a.store), a.out, a.quiet) != kOk) return kError;
  for (const auto& b : doc.benchmarks)
    if (b.state == State::Failed) return kFailures;
  return kOk;
}

}  // namespace

void add_run(CLI::App& app, Action& action, const std::vector<std::string>& argv) {
  static RunArgs a;
  a.argv = argv;
  auto* cmd = app.add_subcommand("run", "run a suite on the chosen backends and write a result file");
  a.cmd = cmd;
  cmd->add_option("--suite", a.suite, "suite name (suites/NAME.json) or path to a suite file")
      ->capture_default_str();
  cmd->add_option("--backend", a.backends, "backends to run, comma-separated (default: every backend with a device)")
      ->delimiter(',');
  cmd->add_option("--device", a.devices,
                  "devices to run on, comma-separated: an id (vk1), an index within each backend "
                  "(1), or part of the device name (lavapipe); default: every device")
      ->delimiter(',');
  cmd->add_option("--filter", a.filter, "only workloads whose id matches this regex");
  cmd->add_option("--precision", a.precisions, "only these precisions, comma-separated (f32,bf16,f16,int8,int4w)")
      ->delimiter(',');
  cmd->add_option("--out", a.out, "result file, rewritten atomically after every benchmark")
      ->capture_default_str();
  cmd->add_option("--store", a.store,
                  "also write the finished run into this results store (a file path, sqlite:PATH "
                  "or postgresql://user@host:port/db); the result file is kept if that fails");
  cmd->add_option("--seed", a.seed, "seed for synthetic weights and inputs (default: the suite's)");
  cmd->add_option("--weights", a.weights, "Hugging Face safetensors checkpoint to run with");
  cmd->add_option("--save-tensors", a.save_tensors, "write each benchmark's input ids and output as .npy here");
  cmd->add_option("--resume", a.resume, "continue an interrupted run: skip benchmarks already in FILE");
  cmd->add_option("--cache-dir", a.cache_dir, "where reference outputs are cached (default ~/.cache/infermark)");
  cmd->add_option("--threads", a.threads, "CPU threads for backends that use them (default: all cores)")
      ->check(kNonNegative);
  cmd->add_option("--timeout", a.timeout, "per-benchmark time-out in seconds (default: from the settings)")
      ->check(kNonNegative);
  cmd->add_option("--counters", a.counters,
                  "PAPI events to count, comma-separated (presets such as PAPI_TOT_INS, or native "
                  "names); perf_event software counters are always counted")
      ->delimiter(',');
  auto* energy = cmd->add_flag("--energy", a.energy,
                               "run the energy pass (default: when an energy collector measures the device)");
  cmd->add_flag("--no-energy", a.no_energy, "skip the energy pass")->excludes(energy);
  cmd->add_flag("--no-ceilings", a.no_ceilings,
                "skip measuring each device's roofline ceilings (a large matmul and a STREAM-like "
                "add through the backend) before the benchmarks");
  cmd->add_option("--shard", a.shard,
                  "run shard I of N (I/N, from 1): a deterministic slice of the suite by workload "
                  "hash, balanced by the cost model's estimate");
  cmd->add_option("--run-group", a.run_group,
                  "name of the sweep this run belongs to (default with --shard: from the suite "
                  "hash and seed)");
  cmd->add_flag("--quick", a.quick, "short measurement settings: a fast look, not publishable numbers");
  cmd->add_flag("--quiet", a.quiet, "print nothing but errors");
  cmd->add_flag("--no-isolate", a.no_isolate, "run benchmarks in this process (debugging only)")->group("");
  cmd->callback([&action] { action = [] { return run_command(a); }; });
}

}  // namespace infermark::cli
