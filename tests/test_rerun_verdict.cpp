// The pieces of `rerun`'s report: the verdict from a comparison (results/rerun_verdict.hpp) and
// the key-by-key difference of two system blocks (results/system_diff.hpp), on hand-made input.
#include <catch2/catch.hpp>

#include "results/rerun_verdict.hpp"
#include "results/system_diff.hpp"

using namespace infermark;

namespace {

MatchedPair pair(const std::string& id, Verdict v, double ratio) {
  MatchedPair m;
  m.baseline.id = m.contender.id = id;
  m.verdict = v;
  m.ratio.ratio = ratio;
  m.ratio.lo = ratio * 0.9;
  m.ratio.hi = ratio * 1.1;
  m.utest.p_value = 0.5;
  return m;
}

}  // namespace

TEST_CASE("rerun verdict: same or faster everywhere is reproduced, anything else is not",
          "[rerun]") {
  Comparison c;
  c.matched = {pair("a@ref:cpu0", Verdict::Same, 1.01), pair("b@ref:cpu0", Verdict::Faster, 0.5)};
  RerunVerdict v = rerun_verdict(c);
  CHECK(v.reproduced);
  CHECK(v.compared == 2);
  CHECK_THAT(format_verdict(v), Catch::StartsWith("verdict: reproduced (2 of 2 benchmarks"));

  c.matched.push_back(pair("c@ref:cpu0", Verdict::Slower, 2.0));
  c.matched.push_back(pair("d@ref:cpu0", Verdict::Noisy, 1.2));
  v = rerun_verdict(c);
  CHECK_FALSE(v.reproduced);
  REQUIRE(v.slower.size() == 1);
  CHECK_THAT(v.slower[0], Catch::StartsWith("c@ref:cpu0: ratio 2.000"));
  REQUIRE(v.noisy.size() == 1);
  CHECK_THAT(format_verdict(v), Catch::Contains("NOT reproduced (2 of 4 compared"));

  // A benchmark the original measured that the re-run lost is never silently fine.
  Comparison lost;
  lost.matched = {pair("a@ref:cpu0", Verdict::Same, 1.0)};
  Unpaired u;
  u.baseline = SideInfo{};
  u.baseline->workload_id = "w";
  u.baseline->backend = "ref";
  u.baseline->device = "cpu0";
  u.reason = "only in original.json";
  lost.only_baseline.push_back(u);
  v = rerun_verdict(lost);
  CHECK_FALSE(v.reproduced);
  REQUIRE(v.not_compared.size() == 1);
  CHECK(v.not_compared[0] == "w@ref:cpu0: only in original.json");
  // Nothing compared is not a reproduction.
  CHECK_FALSE(rerun_verdict(Comparison{}).reproduced);
  // Measured in neither run (unimplemented in both) is not held against it.
  Comparison unmeasured;
  unmeasured.matched = {pair("a@ref:cpu0", Verdict::Same, 1.0)};
  unmeasured.unmeasured.push_back(u);
  CHECK(rerun_verdict(unmeasured).reproduced);
}

TEST_CASE("system diff: changed, removed and added leaves, ignored subtrees", "[rerun]") {
  const ojson a = ojson::parse(R"({"cpu": {"model": "A", "cores": 2, "flags": ["avx2", "fma"]},
      "libraries": {"openblas": "0.3.21"}, "ceilings": {"x": 1}, "gpu": "G"})");
  const ojson b = ojson::parse(R"({"libraries": {"openblas": "0.3.26"}, "ceilings": {"x": 2},
      "cpu": {"cores": 2, "model": "B", "flags": ["avx2", "fma", "avx512f"]}, "driver": 550})");
  const auto d = diff_systems(a, b, {"/ceilings"});
  REQUIRE(d.size() == 5);
  CHECK(d[0].key == "/cpu/model");
  CHECK(d[0].original == "A");
  CHECK(d[0].rerun == "B");
  CHECK(d[1].key == "/cpu/flags");
  CHECK(d[1].rerun == R"(["avx2","fma","avx512f"])");
  CHECK(d[2].key == "/libraries/openblas");
  CHECK(d[3].key == "/gpu");
  CHECK(d[3].rerun == "(absent)");
  CHECK(d[4].key == "/driver");
  CHECK(d[4].original == "(absent)");
  CHECK(format_system_differences({d[0]}) == "  /cpu/model: A → B\n");
  CHECK(diff_systems(a, a).empty());
  CHECK(diff_systems(a, b).size() == 6);  // the ceilings too when not ignored
}
