#version 450
// out[r, :] = table[ids[r], :]. The table may be bound in slices along the vocabulary (a table
// larger than one storage-buffer binding): this dispatch writes the rows whose id falls in
// [v_offset, v_offset + v_count), the rows of the bound slice.
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 256;

layout(std430, binding = 0) readonly buffer Table { T table[]; };
layout(std430, binding = 1) readonly buffer Ids { int ids[]; };
layout(std430, binding = 2) writeonly buffer O { T o[]; };
layout(push_constant) uniform P { uint rows; uint hidden; uint v_offset; uint v_count; } p;

void main() {
  const uint n = p.rows * p.hidden;
  const uint stride = gl_NumWorkGroups.x * gl_NumWorkGroups.y * WG;
  for (uint i = group_index() * WG + gl_LocalInvocationID.x; i < n; i += stride) {
    const uint r = i / p.hidden, c = i % p.hidden;
    const int id = ids[r] - int(p.v_offset);  // ids are checked against the vocabulary at compile
    if (id >= 0 && uint(id) < p.v_count) o[i] = table[uint(id) * p.hidden + c];
  }
}
