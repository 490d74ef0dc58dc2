#version 450
// int4w MatMul for prefill shapes (M above the matvec threshold): the same result as
// matvec_int4.comp, out[m, n] = Σ_k a[m, k] · q[n, k] · scale[n, k / G] (+ bias[n]), but tiled
// like matmul.comp so each weight word is dequantized once per BM rows instead of per 4: a
// workgroup computes a BM × BN tile, staging BK-wide slices of a (vec4) and of the weights,
// dequantized to vec4 as they are staged (nibble − 8, times the group scale), in shared memory;
// each invocation keeps TM × TN accumulators in registers and runs matmul.comp's inner loop.
// Weight layout as in matvec_int4.comp: word w (0 … 3) of a 32-k chunk holds k = 4w … 4w + 3
// in its bytes' low nibbles and k = 16 + 4w … 16 + 4w + 3 in the high ones, so the four k of a
// staged vec4 are always one word's low or high nibbles. K is a multiple of G, G of 32.
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 256;
layout(constant_id = 1) const uint BM = 64;
layout(constant_id = 2) const uint BN = 64;
layout(constant_id = 3) const uint BK = 16;  // a multiple of 4
layout(constant_id = 4) const uint TM = 4;
layout(constant_id = 5) const uint TN = 4;

layout(std430, binding = 0) readonly buffer A4 { T4 a4[]; };
layout(std430, binding = 1) readonly buffer QW { uint qw[]; };
layout(std430, binding = 2) readonly buffer SW { float sw[]; };
layout(std430, binding = 3) readonly buffer Bias { T bias[]; };
layout(std430, binding = 4) writeonly buffer O { T o[]; };
// K8 = K / 8 words per weight row, G32 = G / 32 chunks per scale group, KG = K / G groups.
layout(push_constant) uniform P { uint M; uint N; uint K8; uint G32; uint KG; uint has_bias; } p;

const uint TC = BN / TN;
const uint KQ = BK / 4;         // vec4s per staged row
const uint SR = KQ + 1;         // padded row stride: fewer shared-memory bank conflicts
shared vec4 As[BM * SR];
shared vec4 Ws[BN * SR];

void main() {
  const uint t = gl_LocalInvocationID.x;
  const uint tr = t / TC, tc = t % TC;
  const uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
  const uint K4 = p.K8 * 2;  // vec4s per row

  float acc[TM][TN];
  [[unroll]] for (uint i = 0; i < TM; ++i)
    [[unroll]] for (uint j = 0; j < TN; ++j) acc[i][j] = 0.0;

  for (uint q0 = 0; q0 < K4; q0 += KQ) {
    for (uint e = t; e < BM * KQ; e += WG) {
      const uint r = m0 + e / KQ, q = q0 + e % KQ;
      As[(e / KQ) * SR + e % KQ] = r < p.M && q < K4 ? vec4(a4[r * K4 + q]) : vec4(0.0);
    }
    for (uint e = t; e < BN * KQ; e += WG) {
      const uint r = n0 + e / KQ, q = q0 + e % KQ;  // q: vec4 q of the row, k = 4q … 4q + 3
      vec4 v = vec4(0.0);
      if (r < p.N && q < K4) {
        const uint chunk = q / 8, w = q % 4, high = (q / 4) % 2;
        const uvec4 b = uvec4(qw[r * p.K8 + chunk * 4 + w] >> (4 * high)) >> uvec4(0, 8, 16, 24);
        v = vec4(ivec4(b & 0xfu) - 8) * sw[r * p.KG + chunk / p.G32];
      }
      Ws[(e / KQ) * SR + e % KQ] = v;
    }
    barrier();
    [[unroll]] for (uint q = 0; q < KQ; ++q) {
      vec4 ar[TM];
      [[unroll]] for (uint i = 0; i < TM; ++i) ar[i] = As[(tr * TM + i) * SR + q];
      [[unroll]] for (uint j = 0; j < TN; ++j) {
        const vec4 wv = Ws[(tc * TN + j) * SR + q];
        [[unroll]] for (uint i = 0; i < TM; ++i) acc[i][j] += dot(ar[i], wv);
      }
    }
    barrier();
  }

  [[unroll]] for (uint j = 0; j < TN; ++j) {
    const uint n = n0 + tc * TN + j;
    if (n >= p.N) continue;
    const float b = p.has_bias != 0 ? float(bias[n]) : 0.0;
    [[unroll]] for (uint i = 0; i < TM; ++i) {
      const uint m = m0 + tr * TM + i;
      if (m < p.M) o[m * p.N + n] = T(acc[i][j] + b);
    }
  }
}
