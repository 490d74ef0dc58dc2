// Quantization error of a quantized workload: its reference (f64 on the dequantized model) against
// the float reference of the same workload. Reported next to the kernel error, never a failure.
#pragma once

#include <vector>

#include "harness/benchmark_spec.hpp"
#include "results/model/result.hpp"
#include "suites/tensor.hpp"

namespace infermark {

struct QuantizationReport {
  ojson block = ojson::object();  // empty for float precisions
  std::vector<Summary> summaries;
};

// Fraction of rows of two [rows, vocab] logit matrices whose argmax agrees (ties: first index).
double top1_agreement(const HostTensor& a, const HostTensor& b);

// For `spec.workload` run at `layers` layers (what the correctness pass checked): NMSE and max abs
// error of the quantized reference vs the float one, and for decoders (whose output is the
// last position's logits through the LM head) the top-1 agreement over the batch's sequences.
QuantizationReport quantization_error(const BenchmarkSpec& spec, int layers,
                                      const std::string& weights_id);

}  // namespace infermark
