// The correctness comparison: error statistics on hand cases, per-precision tolerances and the
// verdict they give.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "harness/correctness.hpp"

using namespace infermark;

namespace {

HostTensor tensor(std::vector<int64_t> shape, std::vector<float> values) {
  HostTensor t;
  t.shape = std::move(shape);
  t.f32 = std::move(values);
  return t;
}

}  // namespace

TEST_CASE("identical outputs have zero error", "[correctness]") {
  const HostTensor a = tensor({2, 3}, {1, -2, 3, 0.5f, 0, -7});
  const ErrorStats e = compare_outputs(a, a);
  CHECK(e.shapes_match);
  CHECK(e.finite);
  CHECK(e.max_abs_err == 0);
  CHECK(e.max_rel_err == 0);
  CHECK(e.nmse == 0);
}

TEST_CASE("a known difference gives the hand-computed errors", "[correctness]") {
  // out − ref = (0, 0.5, 0, −1); Σd² = 1.25; Σref² = 1 + 4 + 9 + 16 = 30.
  const HostTensor ref = tensor({2, 2}, {1, 2, -3, 4});
  const HostTensor out = tensor({2, 2}, {1, 2.5f, -3, 3});
  const ErrorStats e = compare_outputs(out, ref);
  CHECK(e.shapes_match);
  CHECK(e.finite);
  CHECK(e.max_abs_err == Approx(1.0));
  CHECK(e.max_rel_err == Approx(0.25));  // 0.5/2 and 1/4: both 0.25
  CHECK(e.nmse == Approx(1.25 / 30));

  // Relative error near a zero reference uses the floor 1e-6 · max|ref| (here 1e-6 · 4).
  const HostTensor ref0 = tensor({3}, {0, 4, 1});
  const HostTensor out0 = tensor({3}, {1e-5f, 4, 1});
  const ErrorStats z = compare_outputs(out0, ref0);
  CHECK(z.max_rel_err == Approx(1e-5 / 4e-6).epsilon(1e-4));
  CHECK(std::isfinite(z.max_rel_err));
}

TEST_CASE("a shape mismatch fails whatever the values", "[correctness]") {
  const HostTensor ref = tensor({2, 2}, {1, 2, 3, 4});
  const HostTensor flat = tensor({4}, {1, 2, 3, 4});
  const ErrorStats e = compare_outputs(flat, ref);
  CHECK_FALSE(e.shapes_match);
  CHECK(std::isinf(e.nmse));
  Correctness c;
  apply_comparison(c, e, 1e30);
  CHECK(c.verdict == "fail");

  const ErrorStats shorter = compare_outputs(tensor({2, 2}, {1, 2, 3}), ref);
  CHECK_FALSE(shorter.shapes_match);
}

TEST_CASE("a NaN or infinite output fails", "[correctness]") {
  const HostTensor ref = tensor({4}, {1, 2, 3, 4});
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    INFO(bad);
    const ErrorStats e = compare_outputs(tensor({4}, {1, bad, 3, 4}), ref);
    CHECK_FALSE(e.finite);
    CHECK(std::isinf(e.nmse));
    Correctness c;
    apply_comparison(c, e, 1e30);
    CHECK(c.verdict == "fail");
  }
  // A NaN in the last element too (no early exit that would miss it).
  CHECK_FALSE(compare_outputs(tensor({4}, {1, 2, 3, std::nanf("")}), ref).finite);
}

TEST_CASE("tolerances loosen with the precision's mantissa", "[correctness]") {
  CHECK(nmse_tolerance(Precision::F32) > 0);
  CHECK(nmse_tolerance(Precision::F32) < nmse_tolerance(Precision::F16));
  CHECK(nmse_tolerance(Precision::F16) < nmse_tolerance(Precision::BF16));
  // bf16 keeps 8 mantissa bits: a relative rounding error of 2⁻⁹ per element (NMSE ≈ 4e-6)
  // must pass, and an error of 10% (NMSE 1e-2) must not.
  CHECK(nmse_tolerance(Precision::BF16) > std::pow(2.0, -18));
  CHECK(nmse_tolerance(Precision::BF16) < 1e-2);
  // f32 rounding (2⁻²⁴ relative, NMSE ≈ 3.6e-15) passes at f32.
  CHECK(nmse_tolerance(Precision::F32) > std::pow(2.0, -48));
}

TEST_CASE("apply_comparison fills the record and decides the verdict", "[correctness]") {
  const HostTensor ref = tensor({2, 2}, {1, 2, -3, 4});
  const HostTensor out = tensor({2, 2}, {1, 2.5f, -3, 3});
  const ErrorStats e = compare_outputs(out, ref);  // nmse 1.25/30 ≈ 0.0417

  Correctness pass;
  apply_comparison(pass, e, 0.05);
  CHECK(pass.verdict == "pass");
  CHECK(pass.nmse == e.nmse);
  CHECK(pass.max_abs_err == e.max_abs_err);
  CHECK(pass.max_rel_err == e.max_rel_err);
  CHECK(pass.tolerance_nmse == 0.05);

  Correctness fail;
  apply_comparison(fail, e, 0.04);
  CHECK(fail.verdict == "fail");
  CHECK(fail.tolerance_nmse == 0.04);

  Correctness exact;
  apply_comparison(exact, compare_outputs(ref, ref), 0);
  CHECK(exact.verdict == "pass");  // nmse 0 ≤ tolerance 0
}
