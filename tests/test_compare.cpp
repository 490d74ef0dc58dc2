// Tests of `compare` (results/compare and the CLI command): synthetic runs whose samples are
// built here, so every expected label, ratio and list follows from the construction.
#include <catch2/catch.hpp>

#include <cmath>

#include "common/error.hpp"
#include "results/compare.hpp"
#include "results/json_file.hpp"
#include "support/cli_fixture.hpp"
#include "support/result_fixture.hpp"

using namespace infermark;
using namespace infermark::test;

namespace {

// `n` latency-like samples: base · (1 + spread · u), u uniform in [0, 1) from a fixed stream.
std::vector<double> samples(double base, double spread, int n, uint64_t seed) {
  SplitMix64Stream s(seed);
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(base * (1 + spread * double(s.next() >> 11) * 0x1.0p-53));
  return v;
}

std::vector<double> scaled(std::vector<double> v, double f) {
  for (double& x : v) x *= f;
  return v;
}

// A benchmark of the fixture workload with sequence length `seq` (so different seqs are
// different workloads with different hashes) on `backend`:cpu0.
BenchmarkResult bench(int seq, std::vector<double> host, State state = State::Passed,
                      const std::string& backend = "reference") {
  Workload w = fixture_workload(Precision::F32);
  w.seq = seq;
  BenchmarkResult b;
  b.workload = fixture_workload_json(w);
  b.backend = backend;
  b.device = "cpu0";
  b.id = w.id() + "@" + backend + ":cpu0";
  b.state = state;
  if (state != State::Passed) b.reason = "fault injected by the test";
  b.host_samples = std::move(host);
  if (!b.host_samples.empty()) {
    const SampleStats st = compute_stats(b.host_samples);
    b.summaries.push_back({"latency/host/median", "s", st.median,
                           std::make_pair(st.median_ci_lo, st.median_ci_hi), "", ""});
    b.summaries.push_back({"throughput/tokens_per_s", "1/s", double(w.tokens()) / st.median,
                           std::nullopt, "", ""});
  }
  return b;
}

RunResult run_of(std::vector<BenchmarkResult> bs) {
  RunResult r = fixture_run();
  r.benchmarks = std::move(bs);
  return r;
}

const MatchedPair& only_match(const Comparison& c) {
  REQUIRE(c.matched.size() == 1);
  return c.matched.front();
}

}  // namespace

TEST_CASE("compare: the label rules on hand-picked intervals") {
  CompareSettings s;  // threshold 5%, alpha 0.05
  CHECK(classify(1.00, 0.99, 1.01, 0.8, s) == Verdict::Same);
  CHECK(classify(1.04, 1.03, 1.05, 0.001, s) == Verdict::Same);  // real but under threshold
  CHECK(classify(1.30, 1.25, 1.35, 0.001, s) == Verdict::Slower);
  CHECK(classify(1.30, 1.05, 1.60, 0.001, s) == Verdict::Slower);  // wide CI, clear change
  CHECK(classify(0.70, 0.65, 0.75, 0.001, s) == Verdict::Faster);
  CHECK(classify(1.02, 0.85, 1.20, 0.40, s) == Verdict::Noisy);    // CI half-width 17.5% > 5%
  CHECK(classify(1.30, 0.95, 1.60, 0.03, s) == Verdict::Noisy);    // CI includes 1: not both tests agree
  CHECK(classify(1.30, 1.25, 1.35, 0.20, s) == Verdict::Noisy);    // p says no
  CHECK(significant(1.01, 1.2, 0.01, 0.05));
  CHECK_FALSE(significant(0.99, 1.2, 0.01, 0.05));
}

TEST_CASE("compare: identical samples are the same") {
  const auto a = samples(2e-3, 0.02, 60, 1);
  const Comparison c =
      compare_runs(run_of({bench(8, a)}), "a.json", run_of({bench(8, a)}), "b.json", {});
  const MatchedPair& m = only_match(c);
  CHECK(m.ratio.ratio == 1.0);
  CHECK(m.ratio.lo <= 1.0);
  CHECK(m.ratio.hi >= 1.0);
  CHECK(m.utest.p_value == 1.0);  // U = mn/2 exactly: the continuity correction caps p at 1
  CHECK(m.verdict == Verdict::Same);
  CHECK_FALSE(m.significant);
  REQUIRE(c.geomean);
  CHECK(c.geomean->ratio == 1.0);
  CHECK(c.state_changes.empty());
  CHECK(c.only_baseline.empty());
  CHECK(c.only_contender.empty());
  CHECK(c.incomparable.empty());
}

