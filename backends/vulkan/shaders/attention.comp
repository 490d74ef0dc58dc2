#version 450
// Fused scaled dot-product attention (suites/graph.hpp). Query head h reads KV head
// h / (heads / kv_heads); the (query position, query head) rows that share a sequence and a KV
// head are taken QB = 4 at a time, ordered by position then head, one workgroup each: in decode
// with grouped-query attention these are 4 heads of one group, in prefill consecutive positions,
// and every key and value row loaded serves all 4. Keys come in chunks of WG with an online
// softmax (running max and sum per row, the accumulators rescaled per chunk), so any number of
// keys fits. Query s of sequence b sees keys 0 … context + s when causal, all keys_per_seq
// otherwise. Keys and values are rows b·keys_per_seq + t of K and V (the KV cache, already
// appended to by a copy before this dispatch, or the step's own k and v).
// Scores: invocation i takes key c0 + i against the 4 rows' queries (held in registers). Values:
// invocation i accumulates the vec4 of dimensions 4·(i mod HD/4) for the 4 rows over keys
// i / (HD/4), + G, … (G = WG / (HD/4) key groups), the groups summed once at the end.
// Loads are vec4 when VEC4 (head_dim a multiple of 4), else gathered from scalars; out-of-range
// indices are clamped and masked by selects rather than branched around (a CPU driver executes
// both sides of a branch).
#define REDUCE_VEC4
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;   // keys per chunk; WG ≥ HD/4
layout(constant_id = 1) const uint HD = 64;   // head_dim
layout(constant_id = 2) const bool VEC4 = false;
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer Q { T q[]; };
layout(std430, binding = 0) readonly buffer Q4 { T4 q4[]; };
layout(std430, binding = 1) readonly buffer K { T k[]; };
layout(std430, binding = 1) readonly buffer K4 { T4 k4[]; };
layout(std430, binding = 2) readonly buffer V { T v[]; };
layout(std430, binding = 2) readonly buffer V4 { T4 v4[]; };
layout(std430, binding = 3) writeonly buffer O { T o[]; };
layout(push_constant) uniform P {
  uint batch; uint seq; uint keys_per_seq; uint heads; uint kv_heads; uint head_dim;
  uint context; uint causal; float scale;
} p;

const uint QB = 4;             // queries per workgroup (the components of a vec4)
const uint D4 = (HD + 3) / 4;  // vec4s per head
const uint G = WG / D4;        // key groups in the value phase

shared vec4 ps[WG];            // ps[j][r]: probability of key c0 + j for query r
shared vec4 part[G * D4 * QB]; // per-group value sums, combined at the end

// Elements off … off + 3 of a head slice ending at `end`, as a vec4 (zeros past the end).
vec4 q_at(uint off, uint end) {
  if (VEC4) return vec4(q4[off / 4]);
  vec4 r;
  [[unroll]] for (uint c = 0; c < 4; ++c) r[c] = off + c < end ? float(q[min(off + c, end - 1)]) : 0.0;
  return r;
}
vec4 k_at(uint off, uint end) {
  if (VEC4) return vec4(k4[off / 4]);
  vec4 r;
  [[unroll]] for (uint c = 0; c < 4; ++c) r[c] = off + c < end ? float(k[min(off + c, end - 1)]) : 0.0;
  return r;
}
vec4 v_at(uint off, uint end) {
  if (VEC4) return vec4(v4[off / 4]);
  vec4 r;
  [[unroll]] for (uint c = 0; c < 4; ++c) r[c] = off + c < end ? float(v[min(off + c, end - 1)]) : 0.0;
  return r;
}

