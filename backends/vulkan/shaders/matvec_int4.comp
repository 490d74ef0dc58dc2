#version 450
// int4w MatMul, weight-only: out[m, n] = Σ_k a[m, k] · q[n, k] · scale[n, k / G] (+ bias[n]),
// a in the float type, the 4-bit weights dequantized in the inner loop. Weights are
// suites/quantize.hpp's Int4Weights bytes read as 32-bit words: word w (0 … 3) of a 32-k chunk
// holds k = 4w … 4w + 3 in the low nibbles of its bytes and k = 16 + 4w … 16 + 4w + 3 in the high
// ones, each stored as q + 8. A whole chunk lies in one scale group (G is a multiple of 32).
// A workgroup takes ROWS × COLS outputs (decode: ROWS = M); its invocations stride over the
// K / 8 words of a row and the partial sums meet in shared memory (ROWS · COLS · WG floats).
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint ROWS = 1;
layout(constant_id = 2) const uint COLS = 4;

layout(std430, binding = 0) readonly buffer A4 { T4 a4[]; };
layout(std430, binding = 1) readonly buffer QW { uint qw[]; };
layout(std430, binding = 2) readonly buffer SW { float sw[]; };
layout(std430, binding = 3) readonly buffer Bias { T bias[]; };
layout(std430, binding = 4) writeonly buffer O { T o[]; };
// K8 = K / 8 words per weight row, G32 = G / 32 chunks per scale group, KG = K / G groups.
layout(push_constant) uniform P { uint M; uint N; uint K8; uint G32; uint KG; uint has_bias; } p;

shared float part_[ROWS * COLS * WG];

void main() {
  const uint t = gl_LocalInvocationID.x;
  const uint n0 = gl_WorkGroupID.x * COLS, m0 = gl_WorkGroupID.y * ROWS;
  uint col[COLS], row[ROWS];
  [[unroll]] for (uint c = 0; c < COLS; ++c) col[c] = min(n0 + c, p.N - 1);
  [[unroll]] for (uint r = 0; r < ROWS; ++r) row[r] = min(m0 + r, p.M - 1);
  float acc[ROWS][COLS];
  [[unroll]] for (uint r = 0; r < ROWS; ++r)
    [[unroll]] for (uint c = 0; c < COLS; ++c) acc[r][c] = 0.0;
  const uint K4 = p.K8 * 2;  // vec4s per activation row
  for (uint k = t; k < p.K8; k += WG) {
    const uint chunk = k / 4, w = k % 4;
    vec4 lo[COLS], hi[COLS];
    [[unroll]] for (uint c = 0; c < COLS; ++c) {
      const uvec4 b = uvec4(qw[col[c] * p.K8 + k]) >> uvec4(0, 8, 16, 24);
      const float s = sw[col[c] * p.KG + chunk / p.G32];
      lo[c] = vec4(ivec4(b & 0xfu) - 8) * s;
      hi[c] = vec4(ivec4((b >> 4) & 0xfu) - 8) * s;
    }
    [[unroll]] for (uint r = 0; r < ROWS; ++r) {
      const vec4 al = vec4(a4[row[r] * K4 + chunk * 8 + w]);
      const vec4 ah = vec4(a4[row[r] * K4 + chunk * 8 + 4 + w]);
      [[unroll]] for (uint c = 0; c < COLS; ++c) acc[r][c] += dot(al, lo[c]) + dot(ah, hi[c]);
    }
  }
  [[unroll]] for (uint r = 0; r < ROWS; ++r)
    [[unroll]] for (uint c = 0; c < COLS; ++c) part_[(r * COLS + c) * WG + t] = acc[r][c];
  barrier();
  for (uint i = t; i < ROWS * COLS; i += WG) {
    const uint r = i / COLS, c = i % COLS;
    float sum = 0.0;
    for (uint j = 0; j < WG; ++j) sum += part_[i * WG + j];
    const uint m = m0 + r, n = n0 + c;
    if (m < p.M && n < p.N) o[m * p.N + n] = T(sum + (p.has_bias != 0 ? float(bias[n]) : 0.0));
  }
}
