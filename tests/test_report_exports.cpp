// Tests of `report` exports (results/export_*): the fixture run rendered as Markdown, CSV, JSON
// Lines and Google Benchmark JSON, checked against values worked out by hand from its samples,
// and two gbench exports compared by Google Benchmark's own compare.py.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <iostream>

#include "common/error.hpp"
#include "results/export.hpp"
#include "results/json_file.hpp"
#include "support/cli_fixture.hpp"
#include "support/result_fixture.hpp"

using namespace infermark;
using namespace infermark::test;

namespace {

// fixture_run(): one passed bert-base/encode/b1/s8/f32/l1 on onednn:cpu0 with host samples
// 6.1 6.3 6.0 6.5 6.2 6.4 6.1 6.6 6.0 7.0 ms (median 6.25 ms, mean 6.32 ms, p99 7.0 ms,
// 8 tokens), and one unimplemented bf16 benchmark on vulkan:vk0.
NamedRun fixture_named(const std::string& file = "runs/a.json") { return {file, fixture_run()}; }

std::vector<std::string> split_csv_simple(const std::string& line) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == ',') out.emplace_back();
    else out.back() += c;
  }
  return out;
}

}  // namespace

TEST_CASE("report --markdown: a table with the fixture's numbers and footnoted reasons") {
  NamedRun nr = fixture_named();
  nr.run.benchmarks[1].reason = "bf16 storage | not supported";
  const std::string md = export_markdown({nr});
  INFO(md);
  CHECK_THAT(md, Catch::Contains("### infermark run, run 20261128T154002Z-7d3e on bench-01"));
  CHECK_THAT(md, Catch::Contains("Source: `runs/a.json`"));
  CHECK_THAT(md, Catch::Contains("| workload | backend:device | state | median (±95% CI) | p99 | "
                                 "tokens/s | GFLOP/s | correctness |"));
  CHECK_THAT(md, Catch::Contains("|---|---|---|--:|--:|--:|--:|---|"));
  // Median 6.25 ms, p99 = sorted[floor(10·0.99)] = 7.0 ms, 8 tokens / 6.25 ms = 1280 tokens/s.
  CHECK_THAT(md, Catch::Contains("| bert-base/encode/b1/s8/f32/l1 | onednn:cpu0 | passed | 6.25 ms ±"));
  CHECK_THAT(md, Catch::Contains("| 7.00 ms | 1280 | "));
  CHECK_THAT(md, Catch::Contains("| pass (nmse 2.3e-12) |"));
  // The unimplemented one: a footnote marker and its reason, with the '|' escaped.
  CHECK_THAT(md, Catch::Contains("| bert-base/encode/b1/s8/bf16/l1 | vulkan:vk0 | unimplemented [1] | - | - | - | - | - |"));
  CHECK_THAT(md, Catch::Contains("- [1] bert-base/encode/b1/s8/bf16/l1@vulkan:vk0: bf16 storage \\| not supported"));
}

TEST_CASE("report --csv: one row per benchmark and summary, RFC 4180 quoting, exact numbers") {
  NamedRun nr = fixture_named();
  nr.run.benchmarks[1].reason = "bf16 storage, \"not\" supported";
  const std::string csv = export_csv({nr});
  const auto lines = lines_of(csv);
  REQUIRE(lines.size() == 1 + 11 + 1);  // header, 11 summaries of the passed one, 1 row
  CHECK(lines[0] ==
        "file,run_id,benchmark_id,workload_id,workload_hash,backend,device,state,reason,"
        "correctness,tag,unit,value,ci95_lo,ci95_hi,per");
  const auto median = split_csv_simple(lines[1]);
  REQUIRE(median.size() == 16);
  CHECK(median[0] == "runs/a.json");
  CHECK(median[1] == "20261128T154002Z-7d3e");
  CHECK(median[7] == "passed");
  CHECK(median[9] == "pass");
  CHECK(median[10] == "latency/host/median");
  CHECK(median[11] == "s");
  // 17 significant digits: the value reads back to the identical double.
  const Summary& s = nr.run.benchmarks[0].summaries[0];
  CHECK(std::stod(median[12]) == s.value);
  CHECK(std::stod(median[13]) == s.ci95->first);
  CHECK(std::stod(median[14]) == s.ci95->second);
  CHECK(std::fabs(s.value - 0.00625) < 1e-15);
  // The per-inference counter keeps its "per".
  CHECK(lines[11].substr(lines[11].size() - 10) == ",inference");
  // The unimplemented benchmark: quoted reason, empty summary columns.
  CHECK_THAT(lines[12], Catch::Contains(",unimplemented,\"bf16 storage, \"\"not\"\" supported\",,,,,,,"));
}

