#include "backends/onednn/quant_kernels.hpp"

// GCC 12's AVX-512 headers build some results from self-initialised "undefined" vectors, which
// -Wuninitialized reports at every inlined use (GCC bug 105593); the values are never read.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <array>
#include <type_traits>
#include <bit>
#include <cmath>

#include "common/error.hpp"
#include "suites/quantize.hpp"

namespace infermark::onednn {
namespace {

// The build targets baseline x86-64; the AVX-512 paths are compiled for it alone and chosen at
// run time, so one binary runs everywhere and uses what the CPU has.
#define IM_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))

bool have_avx512() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  return yes;
}

IM_AVX512 inline __m512 load_bf16(const uint16_t* p) {
  const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

IM_AVX512 inline __m512 load16(const float* p) { return _mm512_loadu_ps(p); }
IM_AVX512 inline __m512 load16(const uint16_t* p) { return load_bf16(p); }
inline float scalar_at(const float* p, int64_t i) { return p[i]; }
inline float scalar_at(const uint16_t* p, int64_t i) { return std::bit_cast<float>(uint32_t(p[i]) << 16); }

// One token row to int8 by the canonical rule (suites/quantize.hpp): round-half-even(x / s). A
// division per element is the slow part (vdivps), so each vector multiplies by 1/s instead and
// only redoes, with the division, a vector in which some x · (1/s) lies within 2^-12 of a
// rounding tie: for |x / s| ≤ 127 the product is within ~2e-5 of the true quotient, so anywhere
// else both round to the same integer and the result stays exactly the canonical one.
template <class T>
IM_AVX512 void quantize_row_avx512(const T* x, int64_t k, int8_t* q, float* scale) {
  // Four running maxima: one would make every vmaxps wait for the previous one.
  __m512 mx[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
  int64_t i = 0;
  for (; i + 64 <= k; i += 64)
    for (int u = 0; u < 4; ++u) mx[u] = _mm512_max_ps(mx[u], _mm512_abs_ps(load16(x + i + 16 * u)));
  for (; i + 16 <= k; i += 16) mx[0] = _mm512_max_ps(mx[0], _mm512_abs_ps(load16(x + i)));
  float m = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(mx[0], mx[1]), _mm512_max_ps(mx[2], mx[3])));
  for (int64_t j = i; j < k; ++j) m = std::max(m, std::fabs(scalar_at(x, j)));
  const float s = m > 0 ? m / 127.0f : 1.0f;
  *scale = s;
  const __m512 sv = _mm512_set1_ps(s), inv = _mm512_set1_ps(1.0f / s);
  const __m512 half = _mm512_set1_ps(0.5f), near = _mm512_set1_ps(1.0f / 4096);
  const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127);
  for (i = 0; i + 16 <= k; i += 16) {
    const __m512 v = load16(x + i);
    __m512 y = _mm512_mul_ps(v, inv);
    // Distance of y's fraction from one half: |(y − trunc(y)) | − ½|.
    const __m512 frac = _mm512_abs_ps(_mm512_sub_ps(y, _mm512_roundscale_ps(y, _MM_FROUND_TO_ZERO)));
    if (_mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_sub_ps(frac, half)), near, _CMP_LT_OQ))
      y = _mm512_div_ps(v, sv);
    __m512i r = _mm512_cvtps_epi32(y);  // round half to even: the default MXCSR mode
    r = _mm512_min_epi32(_mm512_max_epi32(r, lo), hi);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), _mm512_cvtsepi32_epi8(r));
  }
  for (; i < k; ++i) q[i] = int8_t(std::clamp(std::nearbyint(scalar_at(x, i) / s), -127.0f, 127.0f));
}

