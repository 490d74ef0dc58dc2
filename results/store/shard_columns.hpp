// The run group and shard of a result document (run.run_group, run.shard), as the store keeps
// them in columns so the shards of one sweep are found without reading every document.
#pragma once

#include <string>

#include "results/model/result.hpp"

namespace infermark {

struct ShardColumns {
  std::string run_group;  // empty: the run names no group
  int index = 0;          // run.shard.index (1-based), 0 when the run is no shard
  int count = 0;
};

// From a document's "run" object; anything missing or of the wrong type is left empty / 0 (the
// merge of a group checks the shards strictly).
ShardColumns shard_columns(const ojson& run);

}  // namespace infermark
