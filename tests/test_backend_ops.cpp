// Every registered backend, on every device it has, against the reference backend on the shared
// op cases (tests/support/backend_op_cases.hpp): output shape, NMSE, and a second run.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "backends/registry.hpp"
#include "support/backend_op_cases.hpp"

using namespace infermark;
using infermark::testing::backend_op_cases;

namespace {

// Normalised mean squared error of `got` against `want`: Σ(w − g)² / Σw².
double nmse(const HostTensor& want, const HostTensor& got) {
  double err = 0, ref = 0;
  for (size_t i = 0; i < want.f32.size(); ++i) {
    const double d = double(want.f32[i]) - double(got.f32[i]);
    err += d * d;
    ref += double(want.f32[i]) * double(want.f32[i]);
  }
  return err / std::max(ref, 1e-300);
}

// Largest NMSE accepted per backend precision. The reference checks itself at 1e-10 (it should be
// exact); the others are starting points from each format's unit roundoff (f32 ≈ 6e-8, f16 ≈ 5e-4,
// bf16 ≈ 4e-3) squared and widened for accumulation, to be tightened as backends land.
double tolerance(std::string_view backend, Precision p) {
  if (backend == "reference") return 1e-10;
  switch (p) {
    case Precision::F32: return 1e-8;
    case Precision::F16: return 1e-4;
    case Precision::BF16: return 1e-3;
    case Precision::Int8:  // quantized cases are checked in test_quant_onednn.cpp
    case Precision::Int4W: return 0;
  }
  return 0;
}

HostTensor reference_output(const testing::OpCase& c) {
  auto ref = make_backend("reference");
  auto exe = ref->compile(c.graph, c.constants, ref->devices().at(0), {});
  exe->run();
  exe->sync();
  return exe->output();
}

}  // namespace

TEST_CASE("the shared op cases cover every op kind with unique names", "[backend_ops]") {
  std::set<OpKind> kinds;
  std::set<std::string> names;
  for (const auto& c : backend_op_cases()) {
    INFO(c.name);
    CHECK(names.insert(c.name).second);
    for (const auto& op : c.graph.ops) kinds.insert(op.kind);
  }
  for (int k = int(OpKind::Embedding); k <= int(OpKind::LastToken); ++k) {
    INFO("op kind " << to_string(OpKind(k)));
    CHECK(kinds.count(OpKind(k)) == 1);
  }
}

TEST_CASE("every backend matches the reference on the shared op cases", "[backend_ops]") {
  const auto cases = backend_op_cases();
  std::vector<HostTensor> expected;
  for (const auto& c : cases) expected.push_back(reference_output(c));

  for (const auto& entry : backend_registry()) {
    auto backend = entry.make();
    const auto devices = backend->devices();
    if (devices.empty()) {
      WARN("backend " << entry.name << " has no device: " << backend->unavailable_reason());
      continue;
    }
    for (const auto& device : devices) {
      int checked = 0;
      for (size_t i = 0; i < cases.size(); ++i) {
        const auto& c = cases[i];
        if (!backend->supports(c.graph.workload).ok) continue;
        INFO("backend " << entry.name << ", device " << device.id << ", case " << c.name);
        auto exe = backend->compile(c.graph, c.constants, device, {});
        // Run twice: the second run must not depend on state the first one left (KV cache).
        for (int run = 0; run < 2; ++run) {
          INFO("run " << run + 1);
          exe->run();
          exe->sync();
          const HostTensor got = exe->output();
          REQUIRE(got.shape == expected[i].shape);
          REQUIRE(got.f32.size() == expected[i].f32.size());
          CHECK(nmse(expected[i], got) <= tolerance(entry.name, c.graph.workload.precision));
        }
        ++checked;
      }
      if (checked == 0) WARN("backend " << entry.name << " supports none of the op cases");
    }
  }
}
