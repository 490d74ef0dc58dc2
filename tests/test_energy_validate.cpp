// `validate` on counter and energy summaries: per-token values agree with per-inference ones over
// the workload's tokens, energy units are J and W, every energy figure names its source.
#include <catch2/catch.hpp>

#include "results/model/result_json.hpp"
#include "results/validate.hpp"
#include "support/result_fixture.hpp"

using namespace infermark;
using Catch::Matchers::Contains;

namespace {

std::string problems_of(const RunResult& r) {
  const nlohmann::json raw = nlohmann::json::parse(to_json(r).dump());
  std::string s;
  for (const auto& p : validate_run(run_from_json(raw, "run.json"), raw)) s += p + "\n";
  return s;
}

Summary energy(const std::string& what, const char* unit, double v, const char* per) {
  Summary s{"energy/cpu-package-0/" + what, unit, v, std::nullopt, "x", per};
  s.extra = {{"source", "counter"}, {"window_s", 1.2}};
  return s;
}

// The fixture's passed benchmark (bert-base encode b1 s8: 8 tokens) with consistent counter and
// energy summaries: 2 J per inference = 0.25 J per token.
RunResult with_profiling() {
  RunResult r = test::fixture_run();
  auto& s = r.benchmarks[0].summaries;
  s.push_back({"counter/perf_event/task_clock", "s", 0.008, std::nullopt, "x", "inference"});
  s.push_back({"counter/perf_event/task_clock/per_token", "s", 0.001, std::nullopt, "x", "token"});
  s.push_back(energy("joules_per_inference", "J", 2.0, "inference"));
  s.push_back(energy("joules_per_token", "J", 0.25, "token"));
  s.push_back(energy("mean_power_w", "W", 35.0, ""));
  s.push_back(energy("idle_power_w", "W", 20.0, ""));
  s.push_back(energy("joules_per_inference_above_idle", "J", -0.01, "inference"));  // noise may go below 0
  return r;
}

Summary& find(RunResult& r, const std::string& tag) {
  for (auto& s : r.benchmarks[0].summaries)
    if (s.tag == tag) return s;
  FAIL("no " << tag);
  throw;
}

}  // namespace

TEST_CASE("validate: consistent counter and energy summaries pass") {
  CHECK(problems_of(with_profiling()).empty());
}

TEST_CASE("validate: counter and energy inconsistencies are reported") {
  {
    RunResult r = with_profiling();
    find(r, "counter/perf_event/task_clock/per_token").value = 0.002;
    CHECK_THAT(problems_of(r), Contains("counter/perf_event/task_clock/per_token = 0.002") &&
                                   Contains("/ tokens = 0.001"));
  }
  {
    RunResult r = with_profiling();
    find(r, "energy/cpu-package-0/joules_per_token").value = 2.0;
    CHECK_THAT(problems_of(r), Contains("joules_per_token = 2") && Contains("/ tokens = 0.25"));
  }
  {
    RunResult r = with_profiling();
    find(r, "energy/cpu-package-0/mean_power_w").unit = "J/s";
    CHECK_THAT(problems_of(r), Contains("mean_power_w has unit \"J/s\", expected \"W\""));
  }
  {
    RunResult r = with_profiling();
    find(r, "energy/cpu-package-0/joules_per_inference").extra = ojson::object();
    CHECK_THAT(problems_of(r), Contains("joules_per_inference must say its source"));
  }
  {
    RunResult r = with_profiling();
    find(r, "energy/cpu-package-0/idle_power_w").value = -3;
    CHECK_THAT(problems_of(r), Contains("idle_power_w = -3: energy and power are ≥ 0"));
  }
}