TEST_CASE("report --jsonl: one benchmark per line, as in the result file") {
  const std::string jl = export_jsonl({fixture_named()});
  const auto lines = lines_of(jl);
  REQUIRE(lines.size() == 2);
  const auto first = nlohmann::json::parse(lines[0]);
  CHECK(first["run"]["file"] == "runs/a.json");
  CHECK(first["run"]["id"] == "20261128T154002Z-7d3e");
  CHECK(first["run"]["host"] == "bench-01");
  CHECK(first["id"] == "bert-base/encode/b1/s8/f32/l1@onednn:cpu0");
  CHECK(first["samples"]["host"].size() == 10);
  CHECK(first["samples"]["host"][9].get<double>() == 0.0070);
  const auto second = nlohmann::json::parse(lines[1]);
  CHECK(second["state"] == "unimplemented");
  CHECK(second["reason"] == "bf16 storage not supported by llvmpipe");
}

TEST_CASE("report --gbench: Google Benchmark's layout, repetitions and aggregates") {
  const auto doc = export_gbench(fixture_named(), "ns");
  const auto& ctx = doc["context"];
  CHECK(ctx["date"] == "2026-11-28T15:40:02+00:00");
  CHECK(ctx["host_name"] == "bench-01");
  CHECK(ctx["executable"] == "infermark");
  CHECK(ctx["num_cpus"] == 2);
  CHECK(ctx["cpu_scaling_enabled"] == false);
  CHECK(ctx["caches"].is_array());
  CHECK(ctx["library_build_type"] == "release");

  const auto& bs = doc["benchmarks"];
  REQUIRE(bs.size() == 10 + 3);  // one entry per sample, then mean, median, stddev
  const std::string id = "bert-base/encode/b1/s8/f32/l1@onednn:cpu0";
  for (int i = 0; i < 10; ++i) {
    CHECK(bs[i]["name"] == id);
    CHECK(bs[i]["run_name"] == id);
    CHECK(bs[i]["run_type"] == "iteration");
    CHECK(bs[i]["repetitions"] == 10);
    CHECK(bs[i]["repetition_index"] == i);
    CHECK(bs[i]["threads"] == 1);
    CHECK(bs[i]["time_unit"] == "ns");
  }
  CHECK(bs[0]["real_time"].get<double>() == Approx(6.1e6));  // 6.1 ms in ns
  CHECK(bs[0]["cpu_time"] == bs[0]["real_time"]);
  CHECK(bs[0]["tokens_per_s"].get<double>() == Approx(8 / 0.0061));
  CHECK(bs[10]["name"] == id + "_mean");
  CHECK(bs[10]["run_type"] == "aggregate");
  CHECK(bs[10]["aggregate_name"] == "mean");
  CHECK(bs[10]["real_time"].get<double>() == Approx(6.32e6));
  CHECK(bs[11]["name"] == id + "_median");
  CHECK(bs[11]["real_time"].get<double>() == Approx(6.25e6));
  // Σ(x − 6.32)² = 0.896 ms², / 9, √ → 0.315524 ms.
  CHECK(bs[12]["name"] == id + "_stddev");
  CHECK(bs[12]["real_time"].get<double>() == Approx(315524.0).epsilon(1e-5));

  // Not measured: listed with its reason, never given a zero time.
  REQUIRE(doc["infermark_not_measured"].size() == 1);
  CHECK(doc["infermark_not_measured"][0]["state"] == "unimplemented");

  CHECK(export_gbench(fixture_named(), "us")["benchmarks"][0]["real_time"].get<double>() ==
        Approx(6100));
  CHECK_THROWS_AS(export_gbench(fixture_named(), "min"), Error);
}

