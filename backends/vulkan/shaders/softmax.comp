#version 450
// Row-wise softmax over the last axis, max-subtracted: one workgroup per row.
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 128;
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer X { T x[]; };
layout(std430, binding = 1) writeonly buffer O { T o[]; };
layout(push_constant) uniform P { uint rows; uint cols; } p;

void main() {
  const uint r = group_index();
  if (r >= p.rows) return;
  const uint base = r * p.cols, t = gl_LocalInvocationID.x;
  float m = NEG_INF;
  for (uint c = t; c < p.cols; c += WG) m = max(m, float(x[base + c]));
  m = wg_max(m);
  float s = 0.0;
  for (uint c = t; c < p.cols; c += WG) s += exp(float(x[base + c]) - m);
  const float inv = 1.0 / wg_sum(s);
  for (uint c = t; c < p.cols; c += WG) o[base + c] = T(exp(float(x[base + c]) - m) * inv);
}
