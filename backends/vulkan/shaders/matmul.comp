#version 450
// out[m, n] = Σ_k a[m, k] · w[n, k] (+ bias[n]): a [M, K], w [N, K] (the Linear layout), both with
// k contiguous. Tiled: a workgroup computes a BM × BN tile of out, staging BK-wide slices of a and
// w in shared memory as vec4 along k (no transpose, vec4 global loads when K % 4 == 0); each
// invocation keeps a TM × TN block of accumulators in registers (rows tr·TM + i, columns
// tc·TN + j) and reads one vec4 per row and per column for every 4 k: (TM + TN) shared-memory
// loads per 4·TM·TN multiply-adds. Tile sizes are specialization constants chosen per device;
// WG = (BM/TM)·(BN/TN). w may be bound as a slice of rows [n_offset, n_offset + n_count) when it
// is larger than one binding; bias and out are always bound whole.
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 256;
layout(constant_id = 1) const uint BM = 64;
layout(constant_id = 2) const uint BN = 64;
layout(constant_id = 3) const uint BK = 16;  // a multiple of 4
layout(constant_id = 4) const uint TM = 4;
layout(constant_id = 5) const uint TN = 4;
layout(constant_id = 6) const bool VEC4 = false;  // K % 4 == 0: global loads as vec4

layout(std430, binding = 0) readonly buffer A { T a[]; };
layout(std430, binding = 0) readonly buffer A4 { T4 a4[]; };
layout(std430, binding = 1) readonly buffer W { T w[]; };
layout(std430, binding = 1) readonly buffer W4 { T4 w4[]; };
layout(std430, binding = 2) readonly buffer Bias { T bias[]; };
layout(std430, binding = 3) writeonly buffer O { T o[]; };
layout(push_constant) uniform P {
  uint M; uint N; uint K; uint n_offset; uint n_count; uint has_bias;
} p;

const uint TC = BN / TN;
const uint KQ = BK / 4;         // vec4s per staged row
const uint SA = KQ + 1;         // padded row stride (vec4s): fewer shared-memory bank conflicts
shared vec4 As[BM * SA];        // As[m * SA + q] = a[m0 + m, k0 + 4q … 4q + 3]
shared vec4 Ws[BN * SA];

// Four consecutive k of row `row` (of `rows`) from a or w, zero past the edges.
vec4 load_a(uint row, uint k) {
  if (row >= p.M) return vec4(0.0);
  if (VEC4) return k < p.K ? vec4(a4[(row * p.K + k) / 4]) : vec4(0.0);
  vec4 v = vec4(0.0);
  [[unroll]] for (uint c = 0; c < 4; ++c)
    if (k + c < p.K) v[c] = float(a[row * p.K + k + c]);
  return v;
}
vec4 load_w(uint row, uint k) {
  if (row >= p.n_count) return vec4(0.0);
  if (VEC4) return k < p.K ? vec4(w4[(row * p.K + k) / 4]) : vec4(0.0);
  vec4 v = vec4(0.0);
  [[unroll]] for (uint c = 0; c < 4; ++c)
    if (k + c < p.K) v[c] = float(w[row * p.K + k + c]);
  return v;
}

void main() {
  const uint t = gl_LocalInvocationID.x;
  const uint tr = t / TC, tc = t % TC;
  const uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;  // n0: within the slice

  float acc[TM][TN];
  [[unroll]] for (uint i = 0; i < TM; ++i)
    [[unroll]] for (uint j = 0; j < TN; ++j) acc[i][j] = 0.0;

  for (uint k0 = 0; k0 < p.K; k0 += BK) {
    for (uint e = t; e < BM * KQ; e += WG) As[(e / KQ) * SA + e % KQ] = load_a(m0 + e / KQ, k0 + 4 * (e % KQ));
    for (uint e = t; e < BN * KQ; e += WG) Ws[(e / KQ) * SA + e % KQ] = load_w(n0 + e / KQ, k0 + 4 * (e % KQ));
    barrier();
    [[unroll]] for (uint q = 0; q < KQ; ++q) {
      vec4 ar[TM];
      [[unroll]] for (uint i = 0; i < TM; ++i) ar[i] = As[(tr * TM + i) * SA + q];
      [[unroll]] for (uint j = 0; j < TN; ++j) {
        const vec4 wv = Ws[(tc * TN + j) * SA + q];
        [[unroll]] for (uint i = 0; i < TM; ++i) acc[i][j] += dot(ar[i], wv);
      }
    }
    barrier();
  }

  [[unroll]] for (uint j = 0; j < TN; ++j) {
    const uint gn = n0 + tc * TN + j;
    if (gn >= p.n_count) continue;
    const uint n = p.n_offset + gn;
    const float b = p.has_bias != 0 ? float(bias[n]) : 0.0;
    [[unroll]] for (uint i = 0; i < TM; ++i) {
      const uint gm = m0 + tr * TM + i;
      if (gm < p.M) o[gm * p.N + n] = T(acc[i][j] + b);
    }
  }
}
