#version 450
// The textbook matmul, one invocation per output element reading a and w straight from memory:
// only the baseline the tiled shader is measured against (bench/), never used to run a workload.
#include "common.glsl"
layout(local_size_x = 16, local_size_y = 16) in;

layout(std430, binding = 0) readonly buffer A { T a[]; };
layout(std430, binding = 1) readonly buffer W { T w[]; };
layout(std430, binding = 2) readonly buffer Bias { T bias[]; };
layout(std430, binding = 3) writeonly buffer O { T o[]; };
layout(push_constant) uniform P {
  uint M; uint N; uint K; uint n_offset; uint n_count; uint has_bias;
} p;

void main() {
  const uint n = gl_GlobalInvocationID.x, m = gl_GlobalInvocationID.y;
  if (m >= p.M || n >= p.n_count) return;
  float s = p.has_bias != 0 ? float(bias[p.n_offset + n]) : 0.0;
  for (uint k = 0; k < p.K; ++k) s = fma(float(a[m * p.K + k]), float(w[n * p.K + k]), s);
  o[m * p.N + p.n_offset + n] = T(s);
}
