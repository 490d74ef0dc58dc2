// `infermark merge SHARD.json… --out ALL.json`: the shards of one sweep (`run --shard I/N`, one
// run group) gathered into one result file that `report` and `compare` read as one run.
#include <iostream>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "results/json_file.hpp"
#include "results/merge.hpp"

namespace infermark::cli {

namespace {

struct MergeArgs {
  std::vector<std::string> files;
  std::string out;
  bool quiet = false;
};

int run_merge(const MergeArgs& a) {
  // Everything is read and checked before anything is written.
  std::vector<ShardFile> shards;
  for (const auto& f : a.files) shards.push_back({f, read_run_file(f)});
  const RunResult merged = merge_shards(shards);
  check_out_writable(a.out);
  write_run_file(a.out, merged);
  if (!a.quiet)
    std::cout << "merged " << shards.size() << " shard" << (shards.size() == 1 ? "" : "s")
              << " of run group " << merged.run.value("run_group", "") << ": "
              << merged.benchmarks.size() << " benchmarks"
              << (merged.run.value("systems_differ", false) ? " from different systems" : "")
              << " → " << a.out << "\n";
  return kOk;
}

}  // namespace

void add_merge(CLI::App& app, Action& action) {
  static MergeArgs a;
  auto* cmd = app.add_subcommand(
      "merge", "gather the shard files of one sweep (run --shard I/N) into one result file");
  cmd->footer(
      "Every shard 1…N of one run group must be given once, with the same suite hash, settings "
      "and seed, and no workload in two shards. Exit codes: 0 ok, 2 bad input.");
  cmd->add_option("files", a.files, "shard result files, in any order")->required();
  cmd->add_option("--out", a.out, "the merged result file")->required();
  cmd->add_flag("--quiet", a.quiet, "print nothing but errors");
  cmd->callback([&action] { action = [] { return run_merge(a); }; });
}

}  // namespace infermark::cli
