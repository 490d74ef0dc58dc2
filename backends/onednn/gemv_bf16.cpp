#include "backends/onednn/gemv_bf16.hpp"

// The AVX-512 intrinsics' headers set off -Wuninitialized at every inlined reduction (GCC bug
// 105593, as quant_kernels.cpp notes); the values are never read.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <bit>

#include "backends/onednn/matmul_quantized.hpp"
#include "backends/onednn/quant_kernels.hpp"

#define IM_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,fma")))

namespace infermark::onednn {
namespace {

// R rows of a against one weight row, 32 k per vdpbf16ps, two accumulators per row so that
// consecutive dot products do not wait on each other; the tail (k % 32) in f32 scalars.
template <int R>
IM_AVX512_BF16 void rows_dot(const uint16_t* a, int64_t k, const uint16_t* w, float* out,
                             int64_t ldo) {
  __m512 acc[R][2];
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= k; i += 64) {
    // The weight rows are contiguous: ask for the bytes 2 KiB ahead, into the next rows.
    _mm_prefetch(reinterpret_cast<const char*>(w + i) + 2048, _MM_HINT_T0);
    const __m512bh w0 = (__m512bh)_mm512_loadu_si512(w + i);
    const __m512bh w1 = (__m512bh)_mm512_loadu_si512(w + i + 32);
    for (int r = 0; r < R; ++r) {
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], (__m512bh)_mm512_loadu_si512(a + r * k + i), w0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], (__m512bh)_mm512_loadu_si512(a + r * k + i + 32), w1);
    }
  }
  for (; i + 32 <= k; i += 32) {
    const __m512bh w0 = (__m512bh)_mm512_loadu_si512(w + i);
    for (int r = 0; r < R; ++r)
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], (__m512bh)_mm512_loadu_si512(a + r * k + i), w0);
  }
  auto f = [](uint16_t b) { return std::bit_cast<float>(uint32_t(b) << 16); };
  for (int r = 0; r < R; ++r) {
    float s = _mm512_reduce_add_ps(_mm512_add_ps(acc[r][0], acc[r][1]));
    for (int64_t j = i; j < k; ++j) s += f(a[r * k + j]) * f(w[j]);
    out[r * ldo] = s;
  }
}

class GemvBf16Step : public Step {
 public:
  GemvBf16Step(int64_t m, int64_t k, int64_t n, Tensor& a, Tensor& out, AlignedBuffer w,
               std::vector<float> bias, std::vector<EpilogueOp> ops)
      : m_(m), k_(k), n_(n), a_(a), out_(out), w_(std::move(w)), bias_(std::move(bias)),
        ops_(std::move(ops)), ones_(size_t(m), 1.0f), acc_(size_t(m * n) * sizeof(float)) {}
  void run(dnnl::stream&) override {
    gemv();
    int8_epilogue(static_cast<const float*>(acc_.data()), m_, n_, ones_.data(),
                  bias_.empty() ? nullptr : bias_.data(), ops_.data(), int(ops_.size()),
                  out_.data(), true);
  }
  bool run_gemms(dnnl::stream&) override {
    gemv();
    return true;
  }
  size_t acc_bytes() const { return acc_.bytes(); }

 private:
  void gemv() {
    gemv_bf16(a_.as<uint16_t>(), m_, k_, static_cast<const uint16_t*>(w_.data()), n_,
              static_cast<float*>(acc_.data()));
  }
  int64_t m_, k_, n_;
  Tensor& a_;
  Tensor& out_;
  AlignedBuffer w_;  // [N, K] bf16
  std::vector<float> bias_;
  std::vector<EpilogueOp> ops_;
  std::vector<float> ones_;  // the epilogue's row scales
  AlignedBuffer acc_;        // [M, N] f32
};

}  // namespace

bool gemv_bf16_available() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                          __builtin_cpu_supports("avx512bf16");
  return yes;
}

IM_AVX512_BF16 void gemv_bf16(const uint16_t* a, int64_t m, int64_t k, const uint16_t* w,
                              int64_t n, float* out) {
#pragma omp parallel for schedule(static)
  for (int64_t j = 0; j < n; ++j) {
    const uint16_t* row = w + j * k;
    switch (m) {
      case 1: rows_dot<1>(a, k, row, out + j, n); break;
      case 2: rows_dot<2>(a, k, row, out + j, n); break;
      case 3: rows_dot<3>(a, k, row, out + j, n); break;
      default: rows_dot<4>(a, k, row, out + j, n); break;
    }
  }
}

std::unique_ptr<Step> make_gemv_bf16_step(const PlannedStep& planned, BuildEnv& env) {
  const Op& op = *planned.op;
  TensorTable& tt = env.tensors;
  Tensor& a = tt.get(op.inputs[0]);
  Tensor& out = tt.get(planned.output);
  const int64_t m = a.rows(), k = a.cols(), n = tt.desc(op.inputs[1]).shape[0];
  const HostTensor& wh = tt.host(op.inputs[1]);
  AlignedBuffer w(size_t(n * k) * sizeof(uint16_t));
  convert_from_f32(wh.f32.data(), dt::bf16, w.data(), size_t(n * k));  // round to nearest even
  tt.note_weights(w.bytes());
  std::vector<float> bias;
  if (op.inputs.size() == 3) {
    const HostTensor& b = tt.host(op.inputs[2]);
    bias.assign(b.f32.begin(), b.f32.begin() + n);
    tt.note_weights(bias.size() * sizeof(float));
  }
  std::string pattern = bias.empty() ? "gemv_bf16" : "gemv_bf16+bias";
  for (const PostOp& p : planned.post_ops) pattern.append("+").append(to_string(p.kind));
  env.record.own_kernel("gemv_bf16_avx512");
  env.record.fusion(pattern);
  auto step = std::make_unique<GemvBf16Step>(m, k, n, a, out, std::move(w), std::move(bias),
                                             epilogue_ops(planned, tt));
  tt.note_workspace(step->acc_bytes());
  return step;
}

}  // namespace infermark::onednn