TEST_CASE("compare: 1.3x slower, 1.3x faster, and a noisy contender") {
  const auto a1 = samples(2e-3, 0.02, 60, 1), a2 = samples(1e-3, 0.02, 60, 2),
             a3 = samples(3e-3, 0.02, 60, 3);
  // B: workload 8 is 1.3× slower, 16 is 1.3× faster, 32 has a ±50% spread around the same level.
  auto noisy = samples(3e-3 * 0.75, 0.5, 20, 4);
  const RunResult A = run_of({bench(8, a1), bench(16, a2), bench(32, a3)});
  const RunResult B = run_of({bench(8, scaled(a1, 1.3)), bench(16, scaled(a2, 1 / 1.3)),
                              bench(32, noisy)});
  const Comparison c = compare_runs(A, "a.json", B, "b.json", {});
  REQUIRE(c.matched.size() == 3);
  const MatchedPair& slow = c.matched[0];
  CHECK(slow.ratio.ratio == Approx(1.3).epsilon(1e-12));
  CHECK(slow.utest.p_value < 0.05);
  CHECK(slow.ratio.lo > 1.25);  // ±2% spread: the interval is tight around 1.3
  CHECK(slow.ratio.hi < 1.35);
  CHECK(slow.verdict == Verdict::Slower);
  const MatchedPair& fast = c.matched[1];
  CHECK(fast.ratio.ratio == Approx(1 / 1.3).epsilon(1e-12));
  CHECK(fast.verdict == Verdict::Faster);
  const MatchedPair& wide = c.matched[2];
  CHECK((wide.ratio.hi - wide.ratio.lo) / 2 > 0.05);
  CHECK(wide.verdict == Verdict::Noisy);
  // Geometric mean: 1.3 and 1/1.3 cancel, leaving the cube root of the noisy ratio.
  REQUIRE(c.geomean);
  CHECK(c.geomean->count == 3);
  CHECK(c.geomean->ratio == Approx(std::cbrt(wide.ratio.ratio)).epsilon(1e-12));
  CHECK(c.geomean->lo < c.geomean->ratio);
  CHECK(c.geomean->hi > c.geomean->ratio);

  // The regression gate: slower by more than 20% yes, by more than 40% no.
  REQUIRE(regressions(c, 0.20).size() == 1);
  CHECK(regressions(c, 0.20)[0]->contender.id == B.benchmarks[0].id);
  CHECK(regressions(c, 0.40).empty());
}

TEST_CASE("compare: state changes and one-sided benchmarks are listed, never dropped") {
  const auto a = samples(2e-3, 0.02, 30, 5);
  const RunResult A = run_of({bench(8, a), bench(16, a), bench(32, {}, State::Unimplemented),
                              bench(64, a)});
  const RunResult B = run_of({bench(8, a), bench(16, {}, State::Failed),
                              bench(32, {}, State::Unimplemented), bench(128, a)});
  const Comparison c = compare_runs(A, "a.json", B, "b.json", {});
  CHECK(c.matched.size() == 1);
  REQUIRE(c.state_changes.size() == 1);
  CHECK(c.state_changes[0].baseline->state == State::Passed);
  CHECK(c.state_changes[0].contender->state == State::Failed);
  CHECK(c.state_changes[0].contender->reason == "fault injected by the test");
  REQUIRE(c.unmeasured.size() == 1);
  CHECK(c.unmeasured[0].baseline->workload_id == A.benchmarks[2].workload["id"]);
  REQUIRE(c.only_baseline.size() == 1);
  CHECK(c.only_baseline[0].baseline->id == A.benchmarks[3].id);
  REQUIRE(c.only_contender.size() == 1);
  CHECK(c.only_contender[0].contender->id == B.benchmarks[3].id);

  const std::string table = comparison_table(c, {});
  CHECK_THAT(table, Catch::Contains("passed → failed"));
  CHECK_THAT(table, Catch::Contains("only in the baseline (1)"));
  CHECK_THAT(table, Catch::Contains("only in the contender (1)"));
  CHECK_THAT(table, Catch::Contains("measured in neither (unimplemented)"));
}

TEST_CASE("compare: the same id with a different workload hash is refused") {
  const auto a = samples(2e-3, 0.02, 30, 6);
  BenchmarkResult changed = bench(8, a);
  changed.workload["hash"] = "sha256:0123456789abcdef0123456789abcdef";
  const Comparison c =
      compare_runs(run_of({bench(8, a)}), "a.json", run_of({changed}), "b.json", {});
  CHECK(c.matched.empty());
  CHECK(c.only_baseline.empty());
  CHECK(c.only_contender.empty());
  REQUIRE(c.incomparable.size() == 1);
  CHECK_THAT(c.incomparable[0].reason, Catch::Contains("workload hash differs"));
  CHECK_THAT(c.incomparable[0].reason, Catch::Contains("sha256:0123456789ab"));
  CHECK_FALSE(c.geomean);

  // Same workload on another backend is a different benchmark: not paired between runs.
  const Comparison d = compare_runs(run_of({bench(8, a)}), "a.json",
                                    run_of({bench(8, a, State::Passed, "onednn")}), "b.json", {});
  CHECK(d.matched.empty());
  CHECK(d.only_baseline.size() == 1);
  CHECK(d.only_contender.size() == 1);

  // A benchmark without a workload hash cannot be matched: bad input naming where.
  BenchmarkResult nohash = bench(8, a);
  nohash.workload.erase("hash");
  try {
    compare_runs(run_of({bench(8, a)}), "a.json", run_of({nohash}), "b.json", {});
    FAIL("compared a benchmark without a hash");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK_THAT(e.what(), Catch::Contains("b.json"));
    CHECK_THAT(e.what(), Catch::Contains("/benchmarks/0/workload/hash"));
  }
}