// R rows of a (stride lda) against one packed int4 row: out[r · ldo] for r < R.
template <int R>
IM_AVX512 void int4_rows_avx512(const float* a, int64_t lda, int64_t k, const uint8_t* row,
                                const float* sc, int group, float* out, int64_t ldo) {
  __m512 total[R];
  for (int r = 0; r < R; ++r) total[r] = _mm512_setzero_ps();
  const __m128i nibble = _mm_set1_epi8(0x0f);
  const __m512 eight = _mm512_set1_ps(8.0f);
  const int64_t groups = k / group;
  for (int64_t g = 0; g < groups; ++g) {
    __m512 acc[R];
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
    for (int64_t b = 0; b < group; b += 32) {
      const int64_t k0 = g * group + b;
      // 16 bytes hold k0 … k0+15 in their low nibbles and k0+16 … k0+31 in their high ones.
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + k0 / 2));
      const __m128i lo = _mm_and_si128(bytes, nibble);
      const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), nibble);
      const __m512 wlo = _mm512_sub_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(lo)), eight);
      const __m512 whi = _mm512_sub_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(hi)), eight);
      for (int r = 0; r < R; ++r) {
        acc[r] = _mm512_fmadd_ps(_mm512_loadu_ps(a + r * lda + k0), wlo, acc[r]);
        acc[r] = _mm512_fmadd_ps(_mm512_loadu_ps(a + r * lda + k0 + 16), whi, acc[r]);
      }
    }
    const __m512 s = _mm512_set1_ps(sc[g]);
    for (int r = 0; r < R; ++r) total[r] = _mm512_fmadd_ps(acc[r], s, total[r]);
  }
  for (int r = 0; r < R; ++r) out[r * ldo] = _mm512_reduce_add_ps(total[r]);
}

#define IM_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,fma")))

bool have_avx512_bf16() {
  static const bool yes = have_avx512() && __builtin_cpu_supports("avx512bf16");
  return yes;
}

// Each 64 consecutive k of a row in the order the unpacked nibbles come out of a 32-byte load:
// k+0…15, k+32…47, k+16…31, k+48…63.
void shuffle_for_bf16(const uint16_t* a, int64_t m, int64_t k, uint16_t* out) {
  for (int64_t r = 0; r < m; ++r)
    for (int64_t k0 = 0; k0 < k; k0 += 64) {
      const uint16_t* src = a + r * k + k0;
      uint16_t* dst = out + r * k + k0;
      for (int i = 0; i < 16; ++i) {
        dst[i] = src[i];
        dst[16 + i] = src[32 + i];
        dst[32 + i] = src[16 + i];
        dst[48 + i] = src[48 + i];
      }
    }
}

// bf16 bit patterns of q = nibble − 8 (exact small integers), for vpermw; built at compile time
// so the per-row kernel does not rebuild it.
constexpr std::array<uint16_t, 32> nibble_bf16_table() {
  std::array<uint16_t, 32> t{};
  for (int i = 0; i < 32; ++i) t[size_t(i)] = uint16_t(std::bit_cast<uint32_t>(float(i % 16 - 8)) >> 16);
  return t;
}
alignas(64) constexpr std::array<uint16_t, 32> kNibbleBf16 = nibble_bf16_table();

// Rows of a in blocks of four, then the one to three left, as kernel(rows, first row) with rows
// a compile-time constant: the kernels unpack each packed weight once per block.
template <class Kernel>
void for_row_blocks(int64_t m, Kernel&& kernel) {
  int64_t r = 0;
  for (; r + 4 <= m; r += 4) kernel(std::integral_constant<int, 4>{}, r);
  switch (m - r) {
    case 3: kernel(std::integral_constant<int, 3>{}, r); break;
    case 2: kernel(std::integral_constant<int, 2>{}, r); break;
    case 1: kernel(std::integral_constant<int, 1>{}, r); break;
    default: break;
  }
}

// How far ahead of its loads the int4 kernel asks for packed weights (the rows are contiguous,
// so this runs into the next rows' bytes).
constexpr int64_t kPrefetchBytes = 2048;

