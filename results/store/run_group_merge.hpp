// A sweep gathered in a results store (`report --store URL --run-group NAME`): the stored shards
// of one run group merged, with `infermark merge`'s checks, into one run.
#pragma once

#include <string>

#include "results/model/result.hpp"
#include "results/store/store.hpp"

namespace infermark {

// Reads every run of the group from the store and merges them as merge_shards does (each shard
// 1…N once, same suite hash, settings, seed and assignment digest, disjoint workloads). Each
// shard is named in messages and in run.shards[].file as "store run <run id> on <host>".
// BadInput when no run of the group is stored, or when the shards do not make one sweep (a
// missing shard is named: "shard 2/3 missing").
RunResult merge_run_group(Store& store, const std::string& run_group);

}  // namespace infermark
