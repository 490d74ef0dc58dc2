#include "results/merge.hpp"

#include <map>
#include <set>

#include "common/error.hpp"
#include "results/system_diff.hpp"

namespace infermark {

namespace {

struct ShardInfo {
  int index = 0, count = 0;
  std::string group;
};

ShardInfo shard_info(const ShardFile& s) {
  const ojson& run = s.run.run;
  if (!run.contains("shard") || !run["shard"].is_object())
    throw_bad_input(s.file, "/run/shard",
                    "expected the shard block of `infermark run --shard I/N`; this file is not "
                    "a shard of a sweep");
  const ojson& sh = run["shard"];
  ShardInfo i;
  if (!sh.contains("index") || !sh["index"].is_number_integer() || !sh.contains("count") ||
      !sh["count"].is_number_integer())
    throw_bad_input(s.file, "/run/shard", "expected integer \"index\" and \"count\"");
  i.index = sh["index"].get<int>();
  i.count = sh["count"].get<int>();
  if (i.count < 1 || i.index < 1 || i.index > i.count)
    throw_bad_input(s.file, "/run/shard", "expected 1 ≤ index ≤ count, found " +
                                              std::to_string(i.index) + "/" + std::to_string(i.count));
  if (!run.contains("run_group") || !run["run_group"].is_string())
    throw_bad_input(s.file, "/run/run_group", "expected the run group (a string)");
  i.group = run["run_group"].get<std::string>();
  return i;
}

// The same value in every shard, or BadInput naming the first that differs.
void require_same(const std::vector<ShardFile>& shards, const std::string& pointer,
                  const std::string& what) {
  const ojson::json_pointer p(pointer);
  // Compared as unordered JSON: key order is no part of the meaning.
  auto value = [&](const ShardFile& s) {
    const ojson doc = {{"run", s.run.run}};
    return nlohmann::json::parse(doc.contains(p) ? doc.at(p).dump() : "null");
  };
  const nlohmann::json first = value(shards[0]);
  for (size_t i = 1; i < shards.size(); ++i)
    if (value(shards[i]) != first)
      throw_bad_input(shards[i].file, pointer,
                      "expected the same " + what + " as " + shards[0].file + " (" + first.dump() +
                          "), found " + value(shards[i]).dump() +
                          "; shards of one sweep share it");
}

}  // namespace

RunResult merge_shards(const std::vector<ShardFile>& shards) {
  if (shards.empty()) throw Error(ErrorKind::BadInput, "merge: expected at least one shard file");
  std::vector<ShardInfo> info;
  for (const auto& s : shards) info.push_back(shard_info(s));
  require_same(shards, "/run/run_group", "run group");
  require_same(shards, "/run/shard/count", "shard count");
  require_same(shards, "/run/shard/assignment", "shard assignment (infermark version and suite)");
  require_same(shards, "/run/suite/hash", "suite hash");
  require_same(shards, "/run/settings", "measurement settings");
  require_same(shards, "/run/seed", "seed");

  const int count = info[0].count;
  std::map<int, size_t> by_index;
  for (size_t i = 0; i < shards.size(); ++i) {
    auto [it, fresh] = by_index.emplace(info[i].index, i);
    if (!fresh)
      throw_bad_input(shards[i].file, "/run/shard/index",
                      "shard " + std::to_string(info[i].index) + "/" + std::to_string(count) +
                          " is given twice (also " + shards[it->second].file + ")");
  }
  std::string missing;
  for (int k = 1; k <= count; ++k)
    if (!by_index.count(k)) missing += (missing.empty() ? "" : ", ") + std::to_string(k) + "/" + std::to_string(count);
  if (!missing.empty())
    throw Error(ErrorKind::BadInput, "merge: run group " + info[0].group + " is incomplete: shard" +
                                         (missing.find(',') != std::string::npos ? "s " : " ") +
                                         missing + " missing; every shard 1…" +
                                         std::to_string(count) + " must be given once");

  // No workload in two shards.
  std::map<std::string, std::string> owner;  // workload hash → file
  for (const auto& [index, i] : by_index) {
    const ShardFile& s = shards[i];
    std::set<std::string> mine;
    for (size_t b = 0; b < s.run.benchmarks.size(); ++b) {
      const std::string h = s.run.benchmarks[b].workload.value("hash", "");
      if (h.empty())
        throw_bad_input(s.file, "/benchmarks/" + std::to_string(b) + "/workload/hash",
                        "expected the workload hash");
      mine.insert(h);
      auto it = owner.find(h);
      if (it != owner.end() && it->second != s.file)
        throw_bad_input(s.file, "/benchmarks/" + std::to_string(b) + "/workload",
                        "workload " + s.run.benchmarks[b].workload.value("id", "?") +
                            " is also in " + it->second + "; shards must be disjoint");
    }
    for (const auto& h : mine) owner.emplace(h, s.file);
  }

  const ShardFile& first = shards[by_index.at(1)];
  RunResult out;
  out.schema = first.run.schema;
  out.schema_version = first.run.schema_version;
  out.tool = first.run.tool;
  out.run = first.run.run;
  out.collectors = first.run.collectors;
  out.system = first.run.system;
  out.run["id"] = info[0].group + "-merged";
  out.run.erase("shard");
  ojson list = ojson::array(), systems = ojson::array();
  bool complete = true, systems_differ = false;
  std::string started = out.run.value("started_at", ""), finished;
  for (const auto& [index, i] : by_index) {
    const ShardFile& s = shards[i];
    const ojson& r = s.run.run;
    list.push_back({{"index", index},
                    {"count", count},
                    {"file", s.file},
                    {"run_id", r.value("id", "")},
                    {"started_at", r.value("started_at", ojson(nullptr))},
                    {"finished_at", r.value("finished_at", ojson(nullptr))},
                    {"complete", r.value("complete", false)},
                    {"command_line", r.value("command_line", ojson::array())},
                    {"options", r.value("options", ojson::object())},
                    {"hostname", s.run.system.value("hostname", ojson(nullptr))}});
    systems.push_back(s.run.system);
    if (!diff_systems(first.run.system, s.run.system, {"/ceilings"}).empty()) systems_differ = true;
    complete = complete && r.value("complete", false);
    const std::string st = r.value("started_at", ojson("")).is_string() ? r.value("started_at", "") : "";
    const std::string fin = r.value("finished_at", ojson("")).is_string() ? r.value("finished_at", "") : "";
    if (!st.empty() && (started.empty() || st < started)) started = st;
    if (fin > finished) finished = fin;
    for (BenchmarkResult b : s.run.benchmarks) {
      b.extra["shard"] = index;
      out.benchmarks.push_back(std::move(b));
    }
  }
  out.run["started_at"] = started;
  out.run["finished_at"] = finished.empty() ? ojson(nullptr) : ojson(finished);
  out.run["complete"] = complete;
  out.run["shards"] = list;
  out.run["systems_differ"] = systems_differ;
  out.run["systems"] = systems;
  return out;
}

}  // namespace infermark