// R bf16 rows of a against one packed int4 row, 64 weights (two 32-blocks) per step: the nibbles
// become bf16 through a 16-entry table (exact: -8 … 7), then vdpbf16ps multiplies pairs.
template <int R>
IM_AVX512_BF16 void int4_rows_bf16(const uint16_t* a, int64_t lda, int64_t k, const uint8_t* row,
                                   const float* sc, int group, float* out, int64_t ldo) {
  const __m512i table = _mm512_load_si512(kNibbleBf16.data());
  const __m512i nibble = _mm512_set1_epi16(0x0f);
  __m512 total[R];
  for (int r = 0; r < R; ++r) total[r] = _mm512_setzero_ps();
  const int64_t groups = k / group;
  for (int64_t g = 0; g < groups; ++g) {
    // Four accumulators per row (low and high nibbles of even and odd 64-blocks), so that
    // consecutive vdpbf16ps do not wait on each other's results.
    __m512 acc[R][4];
    for (int r = 0; r < R; ++r)
      for (int i = 0; i < 4; ++i) acc[r][i] = _mm512_setzero_ps();
    // 64 weights (32 bytes) into accumulators [at], [at + 1] of every row.
    auto block = [&](int64_t k0, int at) IM_AVX512_BF16 {
      _mm_prefetch(reinterpret_cast<const char*>(row + k0 / 2) + kPrefetchBytes, _MM_HINT_T0);
      // Lanes 0-15: the bytes of block k0, lanes 16-31: those of block k0 + 32.
      const __m512i v = _mm512_cvtepu8_epi16(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + k0 / 2)));
      const __m512i lo = _mm512_and_si512(v, nibble);                       // k0+0…15, k0+32…47
      const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble);  // k0+16…31, k0+48…63
      const __m512bh wlo = (__m512bh)_mm512_permutexvar_epi16(lo, table);
      const __m512bh whi = (__m512bh)_mm512_permutexvar_epi16(hi, table);
      for (int r = 0; r < R; ++r) {
        // a was rearranged per 64 (shuffle_for_bf16): k0+0…15, k0+32…47, k0+16…31, k0+48…63.
        const uint16_t* ar = a + r * lda + k0;
        acc[r][at] = _mm512_dpbf16_ps(acc[r][at], (__m512bh)_mm512_loadu_si512(ar), wlo);
        acc[r][at + 1] = _mm512_dpbf16_ps(acc[r][at + 1], (__m512bh)_mm512_loadu_si512(ar + 32), whi);
      }
    };
    // Two 64-blocks per step with constant accumulator indices: an index computed in the loop
    // made GCC keep the accumulators on the stack (a store and a load per dot product).
    int64_t b = 0;
    for (; b + 128 <= group; b += 128) {
      block(g * group + b, 0);
      block(g * group + b + 64, 2);
    }
    if (b < group) block(g * group + b, 0);
    const __m512 s = _mm512_set1_ps(sc[g]);
    for (int r = 0; r < R; ++r)
      total[r] = _mm512_fmadd_ps(_mm512_add_ps(_mm512_add_ps(acc[r][0], acc[r][1]),
                                               _mm512_add_ps(acc[r][2], acc[r][3])),
                                 s, total[r]);
  }
  for (int r = 0; r < R; ++r) out[r * ldo] = _mm512_reduce_add_ps(total[r]);
}

// Portable: one row of a against one packed row, the same per-group order of sums.
void int4_row_portable(const float* a, int64_t k, const uint8_t* row, const float* sc, int group,
                       float* out) {
  float total = 0;
  for (int64_t g = 0; g < k / group; ++g) {
    float acc = 0;
    for (int64_t c = g * group; c < (g + 1) * group; ++c) {
      const int64_t j = c % 32;
      const uint8_t byte = row[(c / 32) * 16 + (j % 16)];
      acc += a[c] * float(int(j < 16 ? (byte & 0x0f) : (byte >> 4)) - 8);
    }
    total += acc * sc[g];
  }
  *out = total;
}

}  // namespace

void quantize_rows_int8(const float* a, int64_t m, int64_t k, int8_t* q, int64_t ldq,
                        float* scales) {
  const bool fast = have_avx512();
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < m; ++r) {
    if (fast)
      quantize_row_avx512<float>(a + r * k, k, q + r * ldq, scales + r);
    else
      scales[r] = quantize_row_int8(a + r * k, k, q + r * ldq);
  }
}

