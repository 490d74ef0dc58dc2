// The CPU backends' allocation records (issue 14) on the tiny models: every weight is held at
// least once and at most 1.5× over (reordered layouts, f32 biases and norms, a tied table held
// by both the gather and the LM head), the KV cache exactly, by the reference in f64.
#include <catch2/catch.hpp>

#include <iostream>

#include "backends/registry.hpp"
#include "config.hpp"
#include "harness/constants.hpp"
#include "harness/memory_summaries.hpp"
#include "suites/cost_model.hpp"
#include "suites/graph.hpp"
#include "support/tiny_models.hpp"

using namespace infermark;

namespace {

std::vector<Workload> tiny_workloads(Precision p) {
  return {testing::tiny_workload("tiny-bert", Phase::Encode, 2, 16, 0, p),
          testing::tiny_workload("tiny-gpt2", Phase::Decode, 2, 1, 31, p),
          testing::tiny_workload("tiny-llama", Phase::Prefill, 2, 16, 0, p)};
}

}  // namespace

TEST_CASE("reference allocations: weights and KV cache exactly in f64", "[memory]") {
  auto b = make_backend("reference");
  const DeviceInfo dev = b->devices().at(0);
  for (const Workload& w : tiny_workloads(Precision::F32)) {
    INFO(w.id());
    const Graph g = lower(w);
    const MemoryCost m = memory_cost(g);
    const MemoryUsage u = b->compile(g, make_constants(g, 1, ""), dev, {})->memory_usage();
    REQUIRE(u.measured);
    CHECK(u.weights == m.weight_elems * 8);
    CHECK(u.kv_cache == m.kv_elems * 8);
    CHECK(u.activations == m.activation_elems * 8 + m.id_bytes);
    CHECK(memory_mismatches(m, b->limits(dev), u).empty());
  }
}

#if INFERMARK_HAS_ONEDNN
TEST_CASE("onednn allocations: every weight held at least once, the KV cache exactly", "[memory]") {
  auto b = make_backend("onednn");
  const DeviceInfo dev = b->devices().at(0);
  for (Precision p : {Precision::F32, Precision::BF16}) {
    for (const Workload& w : tiny_workloads(p)) {
      if (!b->supports(w).ok) {
        WARN(w.id() << ": " << b->supports(w).reason);
        continue;
      }
      INFO(w.id());
      const Graph g = lower(w);
      const MemoryCost m = memory_cost(g);
      const MemoryUsage u = b->compile(g, make_constants(g, 1, ""), dev, {1})->memory_usage();
      REQUIRE(u.measured);
      CHECK(u.weights >= m.weights_bytes());
      CHECK(double(u.weights) <= kMemoryMismatchRatio * double(m.weights_bytes()));
      CHECK(u.kv_cache == m.kv_cache_bytes());
      CHECK(u.activations > 0);
      CHECK(memory_mismatches(m, b->limits(dev), u).empty());
    }
  }
}
#else
TEST_CASE("onednn allocations", "[memory]") {
  std::cout << "skipped: " << INFERMARK_ONEDNN_STATUS << std::endl;
  std::exit(77);
}
#endif
