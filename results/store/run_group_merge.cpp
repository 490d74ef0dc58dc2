// Merging a run group's stored shards (run_group_merge.hpp).
#include "results/store/run_group_merge.hpp"

#include "common/error.hpp"
#include "results/merge.hpp"
#include "results/model/result_json.hpp"

namespace infermark {

RunResult merge_run_group(Store& store, const std::string& run_group) {
  const auto stored = store.run_group(run_group);
  if (stored.empty())
    throw_bad_input("command line", "--run-group",
                    "no run of run group '" + run_group + "' in " + store.where() +
                        " (`infermark store list` shows each run's group and shard)");
  std::vector<ShardFile> shards;
  for (const auto& s : stored) {
    const std::string name = "store run " + s.run.run_id +
                             (s.run.hostname.empty() ? "" : " on " + s.run.hostname);
    const ojson doc = ojson::parse(s.text, nullptr, false);
    if (doc.is_discarded())
      throw Error(ErrorKind::BadInput, name + ": the stored document is not JSON");
    shards.push_back({name, run_from_json(doc, name)});
  }
  return merge_shards(shards);
}

}  // namespace infermark
