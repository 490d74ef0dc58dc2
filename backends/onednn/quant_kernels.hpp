// The onednn backend's own quantized kernels: dynamic per-token int8 quantization of activations
// (before oneDNN's s8 matmul) and the int4 weight-only matmul that oneDNN 2.6 does not have.
#pragma once

#include <cstdint>
#include <string>

namespace infermark::onednn {

// Rows of a [M, K] f32 matrix to int8 with one scale per row, by suites/quantize.hpp's rule
// (scale = max|x|/127, round half to even). OpenMP over rows; AVX-512 where the CPU has it.
// Row r of q starts at q + r · ldq (ldq ≥ k; columns k … ldq−1 are left as they are).
void quantize_rows_int8(const float* a, int64_t m, int64_t k, int8_t* q, int64_t ldq,
                        float* scales);
// The same from bf16 rows (bf16 bit patterns), without an f32 copy. Only where
// quant_kernel_isa() is "avx512"; elsewhere convert to f32 and use the function above.
void quantize_rows_int8_bf16(const uint16_t* a, int64_t m, int64_t k, int8_t* q, int64_t ldq,
                             float* scales);

// out[m, n] = Σ_k a[m, k] · w[n, k] with w in suites/quantize.hpp's packed int4 layout
// (Int4Weights: [N, K/2] bytes, [N, K/G] f32 scales). a and out are f32. OpenMP over N.
void int4w_matmul(const float* a, int64_t m, int64_t k, const uint8_t* packed,
                  const float* scales, int64_t n, int group, float* out);

// The same with bf16 activations (bit patterns), multiplied as bf16 pairs by AVX512-BF16's
// dot product (exact products, f32 sums). Only where int4w_bf16_available(group).
// `scratch` holds m·k bf16: a, rearranged once per call so the kernel's loads need no shuffles.
void int4w_matmul_bf16(const uint16_t* a, int64_t m, int64_t k, const uint8_t* packed,
                       const float* scales, int64_t n, int group, float* out, uint16_t* scratch);
bool int4w_bf16_available(int group);  // AVX512-BF16 present and group a multiple of 64

// Rows n0 … n0+rows−1 of packed int4 weights dequantized (q · group scale) into out [rows, K]:
// bf16 bit patterns (round to nearest even) or f32. For prefill, where a GEMM over dequantized
// blocks beats M passes of the GEMV kernel. OpenMP over rows; AVX-512 where the CPU has it.
void dequantize_int4_rows(const uint8_t* packed, const float* scales, int64_t k, int group,
                          int64_t n0, int64_t rows, void* out, bool bf16);

// The int8 matmul's epilogue: out[i, j] = acc[i, j] · row_scale[i] (+ bias[j]), then each op in
// order: an activation, or a term added or multiplied elementwise; out and the terms are f32 or
// bf16 ([m, n], dense). Activations use the exact formulas of suites/graph.hpp (erf, tanh, exp
// evaluated to ~1e-7 relative in the AVX-512 path, std:: functions in the portable one).
struct EpilogueOp {
  enum Kind { Add, Mul, GeluErf, GeluTanh, Silu } kind = Add;
  const void* src = nullptr;  // Add, Mul
  bool bf16 = false;
};
void int8_epilogue(const float* acc, int64_t m, int64_t n, const float* row_scales,
                   const float* bias, const EpilogueOp* ops, int nops, void* out, bool out_bf16);

// Which code path the kernels above take on this CPU ("avx512" or "portable").
std::string quant_kernel_isa();

}  // namespace infermark::onednn