void main() {
  const uint group_size = p.heads / p.kv_heads;  // query heads per KV head
  const uint rows = p.seq * group_size;          // (position, head) rows per sequence and KV head
  const uint blocks = (rows + QB - 1) / QB;
  const uint g = group_index();
  if (g >= p.batch * p.kv_heads * blocks) return;  // uniform in the workgroup
  const uint blk = g % blocks, kvh = (g / blocks) % p.kv_heads, b = g / (blocks * p.kv_heads);
  const uint t = gl_LocalInvocationID.x;
  const uint q_width = p.heads * HD, kv_width = p.kv_heads * HD;
  const uint kv_col = kvh * HD;
  const uint key0 = b * p.keys_per_seq;
  const uint dq = t % D4, group = t / D4;  // value phase: my dimensions and key group

  // The block's rows (those past the end repeat the last row and are not written).
  vec4 qr[QB][D4];
  uvec4 vis, q_off;  // keys each row sees; where its query (and output) starts
  [[unroll]] for (uint r = 0; r < QB; ++r) {
    const uint i = min(blk * QB + r, rows - 1);
    const uint s = i / group_size, h = kvh * group_size + i % group_size;
    vis[r] = p.causal != 0 ? p.context + s + 1 : p.keys_per_seq;
    q_off[r] = (b * p.seq + s) * q_width + h * HD;
    [[unroll]] for (uint d = 0; d < D4; ++d) qr[r][d] = q_at(q_off[r] + 4 * d, q_off[r] + HD) * p.scale;
  }
  const uint visible = max(max(vis.x, vis.y), max(vis.z, vis.w));

  vec4 m = vec4(NEG_INF), l = vec4(0.0);
  vec4 acc[QB];
  [[unroll]] for (uint r = 0; r < QB; ++r) acc[r] = vec4(0.0);
  for (uint c0 = 0; c0 < visible; c0 += WG) {
    const uint key = min(c0 + t, visible - 1);
    const uint k_off = (key0 + key) * kv_width + kv_col;
    vec4 score = vec4(0.0);
    [[unroll]] for (uint d = 0; d < D4; ++d) {
      const vec4 kv = k_at(k_off + 4 * d, k_off + HD);
      [[unroll]] for (uint r = 0; r < QB; ++r) score[r] += dot(qr[r][d], kv);
    }
    const bvec4 seen = lessThan(uvec4(c0 + t), vis);
    score = mix(vec4(NEG_INF), score, seen);
    // Finite: key 0 is visible to every query, so chunk 0 sets m and later chunks keep it.
    const vec4 m_new = max(m, wg_max4(score));
    const vec4 alpha = c0 == 0 ? vec4(0.0) : exp(m - m_new);
    const vec4 pr = mix(vec4(0.0), exp(score - m_new), seen);
    ps[t] = pr;
    l = l * alpha + wg_sum4(pr);  // its barrier also publishes ps
    [[unroll]] for (uint r = 0; r < QB; ++r) acc[r] *= alpha[r];
    if (group < G) {
      const uint n = min(WG, visible - c0);
      for (uint j = group; j < n; j += G) {
        const uint row = (key0 + c0 + j) * kv_width + kv_col;
        const vec4 vv = v_at(row + 4 * dq, row + HD);
        const vec4 pj = ps[j];
        [[unroll]] for (uint r = 0; r < QB; ++r) acc[r] += pj[r] * vv;
      }
    }
    m = m_new;
    barrier();  // ps is rewritten by the next chunk
  }
  if (group < G) {
    [[unroll]] for (uint r = 0; r < QB; ++r) part[(group * D4 + dq) * QB + r] = acc[r];
  }
  barrier();
  for (uint i = t; i < D4 * QB; i += WG) {
    const uint r = i / D4, d = i % D4;
    if (blk * QB + r >= rows) continue;
    vec4 sum = vec4(0.0);
    for (uint gi = 0; gi < G; ++gi) sum += part[(gi * D4 + d) * QB + r];
    sum /= l[r];
    [[unroll]] for (uint c = 0; c < 4; ++c)
      if (4 * d + c < HD) o[q_off[r] + 4 * d + c] = T(sum[c]);
  }
}
