#version 450
// Elementwise ops over n elements, chosen by the OP specialization constant:
// 0 add, 1 mul, 2 GELU (exact erf form), 3 GELU (tanh form), 4 SiLU.
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 256;
layout(constant_id = 1) const uint OP = 0;

layout(std430, binding = 0) readonly buffer A { T a[]; };
layout(std430, binding = 1) readonly buffer B { T b[]; };
layout(std430, binding = 2) writeonly buffer O { T o[]; };
layout(push_constant) uniform P { uint n; } p;

// erfc with fractional error below 1.2e-7 everywhere (Numerical Recipes' erfcc, a Chebyshev fit):
// GLSL has no erf, and the relative accuracy of erfc for large arguments is what keeps
// x·Φ(x) = 0.5·x·erfc(−x/√2) accurate for negative x, where 1 + erf(x/√2) would cancel.
float erfc_nr(float x) {
  const float z = abs(x);
  const float t = 1.0 / (1.0 + 0.5 * z);
  const float r = t * exp(-z * z - 1.26551223 +
      t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
      t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 +
      t * 0.17087277)))))))));
  return x >= 0.0 ? r : 2.0 - r;
}

// x / (1 + exp(−y)) never forms inf/inf or 1 − 1, unlike tanh-based forms.
float x_sigmoid(float x, float y) { return x / (1.0 + exp(-y)); }

float apply(float x, float y) {
  if (OP == 0) return x + y;
  if (OP == 1) return x * y;
  if (OP == 2) return 0.5 * x * erfc_nr(-x * 0.70710678118654752);
  // 0.5x(1 + tanh(u)) = x · sigmoid(2u), u = √(2/π)(x + 0.044715x³)
  if (OP == 3) return x_sigmoid(x, 2.0 * 0.79788456080286536 * (x + 0.044715 * x * x * x));
  return x_sigmoid(x, x);
}

void main() {
  const uint stride = gl_NumWorkGroups.x * gl_NumWorkGroups.y * WG;
  for (uint i = group_index() * WG + gl_LocalInvocationID.x; i < p.n; i += stride) {
    const float y = OP <= 1 ? float(b[i]) : 0.0;
    o[i] = T(apply(float(a[i]), y));
  }
}
