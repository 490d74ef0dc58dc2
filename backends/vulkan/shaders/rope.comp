#version 450
// Rotate-half RoPE: in each head the pair (i, i + hd/2), i < hd/2, is rotated by the angle
// pos · θ^(−2i/hd). cos and sin come from a table [positions, hd/2, 2] computed in double on the
// host at compile time (what inference engines call the rotary cache): GPU sin/cos of large
// angles is far less accurate than f32 needs.
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 256;

layout(std430, binding = 0) readonly buffer X { T x[]; };
layout(std430, binding = 1) readonly buffer Pos { int pos[]; };
layout(std430, binding = 2) readonly buffer Table { vec2 cos_sin[]; };
layout(std430, binding = 3) writeonly buffer O { T o[]; };
layout(push_constant) uniform P { uint rows; uint heads; uint head_dim; uint positions; } p;

void main() {
  const uint half_dim = p.head_dim / 2;
  const uint n = p.rows * p.heads * half_dim;
  const uint stride = gl_NumWorkGroups.x * gl_NumWorkGroups.y * WG;
  for (uint idx = group_index() * WG + gl_LocalInvocationID.x; idx < n; idx += stride) {
    const uint i = idx % half_dim, h = (idx / half_dim) % p.heads, r = idx / (half_dim * p.heads);
    // Positions are checked against the table at compile time; the clamp only keeps reads in bounds.
    const uint at = min(uint(max(pos[r], 0)), p.positions - 1);
    const vec2 cs = cos_sin[at * half_dim + i];
    const uint j = r * p.heads * p.head_dim + h * p.head_dim + i;
    const float x1 = float(x[j]), x2 = float(x[j + half_dim]);
    o[j] = T(x1 * cs.x - x2 * cs.y);
    o[j + half_dim] = T(x2 * cs.x + x1 * cs.y);
  }
}
