// `infermark store ingest|export|list|check`: result files into a results store and back, and
// the regression check over its history (exit 3 when a series' latest median is an outlier).
#include <cctype>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <set>

#include "cli/commands.hpp"
#include "cli/store_cli.hpp"
#include "common/error.hpp"
#include "results/json_file.hpp"
#include "results/model/result_json.hpp"
#include "results/store/regression_check.hpp"
#include "results/store/store.hpp"
#include "results/text_file.hpp"
#include "results/text_format.hpp"

namespace infermark::cli {

namespace {

struct StoreArgs {
  std::string store;
  std::vector<std::string> files;
  std::string run;
  std::string out;
  size_t window = 10;
  double z = 3;
  std::string workload;
  std::string backend;
  std::string device;
};

// Seconds as milliseconds, other units as they are.
std::string value_text(double v, const std::string& unit) {
  if (unit == "s") return three_digits(v * 1e3) + " ms";
  return three_digits(v) + (unit.empty() || unit == "1" ? "" : " " + unit);
}

int ingest(const StoreArgs& a) {
  if (a.files.empty()) throw_bad_input("command line", "files", "expected result files to ingest");
  // Every file is read and checked before the store is touched: bad input writes nothing.
  std::vector<ojson> docs;
  for (const auto& f : a.files) {
    docs.push_back(read_ordered_json_file(f));
    run_from_json(docs.back(), f);
  }
  auto store = open_store(store_url(a.store));
  int rc = kOk;
  size_t added = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    const IngestResult r = store->ingest(docs[i], a.files[i]);
    switch (r.status) {
      case IngestResult::Status::Added:
        ++added;
        std::cout << a.files[i] << ": added run " << r.run_id << " (" << r.benchmarks
                  << " benchmarks)\n";
        break;
      case IngestResult::Status::AlreadyStored:
        std::cout << a.files[i] << ": run " << r.run_id << " is already stored; nothing added\n";
        break;
      case IngestResult::Status::Conflict:
        std::cerr << "infermark: " << a.files[i] << ": a different document for run " << r.run_id
                  << " (same id, start time and machine) is already stored; not replaced — "
                     "export it with `infermark store export --run "
                  << r.run_id << "` to compare\n";
        rc = kFailures;
        break;
    }
  }
  std::cout << "store: " << store->where() << ": " << added << " run" << (added == 1 ? "" : "s")
            << " added\n";
  return rc;
}

int export_runs(const StoreArgs& a) {
  if (a.run.empty() && a.out.empty())
    throw_bad_input("command line", "--run",
                    "give --run ID for one run, or --out DIR to export every run into DIR");
  auto store = open_store(store_url(a.store), false);
  if (!a.run.empty()) {
    const auto docs = store->documents(a.run);
    if (docs.empty())
      throw_bad_input("command line", "--run",
                      "no run '" + a.run + "' in " + store->where() +
                          " (`infermark store list` shows the stored runs)");
    if (docs.size() > 1)
      throw_bad_input("command line", "--run",
                      std::to_string(docs.size()) + " runs with id '" + a.run + "' (from different "
                      "machines) are stored; export them all with --out DIR");
    if (a.out.empty())
      std::cout << docs[0];
    else
      write_text_atomic(a.out, docs[0]);
    return kOk;
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(a.out, ec);
  if (!fs::is_directory(a.out))
    throw_bad_input("command line", "--out",
                    "without --run, --out is the directory for every run's file; " + a.out +
                        " is not a directory");
  size_t n = 0;
  std::set<std::string> seen;
  for (const auto& run : store->runs()) {
    if (!seen.insert(run.run_id).second) continue;
    const auto docs = store->documents(run.run_id);
    for (size_t i = 0; i < docs.size(); ++i) {
      // Run ids are file-name safe when infermark made them; anything else is replaced.
      std::string name = run.run_id;
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
      if (docs.size() > 1) name += "-" + std::to_string(i + 1);
      write_text_atomic((fs::path(a.out) / (name + ".json")).string(), docs[i]);
      ++n;
    }
  }
  std::cout << "exported " << n << " run" << (n == 1 ? "" : "s") << " to " << a.out << "\n";
  return kOk;
}

int list_runs(const StoreArgs& a) {
  auto store = open_store(store_url(a.store), false);
  std::vector<std::vector<std::string>> rows{
      {"started", "run", "host", "benchmarks", "run group", "shard"}};
  for (const auto& r : store->runs())
    rows.push_back({r.started_at, r.run_id, r.hostname, std::to_string(r.benchmarks),
                    r.run_group.empty() ? "-" : r.run_group,
                    r.shard_count ? std::to_string(r.shard_index) + "/" + std::to_string(r.shard_count)
                                  : "-"});
  std::cout << aligned_table(rows, {false, false, false, true, false, false});
  std::cout << "store: " << store->where() << ": " << rows.size() - 1 << " runs\n";
  return kOk;
}

int check(const StoreArgs& a) {
  if (a.window < kMinCheckHistory)
    throw_bad_input("command line", "--window",
                    "expected at least " + std::to_string(kMinCheckHistory) + " earlier runs");
  if (!(a.z > 0)) throw_bad_input("command line", "--z", "expected a positive z-score limit");
  auto store = open_store(store_url(a.store), false);
  HistoryFilter f;
  f.workload = a.workload;
  f.backend = a.backend;
  f.device = a.device;
  const auto checks = check_regressions(store->history(f), a.window, a.z);
  size_t judged = 0, regressed = 0;
  std::vector<std::vector<std::string>> rows{
      {"workload", "backend:device", "host", "latest run", "median", "mean", "stddev", "n", "z"}};
  for (const auto& c : checks) {
    judged += c.judged;
    if (!c.regression) continue;
    ++regressed;
    rows.push_back({c.latest.workload_id, c.latest.backend + ":" + c.latest.device,
                    c.latest.hostname, c.latest.run_id, value_text(c.latest.value, c.latest.unit),
                    value_text(c.mean, c.latest.unit), value_text(c.stddev, c.latest.unit),
                    std::to_string(c.history), std::isinf(c.z) ? "inf" : fixed(c.z, 1)});
  }
  std::cout << "store check: " << store->where() << ": " << checks.size() << " series, " << judged
            << " judged (latest median vs the previous " << a.window
            << " passed runs of the same workload, backend, device and machine; regression when z > "
            << three_digits(a.z) << ")\n";
  if (checks.size() > judged)
    std::cout << checks.size() - judged << " series not judged (fewer than " << kMinCheckHistory
              << " earlier passed runs, or the latest run not passed)\n";
  if (regressed == 0) {
    std::cout << "no regressions\n";
    return kOk;
  }
  std::cout << regressed << " regression" << (regressed == 1 ? "" : "s") << ":\n"
            << aligned_table(rows, {false, false, false, false, true, true, true, true, true});
  return kRegression;
}

}  // namespace

void add_store(CLI::App& app, Action& action) {
  static StoreArgs a;
  auto* cmd = app.add_subcommand("store", "a results store of many runs (SQLite or PostgreSQL)");
  cmd->require_subcommand(1);
  cmd->footer("Exit codes: 0 ok, 1 a conflicting run was not ingested, 2 bad input, "
              "3 store check found a regression, 4 store unreachable or unusable.");

  auto* ing = cmd->add_subcommand("ingest", "add result files to the store (importing twice adds nothing)");
  ing->add_option("files", a.files, "result files")->required();
  ing->add_option("--store", a.store, kStoreOptionHelp);
  ing->callback([&action] { action = [] { return ingest(a); }; });

  auto* export_cmd = cmd->add_subcommand("export", "give back stored result documents as they went in");
  export_cmd->add_option("--run", a.run, "the run id to export (default: every run, into --out DIR)");
  export_cmd->add_option("--out", a.out, "file to write (default stdout); without --run, a directory");
  export_cmd->add_option("--store", a.store, kStoreOptionHelp);
  export_cmd->callback([&action] { action = [] { return export_runs(a); }; });

  auto* lst = cmd->add_subcommand("list", "the stored runs, oldest first, with run group and shard");
  lst->add_option("--store", a.store, kStoreOptionHelp);
  lst->callback([&action] { action = [] { return list_runs(a); }; });

  auto* chk = cmd->add_subcommand(
      "check", "flag regressions: each series' latest median against its history (exit 3)");
  chk->add_option("--window", a.window, "earlier passed runs to compare with (default 10)");
  chk->add_option("--z", a.z, "z-score above which the latest median is a regression (default 3)");
  chk->add_option("--workload", a.workload, "only this workload id");
  chk->add_option("--backend", a.backend, "only this backend");
  chk->add_option("--device", a.device, "only this device: an id or part of its name");
  chk->add_option("--store", a.store, kStoreOptionHelp);
  chk->callback([&action] { action = [] { return check(a); }; });
}

}  // namespace infermark::cli
