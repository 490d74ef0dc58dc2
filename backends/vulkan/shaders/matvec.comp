#version 450
// out[m, n] = Σ_k a[m, k] · w[n, k] (+ bias[n]) for few rows (M = ROWS, a specialization
// constant, so the row loop has a fixed trip count: decode steps, the LM head). Bandwidth-bound: every w row is read once, contiguously (as vec4 when K % 4 == 0), and
// each a value read serves COLS columns. A workgroup computes WG_COLS consecutive columns;
// with -DSUBGROUP each subgroup takes COLS of them at a time (lanes stride over k, subgroupAdd,
// the subgroup count read in the shader, never assumed); without, the whole workgroup takes them
// COLS at a time and reduces in shared memory. w may be bound as a slice of rows
// [n_offset, n_offset + n_count), as in matmul.comp.
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 128;
layout(constant_id = 1) const uint COLS = 4;       // columns per pass of a subgroup (workgroup)
layout(constant_id = 2) const uint WG_COLS = 16;   // columns per workgroup
layout(constant_id = 3) const bool VEC4 = false;   // K % 4 == 0: vec4 loads
layout(constant_id = 4) const uint ROWS = 1;       // M
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer A { T a[]; };
layout(std430, binding = 0) readonly buffer A4 { T4 a4[]; };
layout(std430, binding = 1) readonly buffer W { T w[]; };
layout(std430, binding = 1) readonly buffer W4 { T4 w4[]; };
layout(std430, binding = 2) readonly buffer Bias { T bias[]; };
layout(std430, binding = 3) writeonly buffer O { T o[]; };
layout(push_constant) uniform P {
  uint M; uint N; uint K; uint n_offset; uint n_count; uint has_bias;
} p;

// Columns first … first + COLS − 1 of the bound slice (those below n_count), over this
// invocation's share of k: lane, lane + lanes, … Columns past the end read the last real one
// (clamped, not branched: CPU drivers execute both sides of a branch) and are not written.
void columns(uint first, uint lane, uint lanes) {
  float acc[ROWS][COLS];
  uint col[COLS];
  [[unroll]] for (uint c = 0; c < COLS; ++c) col[c] = min(first + c, p.n_count - 1);
  [[unroll]] for (uint m = 0; m < ROWS; ++m)
    [[unroll]] for (uint c = 0; c < COLS; ++c) acc[m][c] = 0.0;
  if (VEC4) {
    const uint K4 = p.K / 4;
    for (uint k = lane; k < K4; k += lanes) {
      vec4 wv[COLS];
      [[unroll]] for (uint c = 0; c < COLS; ++c) wv[c] = vec4(w4[col[c] * K4 + k]);
      [[unroll]] for (uint m = 0; m < ROWS; ++m) {
        const vec4 av = vec4(a4[m * K4 + k]);
        [[unroll]] for (uint c = 0; c < COLS; ++c) acc[m][c] += dot(av, wv[c]);
      }
    }
  } else {
    for (uint k = lane; k < p.K; k += lanes) {
      float wv[COLS];
      [[unroll]] for (uint c = 0; c < COLS; ++c) wv[c] = float(w[col[c] * p.K + k]);
      [[unroll]] for (uint m = 0; m < ROWS; ++m) {
        const float av = float(a[m * p.K + k]);
        [[unroll]] for (uint c = 0; c < COLS; ++c) acc[m][c] = fma(av, wv[c], acc[m][c]);
      }
    }
  }
  [[unroll]] for (uint m = 0; m < ROWS; ++m) {
    [[unroll]] for (uint c = 0; c < COLS; ++c) {
#ifdef SUBGROUP
      const float s = subgroupAdd(acc[m][c]);
      const bool writer = subgroupElect();
#else
      const float s = wg_sum(acc[m][c]);
      const bool writer = lane == 0;
#endif
      if (writer && first + c < p.n_count) {
        const uint n = p.n_offset + first + c;
        o[m * p.N + n] = T(s + (p.has_bias != 0 ? float(bias[n]) : 0.0));
      }
    }
  }
}

void main() {
  const uint base = group_index() * WG_COLS;
#ifdef SUBGROUP
  // Per subgroup, no workgroup barrier: a subgroup past the end simply stops.
  for (uint c = gl_SubgroupID * COLS; c < WG_COLS; c += gl_NumSubgroups * COLS)
    if (base + c < p.n_count) columns(base + c, gl_SubgroupInvocationID, gl_SubgroupSize);
#else
  for (uint c = 0; c < WG_COLS; c += COLS)  // uniform in the workgroup: wg_sum's barriers are safe
    if (base + c < p.n_count) columns(base + c, gl_LocalInvocationID.x, WG);
#endif
}
