// Quantization done by infermark itself, deterministically, from a workload's float weights:
// int8 per output channel, int4w group-wise along K, int8 activations per token (issue 12).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "suites/graph.hpp"
#include "suites/tensor.hpp"

namespace infermark {

// int8 weights [N, K]: scale[n] = max_k |w[n,k]| / 127 (1 when the row is all zero),
// q = round-half-even(w / scale) clamped to [-127, 127]; w ≈ q · scale.
struct Int8Weights {
  int64_t n = 0, k = 0;
  std::vector<int8_t> q;      // [N, K] row-major
  std::vector<float> scales;  // [N]
};

// int4w weights [N, K], groups of G consecutive k in a row: scale[n, g] = max |w| / 7 over the
// group (1 when all zero), q = round-half-even(w / scale) clamped to [-7, 7]; w ≈ q · scale.
// Packing, two per byte: each run of 32 consecutive k of a row takes 16 bytes; byte j holds
// k = j in its low nibble and k = j + 16 in its high nibble, each stored as q + 8 (1 … 15).
struct Int4Weights {
  int64_t n = 0, k = 0;
  int group = 128;
  std::vector<uint8_t> packed;  // [N, K / 2]
  std::vector<float> scales;    // [N, K / G]

  int value(int64_t row, int64_t col) const;  // the stored q in [-7, 7]
};

Int8Weights quantize_int8(const float* w, int64_t n, int64_t k);
Int4Weights quantize_int4(const float* w, int64_t n, int64_t k, int group);
std::vector<float> dequantize(const Int8Weights& q);
std::vector<float> dequantize(const Int4Weights& q);

// One token's activations to int8: scale = max |x| / 127 (1 when all zero), q in [-127, 127].
// Returns the scale; the reference applies quantize → dequantize with exactly this rule.
float quantize_row_int8(const float* x, int64_t k, int8_t* q);
double quantize_dequantize_row_int8(double* x, int64_t k);  // in place; returns the scale

// The method text recorded in results (part of a quantized workload's hash).
std::string quantization_method(const Workload& w);

// The weight tensors a quantized workload stores quantized: the weight input of every MatMul.
std::vector<std::string> quantized_weight_names(const Graph& g);

// Replaces each quantized weight in `set` by its dequantized values, so every backend (and the
// reference, in f64) computes the same quantized model; a no-op for float precisions.
void apply_weight_quantization(const Graph& g, TensorSet& set);

// Storage bytes of a quantized [N, K] weight: values plus f32 scales.
int64_t quantized_weight_bytes(const Workload& w, int64_t n, int64_t k);

}  // namespace infermark