TEST_CASE("report CLI: one format, --out written, bad input exits 2") {
  ScratchDir dir;
  write_run_file(dir.file("a.json"), fixture_run());
  ProcessResult r = run_infermark({"report", dir.file("a.json"), "--markdown"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("| bert-base/encode/b1/s8/f32/l1 | onednn:cpu0 | passed |"));
  r = run_infermark({"report", dir.file("a.json"), "--csv", "--out", dir.file("out/a.csv")});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(lines_of(read_text(dir.file("out/a.csv"))).size() == 13);
  r = run_infermark({"report", dir.file("a.json"), "--gbench", "--time-unit", "ms"});
  CHECK(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out)["benchmarks"][0]["time_unit"] == "ms");

  r = run_infermark({"report", dir.file("a.json")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--markdown"));
  r = run_infermark({"report", dir.file("a.json"), "--csv", "--jsonl"});
  CHECK(r.exit_code == 2);
  r = run_infermark({"report", dir.file("a.json"), dir.file("a.json"), "--gbench"});
  CHECK(r.exit_code == 2);
  r = run_infermark({"report", dir.file("nope.json"), "--jsonl", "--out", dir.file("x.jsonl")});
  CHECK(r.exit_code == 2);
  CHECK_FALSE(exists(dir.file("x.jsonl")));
}

TEST_CASE("report --gbench: two exports compare in Google Benchmark's compare.py") {
  // Debian's libbenchmark-tools ships compare.py; it needs SciPy and NumPy from Debian's own
  // python3 (/usr/bin/python3). Without them this test is skipped (exit 77), saying why.
  // INFERMARK_GBENCH_COMPARE / INFERMARK_GBENCH_PYTHON point elsewhere (another distribution).
  auto env_or = [](const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return std::string(v && *v ? v : fallback);
  };
  const std::string python = env_or("INFERMARK_GBENCH_PYTHON", "/usr/bin/python3");
  const std::string tool = env_or("INFERMARK_GBENCH_COMPARE", "/usr/share/benchmark/compare.py");
  std::string missing;
  if (::access(python.c_str(), X_OK) != 0) missing = python + " not found";
  else if (::access(tool.c_str(), R_OK) != 0)
    missing = tool + " not found (apt-get install libbenchmark-tools)";
  else if (run_process({python, "-c", "import scipy, numpy"}).exit_code != 0)
    missing = "python3-scipy / python3-numpy not installed (compare.py imports them)";
  if (!missing.empty()) {
    std::cout << "SKIPPED: " << missing << std::endl;
    std::exit(77);
  }

  ScratchDir dir;
  NamedRun a = fixture_named(), b = fixture_named();
  for (double& x : b.run.benchmarks[0].host_samples) x *= 1.5;  // 50% slower in every sample
  write_text(dir.file("a.json"), export_gbench(a).dump(2));
  write_text(dir.file("b.json"), export_gbench(b).dump(2));
  const ProcessResult r = run_process({python, tool, "--no-color", "-d", dir.file("diff.json"),
                                       "benchmarks", dir.file("a.json"), dir.file("b.json")});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto diff = read_json(dir.file("diff.json"));
  const std::string id = "bert-base/encode/b1/s8/f32/l1@onednn:cpu0";
  bool saw_median = false, saw_utest = false;
  for (const auto& e : diff) {
    if (e["name"] == id + "_median") {
      saw_median = true;
      CHECK(e["measurements"][0]["time"].get<double>() == Approx(0.5));  // (new − old) / old
    }
    if (e["name"] == id) {
      saw_utest = true;
      // 10 vs 10 repetitions, every B sample above every A sample: a clear U-test result.
      CHECK(e["utest"]["time_pvalue"].get<double>() < 0.05);
      CHECK(e["utest"]["nr_of_repetitions"] == 10);
    }
  }
  CHECK(saw_median);
  CHECK(saw_utest);
}
