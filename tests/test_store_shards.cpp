// A sweep gathered in a results store: three shards of a fast smoke suite, run as if on two
// machines, written with `run --store` and `store ingest` into one store (SQLite and PostgreSQL),
// reported by `report --store URL --run-group NAME` as the run `infermark merge` makes of the
// three files; a missing shard is named and refused; `rerun --store` stores its result too.
#include <set>

#include "results/store/sql_connection.hpp"
#include "support/store_test.hpp"

using namespace infermark::test;
using nlohmann::json;

namespace {

std::vector<std::string> shard_args(const ScratchDir& d, const std::string& suite, int index,
                                    const std::string& out) {
  return {"run", "--suite", suite, "--backend", "reference", "--no-ceilings", "--threads", "1",
          "--cache-dir", d.cache(), "--shard", std::to_string(index) + "/3", "--run-group",
          "sweep-1", "--out", out, "--quiet"};
}

std::set<std::string> hashes(const json& doc) {
  std::set<std::string> out;
  for (const auto& b : doc["benchmarks"]) out.insert(b["workload"]["hash"].get<std::string>());
  return out;
}

}  // namespace

STORE_TEST("shards of one run group in a store report as one run") {
  const ScratchDir& d = *t.scratch;
  const std::string suite = fast_smoke_suite(d);
  std::vector<std::string> files;
  for (int i = 1; i <= 3; ++i) files.push_back(d.file("shard-" + std::to_string(i) + ".json"));

  // Machine A writes shard 1 straight into the store.
  auto args = shard_args(d, suite, 1, files[0]);
  args.insert(args.end(), {"--store", t.url});
  ProcessResult r = run_infermark(args);
  INFO(transcript(r));
  REQUIRE(r.exit_code == 0);
  // Machine B runs shards 2 and 3 to files (describing itself as another host), ingested later.
  for (int i : {2, 3}) {
    r = run_infermark(shard_args(d, suite, i, files[size_t(i - 1)]));
    INFO(transcript(r));
    REQUIRE(r.exit_code == 0);
    json doc = read_json(files[size_t(i - 1)]);
    doc["system"]["hostname"] = "machine-b";
    doc["system"]["cpu"]["model"] = "Machine B CPU";
    write_text(files[size_t(i - 1)], doc.dump(1) + "\n");
  }
  REQUIRE(run_infermark({"store", "ingest", files[1], "--store", t.url}).exit_code == 0);

  // Shard 3 is not stored yet: the group is refused, naming it, and nothing is written.
  r = run_infermark({"report", "--store", t.url, "--run-group", "sweep-1", "--markdown", "--out",
                     d.file("x.md")});
  INFO(transcript(r));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("run group sweep-1 is incomplete: shard 3/3 missing"));
  CHECK_FALSE(exists(d.file("x.md")));

  REQUIRE(run_infermark({"store", "ingest", files[2], "--store", t.url}).exit_code == 0);
  // Turned back into a version-1 store (no run group columns), the store is migrated when next
  // opened and the groups and shards are read again from the stored documents.
  {
    auto db = infermark::open_sql_connection(t.url);
    db->query("DROP INDEX runs_run_group");
    for (const char* column : {"run_group", "shard_index", "shard_count"})
      db->query(std::string("ALTER TABLE runs DROP COLUMN ") + column);
    db->query("UPDATE schema_version SET version = 1");
  }
  r = run_infermark({"store", "list", "--store", t.url});
  INFO(transcript(r));
  REQUIRE(r.exit_code == 0);
  for (const char* shard : {"1/3", "2/3", "3/3"}) CHECK_THAT(r.out, Catch::Contains(shard));
  CHECK_THAT(r.out, Catch::Contains("sweep-1") && Catch::Contains("machine-b"));

  // The store's merge is the files' merge: the same benchmarks, byte for byte, from both machines.
  r = run_infermark({"merge", files[2], files[0], files[1], "--out", d.file("merged.json")});
  INFO(transcript(r));
  REQUIRE(r.exit_code == 0);
  r = run_infermark({"report", "--store", t.url, "--run-group", "sweep-1", "--json", "--out",
                     d.file("from-store.json")});
  INFO(transcript(r));
  REQUIRE(r.exit_code == 0);
  const json merged = read_json(d.file("merged.json"));
  const json stored = read_json(d.file("from-store.json"));
  size_t in_shards = 0;
  std::set<std::string> shard_hashes;
  for (const auto& f : files) {
    const json doc = read_json(f);
    in_shards += doc["benchmarks"].size();
    for (const auto& h : hashes(doc)) shard_hashes.insert(h);
  }
  CHECK(stored["benchmarks"].size() == in_shards);
  CHECK(hashes(stored) == shard_hashes);
  CHECK(stored["benchmarks"] == merged["benchmarks"]);
  CHECK(stored["run"]["run_group"] == "sweep-1");
  CHECK(stored["run"]["systems_differ"] == true);
  REQUIRE(stored["run"]["shards"].size() == 3);
  CHECK(stored["run"]["shards"][1]["hostname"] == "machine-b");
  CHECK_THAT(stored["run"]["shards"][0]["file"].get<std::string>(), Catch::StartsWith("store run "));
  CHECK(run_infermark({"validate", d.file("from-store.json")}).exit_code == 0);

  r = run_infermark({"report", "--store", t.url, "--run-group", "sweep-1", "--markdown"});
  INFO(transcript(r));
  CHECK(r.exit_code == 0);
  for (const auto& b : merged["benchmarks"])
    CHECK_THAT(r.out, Catch::Contains(b["workload"]["id"].get<std::string>()));

  r = run_infermark({"report", "--store", t.url, "--run-group", "no-such-sweep", "--markdown"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("no run of run group 'no-such-sweep'"));
  r = run_infermark({"report", "--run-group", "sweep-1", "--markdown"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--store"));

  // A re-run of shard 2 with --store lands in the store as a run of its own.
  r = run_infermark({"rerun", files[1], "--out", d.file("rerun.json"), "--cache-dir", d.cache(),
                     "--store", t.url});
  INFO(transcript(r));
  CHECK((r.exit_code == 0 || r.exit_code == 3));  // reproduced or not: the machine decides
  CHECK_THAT(r.out, Catch::Contains("stored: run " + read_json(d.file("rerun.json"))["run"]["id"].get<std::string>()));
  r = run_infermark({"store", "list", "--store", t.url});
  CHECK_THAT(r.out, Catch::Contains(": 4 runs"));
}
