#version 450
// LayerNorm (-DLAYER: (x − mean) / sqrt(var + eps) · γ + β, population variance, two passes over
// the row for accuracy) or RMSNorm (x / sqrt(mean(x²) + eps) · γ): one workgroup per row.
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 128;
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer X { T x[]; };
layout(std430, binding = 1) readonly buffer Gamma { T gamma[]; };
layout(std430, binding = 2) readonly buffer Beta { T beta[]; };
layout(std430, binding = 3) writeonly buffer O { T o[]; };
layout(push_constant) uniform P { uint rows; uint cols; float eps; } p;

void main() {
  const uint r = group_index();
  if (r >= p.rows) return;  // uniform in the workgroup: no barrier is skipped by a part of it
  const uint base = r * p.cols, t = gl_LocalInvocationID.x;
#ifdef LAYER
  float s = 0.0;
  for (uint c = t; c < p.cols; c += WG) s += float(x[base + c]);
  const float mean = wg_sum(s) / float(p.cols);
  float v = 0.0;
  for (uint c = t; c < p.cols; c += WG) {
    const float d = float(x[base + c]) - mean;
    v += d * d;
  }
  const float inv = 1.0 / sqrt(wg_sum(v) / float(p.cols) + p.eps);
  for (uint c = t; c < p.cols; c += WG)
    o[base + c] = T((float(x[base + c]) - mean) * inv * float(gamma[c]) + float(beta[c]));
#else
  float s = 0.0;
  for (uint c = t; c < p.cols; c += WG) {
    const float xv = float(x[base + c]);
    s += xv * xv;
  }
  const float inv = 1.0 / sqrt(wg_sum(s) / float(p.cols) + p.eps);
  for (uint c = t; c < p.cols; c += WG) o[base + c] = T(float(x[base + c]) * inv * float(gamma[c]));
#endif
}
