#version 450
// Per-token int8 quantization of the activations feeding an int8 MatMul (suites/quantize.hpp's
// quantize_row_int8): one workgroup per row, scale = max|x| / 127 (1 for an all-zero row),
// q = clamp(roundEven(x / scale), −127, 127). The int8 values go out packed four to a 32-bit word
// (k = 4w … 4w + 3 in bytes 0 … 3, zeros past K) so no device needs 8-bit storage.
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer A { T a[]; };
layout(std430, binding = 0) readonly buffer A4 { T4 a4[]; };  // rows start 4-aligned when K % 4 == 0
layout(std430, binding = 1) writeonly buffer Q { uint q[]; };
layout(std430, binding = 2) writeonly buffer S { float s[]; };
layout(push_constant) uniform P { uint M; uint K; uint K4; } p;

void main() {
  const uint row = group_index();
  if (row >= p.M) return;  // uniform in the workgroup: no barrier is skipped by part of it
  const uint t = gl_LocalInvocationID.x;
  const uint base = row * p.K;
  float m = 0.0;
  for (uint k = t; k < p.K; k += WG) m = max(m, abs(float(a[base + k])));
  m = wg_max(m);
  const float scale = m > 0.0 ? m / 127.0 : 1.0;
  if (t == 0) s[row] = scale;
  if (p.K % 4 == 0) {
    // One vec4 load per word instead of four scalar ones (lavapipe turns those into gathers);
    // the same arithmetic on the same values as below.
    for (uint w = t; w < p.K4; w += WG) {
      const vec4 x = vec4(a4[base / 4 + w]);
      const ivec4 v = ivec4(clamp(roundEven(x / scale), -127.0, 127.0));
      const uvec4 b = uvec4(v) & 0xffu;
      q[row * p.K4 + w] = b.x | (b.y << 8) | (b.z << 16) | (b.w << 24);
    }
    return;
  }
  for (uint w = t; w < p.K4; w += WG) {
    uint word = 0;
    [[unroll]] for (uint i = 0; i < 4; ++i) {
      const uint k = 4 * w + i;
      const float x = k < p.K ? float(a[base + min(k, p.K - 1)]) : 0.0;
      const int v = int(clamp(roundEven(x / scale), -127.0, 127.0));
      word |= (uint(v) & 0xffu) << (8 * i);
    }
    q[row * p.K4 + w] = word;
  }
}
