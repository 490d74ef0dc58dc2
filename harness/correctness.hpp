// The correctness pass: a backend's output against the reference backend's, with errors and a
// verdict by a per-precision NMSE tolerance (as ggml's test-backend-ops, loosened for bf16/f16).
#pragma once

#include <string>

#include "results/model/result.hpp"
#include "suites/tensor.hpp"
#include "suites/workload.hpp"

namespace infermark {

struct ErrorStats {
  double max_abs_err = 0;
  double max_rel_err = 0;  // relative to max(|ref|, 1e-6 · max|ref|), so zeros don't explode it
  double nmse = 0;         // Σ(a − b)² / Σb²
  bool shapes_match = true;
  bool finite = true;      // every element of the output is finite
};

ErrorStats compare_outputs(const HostTensor& out, const HostTensor& ref);

// NMSE a backend may reach at this precision and still pass.
double nmse_tolerance(Precision p);

// Fills verdict and error fields of a Correctness record from a comparison.
void apply_comparison(Correctness& c, const ErrorStats& e, double tolerance);

}  // namespace infermark
