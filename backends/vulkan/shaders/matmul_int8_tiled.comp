#version 450
// int8 MatMul for prefill shapes (M above the matvec threshold): the same result as
// matmul_int8.comp, out[m, n] = (Σ_k qa[m, k] · qw[n, k]) · sa[m] · sw[n] (+ bias[n]) with the sum
// exact in int32, but tiled like matmul.comp so each staged weight word serves BM rows instead of
// 4: a workgroup computes a BM × BN tile, staging BK-wide slices (BK / 4 packed words per row) of
// qa and qw in shared memory; each invocation keeps TM × TN accumulators in registers.
// Plain path: the words are unpacked to vec4 of small integers as they are staged and the inner
// loop is matmul.comp's float one. It stays exact: every product is an integer of magnitude
// ≤ 127² and every partial sum of at most FLUSH_K products stays below 2^24, so f32 represents
// all of them exactly in any order; the partial sums move to int32 every FLUSH_K k.
// -DINT_DOT: the packed words are staged as they are and multiplied with OpSDot
// (VK_KHR_shader_integer_dot_product, declared as in matmul_int8.comp) into int32 directly.
#include "common.glsl"
#ifdef INT_DOT
#extension GL_EXT_spirv_intrinsics : require
spirv_instruction(extensions = ["SPV_KHR_integer_dot_product"], capabilities = [6019, 6018], id = 4450)
int sdot_packed(uint a, uint b, spirv_literal int format);
#define S uint
#else
#define S vec4
#endif
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 256;
layout(constant_id = 1) const uint BM = 64;
layout(constant_id = 2) const uint BN = 64;
layout(constant_id = 3) const uint BK = 16;  // a multiple of 4
layout(constant_id = 4) const uint TM = 4;
layout(constant_id = 5) const uint TN = 4;

layout(std430, binding = 0) readonly buffer QA { uint qa[]; };
layout(std430, binding = 1) readonly buffer QW { uint qw[]; };
layout(std430, binding = 2) readonly buffer SA { float sa[]; };
layout(std430, binding = 3) readonly buffer SW { float sw[]; };
layout(std430, binding = 4) readonly buffer Bias { T bias[]; };
layout(std430, binding = 5) writeonly buffer O { T o[]; };
layout(push_constant) uniform P { uint M; uint N; uint K4; uint has_bias; } p;

const uint TC = BN / TN;
const uint KQ = BK / 4;         // packed words (4 k each) per staged row
const uint SR = KQ + 1;         // padded row stride: fewer shared-memory bank conflicts
shared S As[BM * SR];
shared S Ws[BN * SR];

// A staged word: unpacked (plain path) or as is (INT_DOT); zero past the edges.
S stage(uint word, bool inside) {
#ifdef INT_DOT
  return inside ? word : 0u;
#else
  if (!inside) return vec4(0.0);
  return vec4(ivec4(word << 24, word << 16, word << 8, word) >> 24);  // arithmetic shift: sign-extends
#endif
}

void main() {
  const uint t = gl_LocalInvocationID.x;
  const uint tr = t / TC, tc = t % TC;
  const uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;

  int acc[TM][TN];
#ifndef INT_DOT
  float part[TM][TN];
#endif
  [[unroll]] for (uint i = 0; i < TM; ++i)
    [[unroll]] for (uint j = 0; j < TN; ++j) {
      acc[i][j] = 0;
#ifndef INT_DOT
      part[i][j] = 0.0;
#endif
    }

#ifndef INT_DOT
  // 1040 · 127² < 2^24: flush after at most 1024 k, whole tiles (one if BK were larger).
  const uint FLUSH_K = max(1u, 1024u / BK) * BK;
  uint since_flush = 0;
#endif
  for (uint q0 = 0; q0 < p.K4; q0 += KQ) {
    for (uint e = t; e < BM * KQ; e += WG) {
      const uint r = m0 + e / KQ, q = q0 + e % KQ;
      const bool inside = r < p.M && q < p.K4;
      As[(e / KQ) * SR + e % KQ] = stage(inside ? qa[r * p.K4 + q] : 0u, inside);
    }
    for (uint e = t; e < BN * KQ; e += WG) {
      const uint r = n0 + e / KQ, q = q0 + e % KQ;
      const bool inside = r < p.N && q < p.K4;
      Ws[(e / KQ) * SR + e % KQ] = stage(inside ? qw[r * p.K4 + q] : 0u, inside);
    }
    barrier();
    [[unroll]] for (uint q = 0; q < KQ; ++q) {
      S ar[TM];
      [[unroll]] for (uint i = 0; i < TM; ++i) ar[i] = As[(tr * TM + i) * SR + q];
      [[unroll]] for (uint j = 0; j < TN; ++j) {
        const S wv = Ws[(tc * TN + j) * SR + q];
#ifdef INT_DOT
        [[unroll]] for (uint i = 0; i < TM; ++i) acc[i][j] += sdot_packed(ar[i], wv, 0);
#else
        [[unroll]] for (uint i = 0; i < TM; ++i) part[i][j] += dot(ar[i], wv);
#endif
      }
    }
    barrier();
#ifndef INT_DOT
    since_flush += BK;
    if (since_flush + BK > FLUSH_K || q0 + KQ >= p.K4) {
      [[unroll]] for (uint i = 0; i < TM; ++i)
        [[unroll]] for (uint j = 0; j < TN; ++j) {
          acc[i][j] += int(part[i][j]);
          part[i][j] = 0.0;
        }
      since_flush = 0;
    }
#endif
  }

  [[unroll]] for (uint j = 0; j < TN; ++j) {
    const uint n = n0 + tc * TN + j;
    if (n >= p.N) continue;
    const float b = p.has_bias != 0 ? float(bias[n]) : 0.0;
    [[unroll]] for (uint i = 0; i < TM; ++i) {
      const uint m = m0 + tr * TM + i;
      if (m < p.M) o[m * p.N + n] = T(float(acc[i][j]) * sa[m] * sw[n] + b);
    }
  }
}
