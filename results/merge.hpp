// Gathering the shards of one sweep (`infermark merge`): result files of `run --shard I/N` from
// one run group become one result whose benchmarks are those of an unsharded run.
#pragma once

#include <string>
#include <vector>

#include "results/model/result.hpp"

namespace infermark {

struct ShardFile {
  std::string file;
  RunResult run;
};

// Checks that every shard carries run.shard and run.run_group, that they share the run group,
// the shard count and assignment digest, the suite hash, the settings and the seed, that each index 1…N appears exactly
// once (a missing one is named), and that no workload appears in two shards; throws BadInput
// naming the file and JSON pointer otherwise. The merged result: tool, suite, settings, seed,
// options and collectors of shard 1; benchmarks of every shard in shard order, each with
// "shard": I; run.shards lists each shard's file, run id, times, command line and options;
// "system" is shard 1's when every shard's system is the same, and run.systems lists each
// shard's system block (index I−1 for shard I) so nothing about a machine is lost.
RunResult merge_shards(const std::vector<ShardFile>& shards);

}  // namespace infermark
