// Where the time goes: layer-index folding of op names, per-op device times from a backend with
// op timers (Vulkan on lavapipe) and the GEMM floor measured by oneDNN, on real tiny workloads.
#include <catch2/catch.hpp>

#include <set>

#include "backends/registry.hpp"
#include "harness/breakdown.hpp"
#include "harness/constants.hpp"
#include "suites/tensor_names.hpp"
#include "support/tiny_models.hpp"

using namespace infermark;

TEST_CASE("without_layer_index folds every layer prefix and nothing else", "[breakdown]") {
  CHECK(names::without_layer_index("layer.3.attn.q") == "attn.q");
  CHECK(names::without_layer_index("layer.12.up+layer.12.up_act") == "up+up_act");
  CHECK(names::without_layer_index("embed") == "embed");
  CHECK(names::without_layer_index("final_norm") == "final_norm");
  CHECK(names::without_layer_index("layer.x.attn") == "layer.x.attn");   // not an index
  CHECK(names::without_layer_index("mylayer.3.q") == "mylayer.3.q");     // not a prefix
  CHECK(names::without_layer_index("layer.7") == "layer.7");             // nothing after it
}

namespace {

// The first device of a registered backend, or nullptr when it is not built or has none here.
std::unique_ptr<Executable> compile_on(const std::string& backend_name, const Workload& w) {
  for (const auto& entry : backend_registry()) {
    if (entry.name != backend_name) continue;
    auto backend = entry.make();
    const auto devices = backend->devices();
    if (devices.empty() || !backend->supports(w).ok) return nullptr;
    const Graph g = lower(w);
    return backend->compile(g, make_constants(g, 1, ""), devices.front(), {1});
  }
  return nullptr;
}

std::set<std::string> folded_op_names(const Workload& w) {
  std::set<std::string> out;
  for (const auto& op : lower(w).ops) out.insert(names::without_layer_index(op.name));
  return out;
}

}  // namespace

TEST_CASE("backends with op timers get one breakdown summary per op, summed over layers",
          "[breakdown]") {
  Workload one = testing::tiny_workload("tiny-llama", Phase::Decode, 1, 1, 8);
  Workload two = one;
  one.layers = 1;
  two.layers = 2;
  auto exe1 = compile_on("vulkan", one);
  auto exe2 = compile_on("vulkan", two);
  if (!exe1 || !exe2) {
    WARN("vulkan has no device here: per-op breakdown not exercised");
    return;
  }
  const auto ops1 = median_op_seconds(*exe1, 3);
  const auto ops2 = median_op_seconds(*exe2, 3);
  REQUIRE(!ops1.empty());
  CHECK(ops1.size() == ops2.size());  // layers fold into the same names
  const auto known = folded_op_names(one);
  for (const auto& [op, s] : ops2) {
    INFO(op);
    CHECK(known.count(op) == 1);
    CHECK(s > 0);
  }
  const auto summaries = breakdown_summaries(*exe2, 1e-3);
  size_t per_op = 0;
  for (const auto& s : summaries)
    if (s.tag.rfind("breakdown/op/", 0) == 0) {
      ++per_op;
      CHECK(s.unit == "s");
      CHECK(s.per == "inference");
    }
  CHECK(per_op == ops2.size());
}

TEST_CASE("oneDNN measures its GEMMs alone, giving the GEMM-floor ratio", "[breakdown]") {
  const Workload w = testing::tiny_workload("tiny-bert", Phase::Encode, 1, 16, 0);
  auto exe = compile_on("onednn", w);
  if (!exe) {
    WARN("onednn not built here: GEMM floor not exercised");
    return;
  }
  const auto summaries = breakdown_summaries(*exe, 1e-3);
  const Summary* gemms = nullptr;
  const Summary* ratio = nullptr;
  int steps = 0;
  for (const auto& s : summaries) {
    if (s.tag == "breakdown/gemms_alone") gemms = &s;
    if (s.tag == "compute/gemm_floor_ratio") ratio = &s;
    if (s.tag.rfind("breakdown/step/", 0) == 0) ++steps;
  }
  REQUIRE(gemms);
  REQUIRE(ratio);
  CHECK(gemms->value > 0);
  // Measured in back-to-back pairs by the backend, not from the median passed in: a whole
  // inference takes at least its GEMMs (up to timer noise on these microsecond-scale runs).
  CHECK(ratio->value != Approx(1e-3 / gemms->value));
  CHECK(ratio->value > 0.5);
  CHECK_THAT(ratio->description, Catch::Contains("pairs"));
  CHECK(steps > 0);
  for (const auto& s : summaries) CHECK(s.tag.find("layer.") == std::string::npos);
}
