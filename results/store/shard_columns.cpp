// Reading run.run_group and run.shard for the store's columns (shard_columns.hpp).
#include "results/store/shard_columns.hpp"

namespace infermark {

ShardColumns shard_columns(const ojson& run) {
  ShardColumns c;
  if (!run.is_object()) return c;
  if (auto g = run.find("run_group"); g != run.end() && g->is_string()) c.run_group = g->get<std::string>();
  if (auto s = run.find("shard"); s != run.end() && s->is_object()) {
    const auto i = s->find("index"), n = s->find("count");
    if (i != s->end() && n != s->end() && i->is_number_integer() && n->is_number_integer()) {
      c.index = i->get<int>();
      c.count = n->get<int>();
    }
  }
  return c;
}

}  // namespace infermark