void quantize_rows_int8_bf16(const uint16_t* a, int64_t m, int64_t k, int8_t* q, int64_t ldq,
                             float* scales) {
  if (!have_avx512()) throw Error(ErrorKind::Internal, "quantize_rows_int8_bf16 needs AVX-512");
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < m; ++r) quantize_row_avx512<uint16_t>(a + r * k, k, q + r * ldq, scales + r);
}

void int4w_matmul(const float* a, int64_t m, int64_t k, const uint8_t* packed,
                  const float* scales, int64_t n, int group, float* out) {
  const bool fast = have_avx512();
  const int64_t groups = k / group;
#pragma omp parallel for schedule(static)
  for (int64_t j = 0; j < n; ++j) {
    const uint8_t* row = packed + j * (k / 2);
    const float* sc = scales + j * groups;
    if (!fast) {
      for (int64_t r = 0; r < m; ++r) int4_row_portable(a + r * k, k, row, sc, group, out + r * n + j);
      continue;
    }
    for_row_blocks(m, [&](auto rows, int64_t r) {
      int4_rows_avx512<rows()>(a + r * k, k, k, row, sc, group, out + r * n + j, n);
    });
  }
}

namespace {

uint16_t bf16_bits(float f);

// One packed int4 row dequantized, q · its group's scale, 32 values per 16 bytes.
IM_AVX512 void dequantize_int4_row_avx512(const uint8_t* row, const float* sc, int64_t k,
                                          int group, void* out, bool bf16) {
  const __m128i nibble = _mm_set1_epi8(0x0f);
  const __m512 eight = _mm512_set1_ps(8.0f);
  for (int64_t k0 = 0; k0 < k; k0 += 32) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + k0 / 2));
    const __m512 s = _mm512_set1_ps(sc[k0 / group]);  // a group is a multiple of 32 wide
    const __m512 lo = _mm512_mul_ps(
        _mm512_sub_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(bytes, nibble))), eight), s);
    const __m512 hi = _mm512_mul_ps(
        _mm512_sub_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(_mm_srli_epi16(bytes, 4), nibble))), eight),
        s);
    if (!bf16) {
      _mm512_storeu_ps(static_cast<float*>(out) + k0, lo);
      _mm512_storeu_ps(static_cast<float*>(out) + k0 + 16, hi);
      continue;
    }
    // Round to nearest even (the values are finite): tensors.hpp's to_bf16, 16 at a time.
    for (int half = 0; half < 2; ++half) {
      const __m512i u = _mm512_castps_si512(half ? hi : lo);
      const __m512i r = _mm512_add_epi32(
          u, _mm512_add_epi32(_mm512_set1_epi32(0x7fff),
                              _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1))));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(static_cast<uint16_t*>(out) + k0 + 16 * half),
                          _mm512_cvtepi32_epi16(_mm512_srli_epi32(r, 16)));
    }
  }
}

}  // namespace

void dequantize_int4_rows(const uint8_t* packed, const float* scales, int64_t k, int group,
                          int64_t n0, int64_t rows, void* out, bool bf16) {
  const bool fast = have_avx512();
  const int64_t groups = k / group;
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t* row = packed + (n0 + r) * (k / 2);
    const float* sc = scales + (n0 + r) * groups;
    void* dst = bf16 ? static_cast<void*>(static_cast<uint16_t*>(out) + r * k)
                     : static_cast<void*>(static_cast<float*>(out) + r * k);
    if (fast) {
      dequantize_int4_row_avx512(row, sc, k, group, dst, bf16);
      continue;
    }
    for (int64_t c = 0; c < k; ++c) {
      const int64_t j = c % 32;
      const uint8_t byte = row[(c / 32) * 16 + (j % 16)];
      const float v = float(int(j < 16 ? (byte & 0x0f) : (byte >> 4)) - 8) * sc[c / group];
      if (bf16)
        static_cast<uint16_t*>(dst)[c] = bf16_bits(v);
      else
        static_cast<float*>(dst)[c] = v;
    }
  }
}

