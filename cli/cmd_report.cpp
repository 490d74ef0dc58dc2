// `infermark report RUN.json… --markdown | --csv | --jsonl | --gbench [--out FILE]` and
// `--html OUT.html`: result files rendered for READMEs, spreadsheets, log pipelines, Google
// Benchmark's tools, and as one self-contained HTML dashboard. With `--store URL --run-group NAME`
// the shards of one sweep gathered in a results store are reported as one run.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/store_cli.hpp"
#include "common/error.hpp"
#include "results/export.hpp"
#include "results/export_html.hpp"
#include "results/json_file.hpp"
#include "results/model/result_json.hpp"
#include "results/store/dashboard_history.hpp"
#include "results/store/run_group_merge.hpp"
#include "results/text_file.hpp"

namespace infermark::cli {

namespace {

struct ReportOptions {
  std::vector<std::string> files;
  bool markdown = false, csv = false, jsonl = false, gbench = false;
  bool json = false;      // the (merged) result document itself
  std::string run_group;  // --run-group: report this sweep's shards from --store as one run
  std::string out;
  std::string html;  // the dashboard's path
  std::string store;  // --store: add each benchmark's history from this results store
  std::string time_unit = "ns";
};

int run_report(const ReportOptions& o) {
  const int formats = int(o.markdown) + int(o.csv) + int(o.jsonl) + int(o.gbench) +
                      int(o.json) + int(!o.html.empty());
  if (formats != 1)
    throw_bad_input("command line", "format",
                    formats == 0 ? "expected one of --markdown, --csv, --jsonl, --gbench, --json, --html"
                                 : "expected only one of --markdown, --csv, --jsonl, --gbench, --json, --html");
  const size_t inputs = o.files.size() + (o.run_group.empty() ? 0 : 1);
  if (inputs == 0)
    throw_bad_input("command line", "files",
                    "expected result files, or --store URL --run-group NAME");
  if (!o.run_group.empty() && o.store.empty())
    throw_bad_input("command line", "--run-group",
                    "expected --store URL: the store the shards were written to");
  if (!o.html.empty() && !o.out.empty())
    throw_bad_input("command line", "--out", "not used with --html, which names its own file");
  if ((o.gbench || o.json) && inputs != 1)
    throw_bad_input("command line", "--gbench",
                    "expected exactly one result file or run group (the document describes "
                    "one run); got " + std::to_string(inputs));
  if (!o.store.empty() && o.html.empty() && o.run_group.empty())
    throw_bad_input("command line", "--store",
                    "only used with --html (the history charts) or --run-group");
  if (!o.gbench && o.time_unit != "ns")
    throw_bad_input("command line", "--time-unit", "only used with --gbench");

  // Everything is read and rendered before anything is written: bad input writes nothing.
  std::vector<NamedRun> runs;
  std::unique_ptr<Store> store;
  if (!o.store.empty()) store = open_store(store_url(o.store), false);
  if (!o.run_group.empty())
    runs.push_back({"run group " + o.run_group + " (" + store->where() + ")",
                    merge_run_group(*store, o.run_group)});
  for (const auto& f : o.files) runs.push_back({f, read_run_file(f)});
  std::string text;
  if (o.markdown) text = export_markdown(runs);
  if (o.csv) text = export_csv(runs);
  if (o.jsonl) text = export_jsonl(runs);
  if (o.json)
    text = to_json(runs[0].run).dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (o.gbench)
    text = export_gbench(runs[0], o.time_unit)
               .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (!o.html.empty()) {
    ojson history = nullptr;
    if (store) history = dashboard_history(*store, runs);
    write_text_atomic(o.html, export_html(runs, {}, history));
    std::cout << o.html << "\n";  // scripts (run.sh) print where the dashboard is
    return kOk;
  }

  if (o.out.empty()) std::cout << text;
  else write_text_atomic(o.out, text);
  return kOk;
}

}  // namespace

void add_report(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("report", "export result files: Markdown, CSV, JSON Lines, "
                                           "Google Benchmark JSON, or an HTML dashboard");
  static ReportOptions o;
  cmd->add_option("files", o.files, "result JSON files (or --store URL --run-group NAME)");
  cmd->add_flag("--markdown", o.markdown, "a Markdown table per run (README, PR comment)");
  cmd->add_flag("--csv", o.csv, "CSV, one row per benchmark × summary");
  cmd->add_flag("--jsonl", o.jsonl, "JSON Lines, one benchmark per line");
  cmd->add_flag("--gbench", o.gbench,
                "Google Benchmark JSON (one run): readable by compare.py and other gbench tools");
  cmd->add_option("--html", o.html,
                  "write one self-contained HTML dashboard here (tables, charts, comparison of "
                  "every file with the first; opens from disk, no network)");
  cmd->add_flag("--json", o.json,
                "the result document itself (one run): with --run-group, the merged sweep as "
                "`infermark merge` writes it");
  cmd->add_option("--store", o.store,
                  "results store (file path, sqlite:PATH or postgresql://user@host:port/db): "
                  "with --html, add a history chart per workload and device; with --run-group, "
                  "where the shards are");
  cmd->add_option("--run-group", o.run_group,
                  "report the shards of this run group (run --shard I/N) stored in --store as "
                  "one run; every shard 1…N must be stored once");
  cmd->add_option("--time-unit", o.time_unit, "with --gbench: ns (default), us, ms or s")
      ->check(CLI::IsMember({"ns", "us", "ms", "s"}));
  cmd->add_option("--out", o.out, "write here (atomically) instead of standard output");
  cmd->callback([&action] { action = [] { return run_report(o); }; });
}

}  // namespace infermark::cli