TEST_CASE("compare --by backend: every backend against the baseline, workload by workload") {
  const auto a = samples(2e-3, 0.02, 40, 7), b = samples(1e-3, 0.02, 40, 8);
  const RunResult run = run_of({bench(8, a), bench(16, b), bench(8, scaled(a, 0.5), State::Passed, "onednn"),
                                bench(16, scaled(b, 0.5), State::Passed, "onednn"),
                                bench(8, a, State::Passed, "vulkan")});
  const auto cs = compare_backends(run, "run.json", "reference", {});
  REQUIRE(cs.size() == 2);
  CHECK(cs[0].contender_name == "run.json onednn:cpu0");
  REQUIRE(cs[0].matched.size() == 2);
  for (const auto& m : cs[0].matched) {
    CHECK(m.ratio.ratio == Approx(0.5).epsilon(1e-12));
    CHECK(m.verdict == Verdict::Faster);
    // tokens/s rides along for the table: twice the baseline's
    REQUIRE(m.contender.tokens_per_s);
    CHECK(m.contender.tokens_per_s->value == Approx(2 * m.baseline.tokens_per_s->value));
  }
  CHECK(cs[1].contender_name == "run.json vulkan:cpu0");
  CHECK(cs[1].matched.size() == 1);
  CHECK(cs[1].only_baseline.size() == 1);  // vulkan did not run workload 16
  CHECK_THAT(comparison_table(cs[0], {}), Catch::Contains("tokens/s base"));

  CHECK(compare_backends(run, "run.json", "onednn:cpu0", {})[0].baseline_name ==
        "run.json onednn:cpu0");
  CHECK_THROWS_AS(compare_backends(run, "run.json", "cuda", {}), Error);
}

TEST_CASE("compare CLI: labels, --json, --fail-on-regression exit codes, bad input") {
  ScratchDir dir;
  const auto a1 = samples(2e-3, 0.02, 50, 11), a2 = samples(1e-3, 0.02, 50, 12);
  write_run_file(dir.file("a.json"), run_of({bench(8, a1), bench(16, a2)}));
  write_run_file(dir.file("b.json"), run_of({bench(8, scaled(a1, 1.3)), bench(16, a2)}));

  ProcessResult r = run_infermark({"compare", dir.file("a.json"), dir.file("b.json")});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("slower"));
  CHECK_THAT(r.out, Catch::Contains("same"));
  CHECK_THAT(r.out, Catch::Contains("geometric mean of 2"));

  r = run_infermark({"compare", dir.file("a.json"), dir.file("b.json"), "--fail-on-regression", "10%"});
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.out, Catch::Contains("1 benchmark is significantly slower by more than 10%"));
  r = run_infermark({"compare", dir.file("a.json"), dir.file("b.json"), "--fail-on-regression", "40"});
  CHECK(r.exit_code == 0);

  r = run_infermark({"compare", dir.file("a.json"), dir.file("b.json"), "--json",
                 "--fail-on-regression", "10%"});
  CHECK(r.exit_code == 3);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["schema"] == "infermark-compare");
  CHECK(j["regression_found"] == true);
  REQUIRE(j["comparisons"].size() == 1);
  const auto& matched = j["comparisons"][0]["matched"];
  REQUIRE(matched.size() == 2);
  CHECK(matched[0]["label"] == "slower");
  CHECK(matched[0]["regression"] == true);
  CHECK(matched[0]["ratio"].get<double>() == Approx(1.3).epsilon(1e-12));
  CHECK(matched[1]["label"] == "same");

  // Bad input: exit 2, a message naming the problem, nothing on stdout.
  r = run_infermark({"compare", dir.file("a.json"), dir.file("missing.json")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("missing.json"));
  CHECK(r.out.empty());
  r = run_infermark({"compare", dir.file("a.json")});
  CHECK(r.exit_code == 2);
  r = run_infermark({"compare", dir.file("a.json"), dir.file("b.json"), "--fail-on-regression", "lots"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--fail-on-regression"));
}