namespace {

// exp(x) = 2ⁿ · e^r with n = round(x / ln 2), r = x − n ln 2 (two-part ln 2), e^r by its
// degree-6 Taylor polynomial (|r| ≤ ln2/2: relative error < 2e-7); scalef applies 2ⁿ and
// saturates to 0 / inf, so large |x| need no special case.
IM_AVX512 inline __m512 exp_avx512(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-104.0f)), _mm512_set1_ps(89.0f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187e-06f), r);
  __m512 p = _mm512_set1_ps(1.0f / 720);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

// erf by Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7), odd-extended to z < 0.
IM_AVX512 inline __m512 erf_avx512(__m512 z) {
  const __m512 sign = _mm512_and_ps(z, _mm512_set1_ps(-0.0f));
  const __m512 a = _mm512_andnot_ps(_mm512_set1_ps(-0.0f), z);
  const __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f),
                                 _mm512_fmadd_ps(_mm512_set1_ps(0.3275911f), a, _mm512_set1_ps(1.0f)));
  __m512 p = _mm512_set1_ps(1.061405429f);
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
  p = _mm512_mul_ps(p, t);
  const __m512 e = exp_avx512(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), a), a));
  const __m512 y = _mm512_fnmadd_ps(p, e, _mm512_set1_ps(1.0f));
  return _mm512_or_ps(y, sign);
}

IM_AVX512 inline __m512 activation_avx512(EpilogueOp::Kind k, __m512 x) {
  const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
  switch (k) {
    case EpilogueOp::GeluErf:
      return _mm512_mul_ps(_mm512_mul_ps(half, x),
                           _mm512_add_ps(one, erf_avx512(_mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f)))));
    case EpilogueOp::GeluTanh: {
      // tanh(u) = 1 − 2 / (e^{2u} + 1)
      const __m512 x3 = _mm512_mul_ps(_mm512_mul_ps(x, x), x);
      const __m512 u = _mm512_mul_ps(_mm512_set1_ps(0.7978845608028654f),
                                     _mm512_fmadd_ps(_mm512_set1_ps(0.044715f), x3, x));
      const __m512 e = exp_avx512(_mm512_add_ps(u, u));
      const __m512 th = _mm512_sub_ps(one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, one)));
      return _mm512_mul_ps(_mm512_mul_ps(half, x), _mm512_add_ps(one, th));
    }
    case EpilogueOp::Silu:
      return _mm512_div_ps(x, _mm512_add_ps(one, exp_avx512(_mm512_sub_ps(_mm512_setzero_ps(), x))));
    default: return x;
  }
}

IM_AVX512 void epilogue_row_avx512(const float* acc, int64_t n, float rs, const float* bias,
                                   const EpilogueOp* ops, int nops, int64_t off, void* out,
                                   bool out_bf16) {
  const __m512 r = _mm512_set1_ps(rs);
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 mk = n - j >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - j)) - 1);
    __m512 x = _mm512_mul_ps(_mm512_maskz_loadu_ps(mk, acc + j), r);
    if (bias) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mk, bias + j));
    for (int t = 0; t < nops; ++t) {
      if (ops[t].kind != EpilogueOp::Add && ops[t].kind != EpilogueOp::Mul) {
        x = activation_avx512(ops[t].kind, x);
        continue;
      }
      __m512 o;
      if (ops[t].bf16) {
        const auto* p = static_cast<const uint16_t*>(ops[t].src) + off + j;
        o = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mk, p)), 16));
      } else {
        o = _mm512_maskz_loadu_ps(mk, static_cast<const float*>(ops[t].src) + off + j);
      }
      x = ops[t].kind == EpilogueOp::Mul ? _mm512_mul_ps(x, o) : _mm512_add_ps(x, o);
    }
    if (out_bf16) {
      // Round to nearest even, NaN stays a quiet NaN: tensors.hpp's to_bf16, 16 at a time.
      const __m512i u = _mm512_castps_si512(x);
      const __m512i rounded = _mm512_add_epi32(
          u, _mm512_add_epi32(_mm512_set1_epi32(0x7fff),
                              _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1))));
      const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)),
                                                    _mm512_set1_epi32(0x7f800000));
      const __m512i bits = _mm512_mask_blend_epi32(nan, rounded, _mm512_or_si512(u, _mm512_set1_epi32(0x400000)));
      _mm256_mask_storeu_epi16(static_cast<uint16_t*>(out) + off + j, mk,
                               _mm512_cvtepi32_epi16(_mm512_srli_epi32(bits, 16)));
    } else {
      _mm512_mask_storeu_ps(static_cast<float*>(out) + off + j, mk, x);
    }
  }
}

