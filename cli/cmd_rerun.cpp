// `infermark rerun RESULT.json`: runs exactly the benchmarks of a published result again (same
// workload hashes, settings, seed and weights), compares the new run with it as `compare` does,
// and says whether its claims are reproduced, next to what differs between the two systems.
// Exit 0 reproduced, 3 not reproduced, 2 bad input (a wrong --weights file included).
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/percent.hpp"
#include "cli/progress.hpp"
#include "cli/store_cli.hpp"
#include "common/error.hpp"
#include "harness/rerun_request.hpp"
#include "harness/runner.hpp"
#include "results/compare.hpp"
#include "results/json_file.hpp"
#include "results/rerun_verdict.hpp"
#include "results/system_diff.hpp"

namespace infermark::cli {

namespace {

struct RerunArgs {
  std::string file;
  std::vector<std::string> backends;
  std::vector<std::string> devices;
  std::string out;
  std::string weights;
  std::string cache_dir;
  std::string threshold = "5%";
  double alpha = 0.05;
  int threads = -1;  // -1: the original's
  double timeout = -1;
  bool quiet = false;
  std::string store;  // --store: also write the re-run's result into this results store
  std::vector<std::string> argv;
};

// "<dir>/<stem>.rerun.json" next to the original.
std::string default_out(const std::string& file) {
  std::filesystem::path p(file);
  return (p.parent_path() / (p.stem().string() + ".rerun.json")).string();
}

// The sides (backend:device) of a run's benchmarks, in order of appearance.
std::vector<std::string> sides(const RunResult& r) {
  std::vector<std::string> out;
  for (const auto& b : r.benchmarks) {
    const std::string s = b.backend + ":" + b.device;
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  return out;
}

// When each run has one backend:device and they differ (a re-run on another machine's device or
// with --backend), the original's benchmarks are paired with the re-run's by workload alone.
std::string pair_single_sides(RunResult& original, const RunResult& rerun) {
  const auto a = sides(original), b = sides(rerun);
  if (a.size() != 1 || b.size() != 1 || a[0] == b[0]) return {};
  const auto& first = rerun.benchmarks.front();
  for (auto& x : original.benchmarks) {
    x.backend = first.backend;
    x.device = first.device;
    x.id = x.workload.value("id", x.id) + "@" + first.backend + ":" + first.device;
  }
  return "the original ran on " + a[0] + ", the re-run on " + b[0] +
         ": benchmarks are paired by workload\n";
}

// What to diff between the two runs: the tool, the system (its measured ceilings aside) and the
// run options that change numbers (threads, backends, devices, …).
ojson described(const RunResult& r) {
  return {{"tool", r.tool}, {"system", r.system},
          {"options", r.run.value("options", ojson::object())}};
}

int run_rerun(RerunArgs& a) {
  CompareSettings cs;
  cs.threshold = parse_percent("--threshold", a.threshold);
  cs.alpha = a.alpha;
  const RunResult original = read_run_file(a.file);
  check_rerun_weights(original, a.file, a.weights);

  RunRequest req = rerun_request(original, a.file);
  if (!a.backends.empty()) req.backends = a.backends;
  if (!a.devices.empty()) req.devices = a.devices;
  if (a.threads >= 0) req.threads = a.threads;
  if (a.timeout >= 0) req.timeout_s = a.timeout;
  req.weights_path = a.weights;
  req.cache_dir = a.cache_dir.empty() ? default_cache_dir() : a.cache_dir;
  req.command_line = a.argv;
  const std::string out = a.out.empty() ? default_out(a.file) : a.out;

  RunPlan plan = plan_run(req);  // bad input is found here, before anything runs
  RunResult doc = new_run_document(req, plan);
  doc.run["rerun_of"] = {{"file", a.file},
                         {"run_id", original.run.value("id", ojson(nullptr))},
                         {"started_at", original.run.value("started_at", ojson(nullptr))},
                         {"schema_version", original.schema_version}};
  check_out_writable(out);
  if (!a.store.empty()) check_store(store_url(a.store));  // before any benchmark runs

  Progress progress(a.quiet);
  execute_run(req, plan, doc, {}, progress, [&](const RunResult& d) { write_run_file(out, d); });
  // As for `run --store`: the file is kept whatever happens to the store; a failure exits 4
  // after the verdict is printed.
  const bool store_failed =
      !a.store.empty() && store_finished_run(store_url(a.store), out, a.quiet) != kOk;

  RunResult baseline = original;
  const std::string paired_note = pair_single_sides(baseline, doc);
  const Comparison c = compare_runs(baseline, a.file, doc, out, cs);
  const RerunVerdict v = rerun_verdict(c);
  const auto differences = diff_systems(described(original), described(doc), {"/system/ceilings"});
  std::cout << "re-run of " << a.file << ": " << out << "\n\n";
  std::cout << comparison_table(c, cs) << "\n";
  if (!paired_note.empty()) std::cout << paired_note;
  std::cout << format_verdict(v);
  if (differences.empty()) {
    std::cout << "systems: described identically (tool, system, options; measured ceilings aside)\n";
  } else {
    std::cout << "systems differ in " << differences.size() << " key"
              << (differences.size() == 1 ? "" : "s") << " (original → re-run):\n"
              << format_system_differences(differences);
  }
  if (store_failed) return kError;
  return v.reproduced ? kOk : kRegression;
}

}  // namespace

void add_rerun(CLI::App& app, Action& action, const std::vector<std::string>& argv) {
  static RerunArgs a;
  a.argv = argv;
  auto* cmd = app.add_subcommand(
      "rerun", "run the benchmarks of a result file again (same workloads, settings, seed and "
               "weights) and say whether its claims are reproduced");
  cmd->footer(
      "The comparison is `compare`'s (original = baseline). Reproduced: every compared benchmark "
      "is same or faster, and nothing the original measured is missing or in another state.\n"
      "Exit codes: 0 reproduced, 2 bad input (including a --weights file whose SHA-256 is not "
      "the original's), 3 not reproduced, 4 error.");
  cmd->add_option("file", a.file, "the result file to reproduce")->required();
  cmd->add_option("--backend", a.backends, "backends to run, comma-separated (default: the original's)")
      ->delimiter(',');
  cmd->add_option("--device", a.devices, "devices to run on, as for `run` (default: the original's selection)")
      ->delimiter(',');
  cmd->add_option("--out", a.out, "the new result file (default: RESULT.rerun.json next to RESULT)");
  cmd->add_option("--weights", a.weights,
                  "the safetensors checkpoint the original ran with (checked by SHA-256)");
  cmd->add_option("--threads", a.threads, "CPU threads (default: the original's setting)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--timeout", a.timeout, "per-benchmark time-out in seconds (default: the original's)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--cache-dir", a.cache_dir, "where reference outputs are cached (default ~/.cache/infermark)");
  cmd->add_option("--threshold", a.threshold,
                  "changes smaller than this count as the same, as for compare (default 5%)");
  cmd->add_option("--alpha", a.alpha, "significance level of the Mann-Whitney test (default 0.05)")
      ->check(CLI::Range(1e-9, 0.5));
  cmd->add_option("--store", a.store,
                  "also write the re-run's result into this results store, as `run --store` does "
                  "(a file path, sqlite:PATH or postgresql://user@host:port/db)");
  cmd->add_flag("--quiet", a.quiet, "no progress lines (the comparison and verdict still print)");
  cmd->callback([&action] { action = [] { return run_rerun(a); }; });
}

}  // namespace infermark::cli
