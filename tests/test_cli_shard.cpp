// End-to-end tests of `infermark run --shard I/N` and `infermark merge`: three shards of the
// smoke suite on the reference backend, run as if on two machines, merge into the benchmark set
// of one unsharded run; incomplete, duplicate or foreign shards and bad --shard are bad input.
#include <catch2/catch.hpp>

#include <functional>
#include <set>

#include "support/cli_fixture.hpp"

using namespace infermark::test;
using nlohmann::json;

namespace {

ProcessResult run_shard(const ScratchDir& d, const std::string& suite, const std::string& shard,
                        const std::string& threads, const std::string& out) {
  std::vector<std::string> args = {"run",     "--suite",   suite,   "--backend",   "reference",
                                   "--no-ceilings", "--threads", threads, "--cache-dir", d.cache(),
                                   "--out",   out,         "--quiet"};
  if (!shard.empty()) {
    args.push_back("--shard");
    args.push_back(shard);
  }
  return run_infermark(args);
}

std::multiset<std::string> ids(const json& doc) {
  std::multiset<std::string> out;
  for (const auto& b : doc["benchmarks"]) out.insert(b["id"].get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("shard: three shards on two machines merge into one unsharded run", "[cli][shard]") {
  ScratchDir d;
  const std::string suite = fast_smoke_suite(d);
  std::vector<std::string> files;
  for (int i = 1; i <= 3; ++i) {
    files.push_back(d.file("shard-" + std::to_string(i) + ".json"));
    // Machine A runs shard 1 with one thread, machine B shards 2 and 3 with two.
    const ProcessResult r = run_shard(d, suite, std::to_string(i) + "/3", i == 1 ? "1" : "2",
                                      files.back());
    INFO(transcript(r));
    REQUIRE(r.exit_code == 0);
  }
  // Machine B describes itself differently, as another host would.
  for (int i : {1, 2}) {
    json doc = read_json(files[size_t(i)]);
    doc["system"]["hostname"] = "machine-b";
    doc["system"]["cpu"]["model"] = "Machine B CPU";
    write_text(files[size_t(i)], doc.dump());
  }
  const ProcessResult full = run_shard(d, suite, "", "2", d.file("full.json"));
  INFO(transcript(full));
  REQUIRE(full.exit_code == 0);
  const json unsharded = read_json(d.file("full.json"));

  std::multiset<std::string> union_of_shards;
  std::string group;
  for (int i = 1; i <= 3; ++i) {
    const json doc = read_json(files[size_t(i - 1)]);
    CHECK(doc["run"]["shard"]["index"] == i);
    CHECK(doc["run"]["shard"]["count"] == 3);
    CHECK(doc["run"]["shard"]["suite_workloads"] == unsharded["benchmarks"].size());
    CHECK_FALSE(doc["benchmarks"].empty());
    if (group.empty()) group = doc["run"]["run_group"].get<std::string>();
    CHECK(doc["run"]["run_group"] == group);
    for (const auto& id : ids(doc)) union_of_shards.insert(id);
  }
  CHECK_THAT(group, Catch::StartsWith("smoke-"));
  CHECK(union_of_shards == ids(unsharded));

  // Any order of the files.
  const std::string merged_path = d.file("merged.json");
  const ProcessResult m = run_infermark({"merge", files[2], files[0], files[1], "--out", merged_path});
  INFO(transcript(m));
  REQUIRE(m.exit_code == 0);
  const json merged = read_json(merged_path);
  CHECK(ids(merged) == ids(unsharded));
  std::set<std::string> merged_hashes, full_hashes;
  for (const auto& b : merged["benchmarks"]) merged_hashes.insert(b["workload"]["hash"].get<std::string>());
  for (const auto& b : unsharded["benchmarks"]) full_hashes.insert(b["workload"]["hash"].get<std::string>());
  CHECK(merged_hashes == full_hashes);
  CHECK(merged["run"]["run_group"] == group);
  CHECK(merged["run"]["systems_differ"] == true);
  REQUIRE(merged["run"]["systems"].size() == 3);
  CHECK(merged["run"]["systems"][1]["cpu"]["model"] == "Machine B CPU");
  CHECK(merged["run"]["shards"][0]["options"]["threads"] == 1);
  CHECK(merged["run"]["shards"][2]["options"]["threads"] == 2);
  CHECK(merged["benchmarks"][0]["shard"] == 1);
  // The merged file is one run for every reader.
  CHECK(run_infermark({"validate", merged_path}).exit_code == 0);
  const ProcessResult schema = run_process(
      {"/usr/bin/python3", std::string(INFERMARK_SOURCE_DIR) + "/tests/support/validate_schema.py",
       std::string(INFERMARK_SOURCE_DIR) + "/results/schema/result.schema.json", merged_path,
       files[0]});
  INFO(transcript(schema));
  CHECK((schema.exit_code == 0 || schema.exit_code == 77));
  const ProcessResult md = run_infermark({"report", merged_path, "--markdown"});
  CHECK(md.exit_code == 0);
  const ProcessResult cmp = run_infermark({"compare", d.file("full.json"), merged_path});
  INFO(transcript(cmp));
  CHECK(cmp.exit_code == 0);
  CHECK(cmp.out.find("only in") == std::string::npos);

  // Incomplete, duplicate, foreign or overlapping shards, and a run that is no shard, are refused,
  // and nothing is written.
  auto merge = [&](const std::vector<std::string>& in) {
    std::vector<std::string> args = {"merge"};
    args.insert(args.end(), in.begin(), in.end());
    args.push_back("--out");
    args.push_back(d.file("x.json"));
    return run_infermark(args);
  };
  auto edited = [&](size_t i, const std::string& name, const std::function<void(json&)>& edit) {
    json doc = read_json(files[i]);
    edit(doc);
    write_text(d.file(name), doc.dump());
    return d.file(name);
  };
  ProcessResult r = merge({files[0], files[2]});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("shard 2/3 missing"));
  r = merge({files[0], files[1], files[2], files[1]});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("given twice"));
  const std::string foreign =
      edited(2, "foreign.json", [](json& doc) { doc["run"]["run_group"] = "another-sweep"; });
  r = merge({files[0], files[1], foreign});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("/run/run_group") && Catch::Contains("another-sweep"));
  const std::string reassigned = edited(2, "reassigned.json", [](json& doc) {
    doc["run"]["shard"]["assignment"] = "sha256:" + std::string(64, '0');
  });
  r = merge({files[0], files[1], reassigned});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("/run/shard/assignment"));
  const json first = read_json(files[0]);
  const std::string overlap = edited(2, "overlap.json", [&](json& doc) {
    doc["benchmarks"].push_back(first["benchmarks"][0]);
  });
  r = merge({files[0], files[1], overlap});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("shards must be disjoint"));
  r = merge({d.file("full.json")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("/run/shard"));
  CHECK_FALSE(exists(d.file("x.json")));
}

TEST_CASE("shard: a bad --shard is bad input and writes nothing", "[cli][shard]") {
  ScratchDir d;
  for (const char* bad : {"0/0", "3/2", "garbage", "1/0", "2"}) {
    const ProcessResult r = run_infermark({"run", "--suite", "smoke", "--backend", "reference",
                                           "--shard", bad, "--out", d.file("x.json")});
    INFO(bad << "\n" << transcript(r));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--shard: expected I/N"));
    CHECK_FALSE(exists(d.file("x.json")));
  }
}