float activation(EpilogueOp::Kind k, float x) {
  switch (k) {
    case EpilogueOp::GeluErf: return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
    case EpilogueOp::GeluTanh:
      return 0.5f * x * (1.0f + std::tanh(0.7978845608028654f * (x + 0.044715f * x * x * x)));
    case EpilogueOp::Silu: return x / (1.0f + std::exp(-x));
    default: return x;
  }
}

uint16_t bf16_bits(float f) {
  const uint32_t u = std::bit_cast<uint32_t>(f);
  const uint32_t rounded = u + 0x7fffu + ((u >> 16) & 1u);
  return uint16_t(((u & 0x7fffffffu) > 0x7f800000u ? (u | 0x400000u) : rounded) >> 16);
}

}  // namespace

void int8_epilogue(const float* acc, int64_t m, int64_t n, const float* row_scales,
                   const float* bias, const EpilogueOp* ops, int nops, void* out, bool out_bf16) {
  const bool fast = have_avx512();
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < m; ++i) {
    if (fast) {
      epilogue_row_avx512(acc + i * n, n, row_scales[i], bias, ops, nops, i * n, out, out_bf16);
      continue;
    }
    for (int64_t j = 0; j < n; ++j) {
      const int64_t at = i * n + j;
      float x = acc[at] * row_scales[i];
      if (bias) x += bias[j];
      for (int t = 0; t < nops; ++t) {
        if (ops[t].kind != EpilogueOp::Add && ops[t].kind != EpilogueOp::Mul) {
          x = activation(ops[t].kind, x);
          continue;
        }
        const float o = ops[t].bf16
                            ? std::bit_cast<float>(uint32_t(static_cast<const uint16_t*>(ops[t].src)[at]) << 16)
                            : static_cast<const float*>(ops[t].src)[at];
        x = ops[t].kind == EpilogueOp::Mul ? x * o : x + o;
      }
      if (out_bf16)
        static_cast<uint16_t*>(out)[at] = bf16_bits(x);
      else
        static_cast<float*>(out)[at] = x;
    }
  }
}

bool int4w_bf16_available(int group) { return have_avx512_bf16() && group % 64 == 0; }

void int4w_matmul_bf16(const uint16_t* a_in, int64_t m, int64_t k, const uint8_t* packed,
                       const float* scales, int64_t n, int group, float* out, uint16_t* scratch) {
  if (!int4w_bf16_available(group))
    throw Error(ErrorKind::Internal, "int4w_matmul_bf16: needs AVX512-BF16 and a group of 64·i");
  shuffle_for_bf16(a_in, m, k, scratch);
  const uint16_t* a = scratch;
  const int64_t groups = k / group;
#pragma omp parallel for schedule(static)
  for (int64_t j = 0; j < n; ++j) {
    const uint8_t* row = packed + j * (k / 2);
    const float* sc = scales + j * groups;
    for_row_blocks(m, [&](auto rows, int64_t r) {
      int4_rows_bf16<rows()>(a + r * k, k, k, row, sc, group, out + r * n + j, n);
    });
  }
}

std::string quant_kernel_isa() { return have_avx512() ? "avx512" : "portable"; }

}  // namespace infermark::onednn
