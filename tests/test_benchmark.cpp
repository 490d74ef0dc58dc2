// One benchmark in process on the reference backend: state, correctness record (self, reduced),
// samples and summaries, and an injected fault ending in state failed with its reason.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "harness/benchmark.hpp"

using namespace infermark;
using Catch::Matchers::Contains;

namespace {

ModelConfig tiny_decoder(int layers) {
  ModelConfig m = builtin_models().at("llama-1.1b");
  m.name = "tiny-bench";
  m.hidden = 32;
  m.heads = 4;
  m.kv_heads = 2;
  m.head_dim = 8;
  m.ffn = 48;
  m.layers = layers;
  m.vocab = 64;
  m.max_seq = 64;
  return m;
}

BenchmarkSpec spec_for(int layers) {
  BenchmarkSpec s;
  s.workload.model = tiny_decoder(layers);
  s.workload.phase = Phase::Decode;
  s.workload.batch = 2;
  s.workload.seq = 1;
  s.workload.context = 7;
  s.workload.precision = Precision::F32;
  s.workload.layers = layers;
  s.backend = "reference";
  s.device = "cpu0";
  s.threads = 1;
  s.settings.warmup_s = 0.005;
  s.settings.min_time_s = 0.02;
  s.settings.max_time_s = 0.3;
  s.settings.min_iterations = 5;
  s.settings.target_ci = 0.5;
  s.settings.seed = 42;
  s.settings.correctness_budget_s = 60;
  return s;  // cache_dir empty: nothing written to disk
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Sets an environment variable for one scope.
struct ScopedEnv {
  std::string name;
  ScopedEnv(std::string n, const std::string& value) : name(std::move(n)) {
    setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() { unsetenv(name.c_str()); }
};

}  // namespace

TEST_CASE("a reference benchmark checks itself and summarises its samples", "[benchmark]") {
  const BenchmarkSpec spec = spec_for(2);
  const BenchmarkResult r = run_benchmark(spec);
  INFO(r.reason);
  CHECK((r.state == State::Passed || r.state == State::Mistrusted));
  CHECK(r.id == spec.workload.id() + "@reference:cpu0");
  CHECK(r.backend == "reference");
  CHECK(r.device == "cpu0");

  REQUIRE(r.correctness);
  CHECK(r.correctness->verdict == "pass");
  CHECK(r.correctness->checked == "self");
  CHECK(r.correctness->checked_layers == 2);
  CHECK(r.correctness->nmse == 0);  // the reference against itself, same weights and inputs
  CHECK(r.correctness->rechecked_after_timing);
  CHECK_THAT(r.correctness->recheck, Catch::Matchers::StartsWith("pass"));

  REQUIRE_FALSE(r.host_samples.empty());
  for (double t : r.host_samples) CHECK(t > 0);
  const Summary* med = find_summary(r, "latency/host/median");
  REQUIRE(med);
  CHECK(med->unit == "s");
  CHECK(med->value == Approx(median(r.host_samples)).epsilon(1e-12));
  REQUIRE(med->ci95);
  CHECK(med->ci95->first <= med->value);
  CHECK(med->ci95->second >= med->value);
  const Summary* tps = find_summary(r, "throughput/tokens_per_s");
  REQUIRE(tps);
  CHECK(tps->value == Approx(2 / median(r.host_samples)));  // batch 2 × seq 1 tokens
  CHECK_FALSE(find_summary(r, "latency/device/median"));    // the reference has no device timer

  REQUIRE(r.validity);
  CHECK(r.validity->samples == int64_t(r.host_samples.size()));
  CHECK(r.validity->valid == (r.state == State::Passed));
  CHECK(r.workload.at("id") == spec.workload.id());
  CHECK(r.workload.at("hash") == spec.workload.hash());
  CHECK(r.workload.at("weights") == "synthetic:seed=42");
  CHECK(r.workload.at("flops").get<int64_t>() > 0);
}

TEST_CASE("one timed sample gives no confidence interval, and the reason says so", "[benchmark]") {
  BenchmarkSpec spec = spec_for(1);
  spec.settings.warmup_s = 1e-9;
  spec.settings.min_time_s = 1e-9;
  spec.settings.max_time_s = 1e-9;  // the first timed inference already exceeds it
  spec.settings.min_iterations = 1;
  const BenchmarkResult r = run_benchmark(spec);
  REQUIRE(r.validity);
  CHECK(r.host_samples.size() == 1);
  CHECK(r.state == State::Mistrusted);
  CHECK(std::isnan(r.validity->rel_ci95_half_width));  // not ±0%: there is no interval
  REQUIRE(r.validity->reasons.size() == 1);
  CHECK_THAT(r.validity->reasons[0], Contains("only 1 timed sample before max_time stopped timing"));
  CHECK_THAT(r.reason, Contains("too few for a 95% CI"));
}

TEST_CASE("a workload over the correctness budget is checked on fewer layers", "[benchmark]") {
  BenchmarkSpec spec = spec_for(3);
  spec.settings.correctness_budget_s = 1e-9;
  const BenchmarkResult r = run_benchmark(spec);
  INFO(r.reason);
  REQUIRE(r.correctness);
  CHECK(r.correctness->checked == "reduced");
  CHECK(r.correctness->checked_layers >= 1);
  CHECK(r.correctness->checked_layers < 3);
  CHECK(r.correctness->verdict == "pass");
  CHECK((r.state == State::Passed || r.state == State::Mistrusted));
  // The full-depth output is still re-checked after timing, against its own first output.
  CHECK_THAT(r.correctness->recheck, Contains("before timing"));
  CHECK_THAT(r.correctness->recheck, Catch::Matchers::StartsWith("pass"));
}

TEST_CASE("an injected fault ends the benchmark failed with the reason", "[benchmark]") {
  const BenchmarkSpec spec = spec_for(1);
  {
    ScopedEnv fault("INFERMARK_TEST_FAULT", "throw:^tiny-bench/decode");
    const BenchmarkResult r = run_benchmark(spec);
    CHECK(r.state == State::Failed);
    CHECK_THAT(r.reason, Contains("injected fault"));
    CHECK(r.host_samples.empty());
    CHECK(r.id == spec.id());
  }
  {
    // A fault for another benchmark leaves this one alone.
    ScopedEnv fault("INFERMARK_TEST_FAULT", "throw:^bert-base/");
    const BenchmarkResult r = run_benchmark(spec);
    INFO(r.reason);
    CHECK(r.state != State::Failed);
  }
}
