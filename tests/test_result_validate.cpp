// `validate`: a consistent run is clean; each kind of tampering is reported where it happened.
#include <catch2/catch.hpp>

#include "results/model/result_json.hpp"
#include "results/validate.hpp"
#include "support/result_fixture.hpp"

using namespace infermark;

namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += x + "\n";
  return s;
}

// Validates the run as `validate` sees it: written, parsed, read back.
std::vector<std::string> problems_of(const RunResult& r) {
  const nlohmann::json raw = nlohmann::json::parse(to_json(r).dump());
  return validate_run(run_from_json(raw, "run.json"), raw);
}

Summary& summary(BenchmarkResult& b, const std::string& tag) {
  for (Summary& s : b.summaries)
    if (s.tag == tag) return s;
  FAIL("no summary " << tag);
  throw;
}

}  // namespace

TEST_CASE("validate: a consistent run has no problems") {
  const RunResult r = test::fixture_run();
  CHECK(joined(problems_of(r)).empty());
  // A run built in memory (no raw document) is checked the same way.
  CHECK(joined(validate_run(r, nlohmann::json())).empty());
}

TEST_CASE("validate: each kind of inconsistency is reported") {
  RunResult r = test::fixture_run();
  BenchmarkResult& b = r.benchmarks[0];
  std::string expect;  // a fragment the report must contain
  std::string where = "/benchmarks/0: ";

  SECTION("median summary changed") {
    summary(b, "latency/host/median").value = 0.00626;  // the samples give 6.25 ms
    expect = "latency/host/median";
  }
  SECTION("p99 summary changed") {
    summary(b, "latency/host/p99").value = 0.0066;  // sorted[floor(10·0.99)] = 7.0 ms
    expect = "latency/host/p99";
  }
  SECTION("device median does not match the device samples") {
    summary(b, "latency/device/median").value = 0.0060;  // device median is 5.85 ms
    expect = "latency/device/median";
  }
  SECTION("a sample removed") {
    b.host_samples.pop_back();  // 7.0 ms gone: min and median stay, p99 and mean change
    expect = "validity.samples = 10 but 9 host samples";
  }
  SECTION("id does not match workload, backend and device") {
    b.id = "bert-base/encode/b1/s8/f32/l1@onednn:cpu1";
    expect = "does not match <workload id>@<backend>:<device>";
  }
  SECTION("workload hash changed") {
    b.workload["hash"] = "sha256:" + std::string(64, '0');
    expect = "does not match the hash of its definition";
  }
  SECTION("workload definition edited under its id and hash") {
    b.workload["seq"] = 16;
    expect = "does not match the hash of its definition";
  }
  SECTION("tokens not batch × seq") {
    b.workload["tokens"] = 16;
    expect = "tokens 16 != batch × seq = 8";
  }
  SECTION("flops not the cost model's") {
    b.workload["flops"] = b.workload["flops"].get<int64_t>() + 1;
    expect = "workload flops";
  }
  SECTION("tokens/s not inferences/s × tokens") {
    summary(b, "throughput/tokens_per_s").value *= 2;
    expect = "throughput/tokens_per_s";
  }
  SECTION("passed with a failing verdict") {
    b.correctness->verdict = "fail";
    expect = "state passed but the correctness verdict is \"fail\"";
  }
  SECTION("passed but invalid") {
    b.validity->valid = false;
    b.validity->reasons = {"noisy"};
    expect = "state passed but validity is false";
  }
  SECTION("passed with an nmse above tolerance") {
    b.correctness->nmse = 1e-6;
    expect = "exceeds the tolerance";
  }
  SECTION("summary outside its own ci95") {
    summary(b, "latency/host/median").ci95 = std::make_pair(0.0050, 0.0060);
    expect = "outside its ci95";
  }
  SECTION("unimplemented without a reason") {
    r.benchmarks[1].reason.clear();
    where = "/benchmarks/1: ";
    expect = "state unimplemented needs a reason";
  }
  SECTION("duplicate id") {
    r.benchmarks.push_back(r.benchmarks[0]);
    where = "/benchmarks/2: ";
    expect = "is already used by /benchmarks/0";
  }
  SECTION("workload with no definition") {
    ojson abbreviated = {{"id", b.workload["id"]}, {"hash", b.workload["hash"]}};
    b.workload = abbreviated;
    expect = "no full definition";
  }

  const std::vector<std::string> problems = problems_of(r);
  INFO("expected " << where << "…" << expect << " in:\n" << joined(problems));
  // The problem is reported at its benchmark, in a line that names it.
  bool found = false;
  for (const std::string& p : problems)
    found = found || (p.rfind(where, 0) == 0 && p.find(expect) != std::string::npos);
  CHECK(found);
}

TEST_CASE("validate: the raw document's workload is the one checked") {
  RunResult r = test::fixture_run();
  nlohmann::json raw = nlohmann::json::parse(to_json(r).dump());
  raw["benchmarks"][1]["workload"]["batch"] = 2;  // the file differs from what was read
  const auto problems = validate_run(r, raw);
  REQUIRE_FALSE(problems.empty());
  CHECK_THAT(problems[0], Catch::StartsWith("/benchmarks/1: "));
}
