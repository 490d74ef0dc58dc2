#version 450
// int8 MatMul: out[m, n] = (Σ_k qa[m, k] · qw[n, k]) · sa[m] · sw[n] (+ bias[n]), the sum in
// int32. qa comes from quantize_rows.comp, qw is the weight quantized per output channel on the
// host; both packed four int8 to a 32-bit word, rows padded to K4 words with zeros. With
// -DINT_DOT the packed words go straight into OpSDot (VK_KHR_shader_integer_dot_product, core in
// Vulkan 1.3; declared through GL_EXT_spirv_intrinsics because Debian 12's glslang predates
// GL_EXT_integer_dot_product); without, each byte is sign-extended and multiply-added in int32.
// A workgroup takes ROWS × COLS outputs; its invocations stride over the K4 words and the
// partial sums meet in shared memory (ROWS · COLS · WG ints).
#include "common.glsl"
#ifdef INT_DOT
#extension GL_EXT_spirv_intrinsics : require
// OpSDot (4450) with PackedVectorFormat4x8Bit (0): capabilities DotProduct (6019) and
// DotProductInput4x8BitPacked (6018).
spirv_instruction(extensions = ["SPV_KHR_integer_dot_product"], capabilities = [6019, 6018], id = 4450)
int sdot_packed(uint a, uint b, spirv_literal int format);
#endif
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint ROWS = 1;
layout(constant_id = 2) const uint COLS = 4;

layout(std430, binding = 0) readonly buffer QA { uint qa[]; };
layout(std430, binding = 1) readonly buffer QW { uint qw[]; };
layout(std430, binding = 2) readonly buffer SA { float sa[]; };
layout(std430, binding = 3) readonly buffer SW { float sw[]; };
layout(std430, binding = 4) readonly buffer Bias { T bias[]; };
layout(std430, binding = 5) writeonly buffer O { T o[]; };
layout(push_constant) uniform P { uint M; uint N; uint K4; uint has_bias; } p;

shared int part_[ROWS * COLS * WG];

int dot4(uint a, uint b) {
#ifdef INT_DOT
  return sdot_packed(a, b, 0);
#else
  const ivec4 x = ivec4(a << 24, a << 16, a << 8, a) >> 24;  // arithmetic shift: sign-extends
  const ivec4 y = ivec4(b << 24, b << 16, b << 8, b) >> 24;
  return x.x * y.x + x.y * y.y + x.z * y.z + x.w * y.w;
#endif
}

void main() {
  const uint t = gl_LocalInvocationID.x;
  const uint n0 = gl_WorkGroupID.x * COLS, m0 = gl_WorkGroupID.y * ROWS;
  // Rows and columns past the end read the last real one (clamped) and are not written.
  uint col[COLS], row[ROWS];
  [[unroll]] for (uint c = 0; c < COLS; ++c) col[c] = min(n0 + c, p.N - 1);
  [[unroll]] for (uint r = 0; r < ROWS; ++r) row[r] = min(m0 + r, p.M - 1);
  int acc[ROWS][COLS];
  [[unroll]] for (uint r = 0; r < ROWS; ++r)
    [[unroll]] for (uint c = 0; c < COLS; ++c) acc[r][c] = 0;
  for (uint k = t; k < p.K4; k += WG) {
    uint wv[COLS];
    [[unroll]] for (uint c = 0; c < COLS; ++c) wv[c] = qw[col[c] * p.K4 + k];
    [[unroll]] for (uint r = 0; r < ROWS; ++r) {
      const uint av = qa[row[r] * p.K4 + k];
      [[unroll]] for (uint c = 0; c < COLS; ++c) acc[r][c] += dot4(av, wv[c]);
    }
  }
  [[unroll]] for (uint r = 0; r < ROWS; ++r)
    [[unroll]] for (uint c = 0; c < COLS; ++c) part_[(r * COLS + c) * WG + t] = acc[r][c];
  barrier();
  for (uint i = t; i < ROWS * COLS; i += WG) {
    const uint r = i / COLS, c = i % COLS;
    int sum = 0;
    for (uint j = 0; j < WG; ++j) sum += part_[i * WG + j];
    const uint m = m0 + r, n = n0 + c;
    if (m < p.M && n < p.N) {
      const float v = float(sum) * sa[m] * sw[n] + (p.has_bias != 0 ? float(bias[n]) : 0.0);
      o[m * p.N + n] = T(v);
    }
  }
}
