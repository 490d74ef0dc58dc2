#include "backends/onednn/attention.hpp"

#include <algorithm>
#include <cstring>
#include <map>

namespace infermark::onednn {
namespace {

using dnnl::memory;

[[noreturn]] void fail(const Op& op, const std::string& msg) {
  throw Error(ErrorKind::Internal, "onednn backend: op '" + op.name + "' (Attention): " + msg);
}

// A masked score, far below any real one, finite so no inf − inf can turn into NaN.
constexpr float kMasked = -1e30f;

// The shapes of one attention op, in elements.
struct Dims {
  int64_t B, S, L, context, KVH, G, hd, qw, kvw;
};

class AttentionStep : public Step {
 public:
  Dims d{};
  Tensor* q = nullptr;
  Tensor* out = nullptr;
  Tensor* k = nullptr;        // new keys and values [B*S, kvw]
  Tensor* v = nullptr;
  Tensor* k_cache = nullptr;  // [B*L, kvw]; null without a cache
  Tensor* v_cache = nullptr;
  // Row tiles of the G·S query rows: scores of one tile stay in cache between QKᵀ, softmax and PV.
  struct Tile {
    PrimitiveCall qk, softmax, pv;
  };
  std::vector<Tile> tiles;
  AlignedBuffer scores, probs, mask;  // scores and probs: one tile; mask: every row
  AlignedBuffer q_packed, out_packed;  // tiles of [B, KVH, rows, hd]; empty when read in place
  int64_t tile_rows = 0;

  void run(dnnl::stream& s) override {
    if (k_cache) append();
    if (q_packed.bytes()) pack();
    for (const auto& t : tiles) {
      t.qk.execute(s);
      t.softmax.execute(s);
      t.pv.execute(s);
    }
    if (out_packed.bytes()) unpack();
  }
  bool run_gemms(dnnl::stream& s) override {
    for (const auto& t : tiles) {
      t.qk.execute(s);
      t.pv.execute(s);
    }
    return true;
  }

 private:
  // k and v go to cache rows context … context+S−1 of each sequence before anything reads them.
  void append() {
    const size_t row = size_t(d.kvw) * dt_size(k->type);
    auto* ks = static_cast<const std::byte*>(k->data());
    auto* vs = static_cast<const std::byte*>(v->data());
    auto* kc = static_cast<std::byte*>(k_cache->data());
    auto* vc = static_cast<std::byte*>(v_cache->data());
    for (int64_t b = 0; b < d.B; ++b) {
      for (int64_t s = 0; s < d.S; ++s) {
        const size_t src = size_t(b * d.S + s) * row;
        const size_t dst = size_t(b * d.L + d.context + s) * row;
        std::memcpy(kc + dst, ks + src, row);
        std::memcpy(vc + dst, vs + src, row);
      }
    }
  }

  // Row (b, s), head g·G + j of q is row m = j·S + s of KV head g. Packed, the rows are cut in
  // tiles of tile_rows, each tile dense [B, KVH, rows, hd], so every tile is a plain batched matmul.
  template <bool kPack>
  void copy_heads(std::byte* packed, Tensor& t) {
    const int64_t es = int64_t(dt_size(t.type)), heads = d.KVH * d.G, M = d.G * d.S;
    const size_t head = size_t(d.hd * es);
    auto* rows = static_cast<std::byte*>(t.data());
#pragma omp parallel for collapse(2) schedule(static) if (d.B * d.S * d.qw >= 65536)
    for (int64_t b = 0; b < d.B; ++b) {
      for (int64_t s = 0; s < d.S; ++s) {
        for (int64_t h = 0; h < heads; ++h) {
          const int64_t g = h / d.G, m = (h % d.G) * d.S + s;
          const int64_t t0 = m / tile_rows * tile_rows, n = std::min(tile_rows, M - t0);
          const int64_t off = d.B * d.KVH * t0 + (b * d.KVH + g) * n + (m - t0);
          std::byte* r = rows + size_t((b * d.S + s) * heads + h) * head;
          std::byte* p = packed + size_t(off) * head;
          if constexpr (kPack) std::memcpy(p, r, head);
          else std::memcpy(r, p, head);
        }
      }
    }
  }
  void pack() { copy_heads<true>(static_cast<std::byte*>(q_packed.data()), *q); }
  void unpack() { copy_heads<false>(static_cast<std::byte*>(out_packed.data()), *out); }
};

}  // namespace

std::unique_ptr<Step> make_attention_step(const Op& op, BuildEnv& env) {
  const OpAttrs& a = op.attrs;
  if (op.inputs.size() != (a.cached ? 5u : 3u)) fail(op, "wrong number of inputs");
  if (a.heads <= 0 || a.kv_heads <= 0 || a.heads % a.kv_heads != 0 || a.head_dim <= 0 ||
      a.batch <= 0 || a.seq <= 0 || a.context < 0 || (!a.cached && a.context != 0)) {
    fail(op, "attrs need heads a positive multiple of kv_heads, positive head_dim, batch and "
             "seq, and context 0 unless cached");
  }
  TensorTable& tt = env.tensors;
  const dt act = tt.act();
  const Dims d{a.batch,
               a.seq,
               (a.cached ? a.context : 0) + a.seq,  // keys per sequence
               a.context,
               a.kv_heads,
               a.heads / a.kv_heads,
               a.head_dim,
               int64_t(a.heads) * a.head_dim,
               int64_t(a.kv_heads) * a.head_dim};
  auto step = std::make_unique<AttentionStep>();
  step->d = d;
  step->q = &tt.get(op.inputs[0]);
  step->k = &tt.get(op.inputs[1]);
  step->v = &tt.get(op.inputs[2]);
  step->out = &tt.get(op.output);
  auto expect = [&](Tensor& t, int64_t rows, int64_t cols) {
    if (t.desc.shape != std::vector<int64_t>{rows, cols} || t.type == dt::s32) {
      fail(op, "tensor '" + t.desc.name + "' is " + shape_to_string(t.desc.shape) +
                   ", expected [" + std::to_string(rows) + ", " + std::to_string(cols) + "]");
    }
  };
  expect(*step->q, d.B * d.S, d.qw);
  expect(*step->k, d.B * d.S, d.kvw);
  expect(*step->v, d.B * d.S, d.kvw);
  expect(*step->out, d.B * d.S, d.qw);
  Tensor* keys = step->k;
  Tensor* values = step->v;
  if (a.cached) {
    for (size_t i = 3; i < 5; ++i) {
      if (tt.desc(op.inputs[i]).role != TensorRole::State) {
        fail(op, "cache '" + op.inputs[i] + "' must have role State");
      }
    }
    step->k_cache = keys = &tt.get(op.inputs[3]);
    step->v_cache = values = &tt.get(op.inputs[4]);
    expect(*keys, d.B * d.L, d.kvw);
    expect(*values, d.B * d.L, d.kvw);
    env.record.own_kernel("kv_cache_append");
  }

  // Both matmuls are batched over (sequence, KV head), with M = the G·S query rows that share a
  // KV head. Keys and values (cache included) are always read in place through strides. Queries
  // and output are too when that is a plain permutation of [B*S, heads*hd] (G = 1, or one query
  // per sequence, as in decode); otherwise (GQA prefill) they are packed head-major first, because
  // oneDNN's brgemm matmul rejects the gapped view and would fall back to a slow gemm.
  const int64_t M = d.G * d.S;
  // Rows per tile: tuning.attention_tile_bytes of f32 scores for all (sequence, KV head) pairs,
  // in multiples of 16 rows (the brgemm kernels' row blocking), so scores stay in cache from
  // QKᵀ to PV.
  const int64_t row_bytes = d.B * d.KVH * d.L * int64_t(sizeof(float));
  int64_t tile_rows = std::max<int64_t>(1, env.tuning.attention_tile_bytes / row_bytes);
  if (tile_rows >= 32) tile_rows -= tile_rows % 16;
  tile_rows = std::min(tile_rows, M);
  step->tile_rows = tile_rows;
  // Queries and output are read in place when one tile covers them and the [B, KVH, M, hd] view
  // of [B*S, heads*hd] is a plain permutation (G = 1, or one query per sequence as in decode);
  // otherwise they are packed tile by tile: brgemm matmul rejects gapped views and would fall
  // back to a much slower gemm.
  const bool in_place = tile_rows == M && (d.G == 1 || d.S == 1);
  const dims in_place_strides = d.S == 1 ? dims{d.qw, d.G * d.hd, d.hd, 1}
                                         : dims{d.S * d.qw, d.hd, d.qw, 1};
  std::byte* q_ptr = static_cast<std::byte*>(step->q->data());
  std::byte* out_ptr = static_cast<std::byte*>(step->out->data());
  if (!in_place) {
    const size_t bytes = size_t(d.B * d.KVH * M * d.hd) * dt_size(act);
    step->q_packed = AlignedBuffer(bytes);
    step->out_packed = AlignedBuffer(bytes);
    q_ptr = static_cast<std::byte*>(step->q_packed.data());
    out_ptr = static_cast<std::byte*>(step->out_packed.data());
    env.record.own_kernel("attention_pack");
  }
  step->scores = AlignedBuffer(size_t(tile_rows * row_bytes));
  std::byte* probs = static_cast<std::byte*>(step->scores.data());  // f32: softmax in place
  if (act != dt::f32) {
    step->probs = AlignedBuffer(size_t(tile_rows * d.B * d.KVH * d.L) * dt_size(act));
    probs = static_cast<std::byte*>(step->probs.data());
  }

  // Causal: query s sees keys 0 … context + s; with one query per sequence that is all of them.
  // A tile reads only the keys its last-placed query can see (causal skipping) and masks the
  // rest of its rows through a per-tile mask, fused into QKᵀ as a binary-add post-op.
  const bool masked = a.causal && d.S > 1;
  struct TileShape {
    int64_t r0, rows, keys;
  };
  std::vector<TileShape> shapes;
  int64_t mask_elems = 0;
  for (int64_t r0 = 0; r0 < M; r0 += tile_rows) {
    const int64_t rows = std::min(tile_rows, M - r0);
    int64_t keys = d.L;
    if (masked) {
      // Rows are (j, s) with s = row mod S; a tile that wraps past s = S−1 needs every key.
      // Only with one sequence: with several, a shorter key range is a gapped view of the cache
      // (sequence stride L rows) that brgemm rejects.
      const int64_t s_first = r0 % d.S, s_last = (r0 + rows - 1) % d.S;
      if (d.B == 1 && s_last >= s_first && rows <= d.S) keys = d.context + s_last + 1;
      mask_elems += rows * keys;
    }
    shapes.push_back({r0, rows, keys});
  }
  if (masked) step->mask = AlignedBuffer(size_t(mask_elems) * sizeof(float));
  env.tensors.note_workspace(step->q_packed.bytes() + step->out_packed.bytes() +
                             step->scores.bytes() + step->probs.bytes() + step->mask.bytes());

  // The primitives of a tile shape: QKᵀ (scale and mask fused), softmax, PV.
  struct TilePds {
    memory::desc q_md, k_md, v_md, s_md, p_md, mask_md, rows_f32, rows_act;
    dnnl::matmul::primitive_desc qk, pv;
    dnnl::softmax_v2_forward::primitive_desc sm;
  };
  std::map<std::pair<int64_t, int64_t>, TilePds> pds;
  auto pds_for = [&](int64_t rows, int64_t keys) -> const TilePds& {
    auto [it, fresh] = pds.try_emplace({rows, keys});
    if (!fresh) return it->second;
    TilePds& t = it->second;
    t.q_md = in_place ? strided({d.B, d.KVH, rows, d.hd}, act, in_place_strides)
                      : dense({d.B, d.KVH, rows, d.hd}, act);
    // keys < L only with B = 1, where the sequence stride is free: give it the dense value.
    const int64_t seq_stride = (keys == d.L ? d.L : keys) * d.kvw;
    t.k_md = strided({d.B, d.KVH, d.hd, keys}, act, {seq_stride, d.hd, 1, d.kvw});
    t.v_md = strided({d.B, d.KVH, keys, d.hd}, act, {seq_stride, d.hd, d.kvw, 1});
    t.s_md = dense({d.B, d.KVH, rows, keys}, dt::f32);
    t.p_md = dense({d.B, d.KVH, rows, keys}, act);
    t.mask_md = dense({1, 1, rows, keys}, dt::f32);
    dnnl::primitive_attr qk_attr = default_attr();
    qk_attr.set_output_scales(0, {float(a.scale)});
    if (masked) {
      dnnl::post_ops po;
      po.append_binary(dnnl::algorithm::binary_add, t.mask_md);
      qk_attr.set_post_ops(po);
    }
    t.qk = dnnl::matmul::primitive_desc(dnnl::matmul::desc(t.q_md, t.k_md, t.s_md), qk_attr,
                                        env.eng);
    t.pv = dnnl::matmul::primitive_desc(dnnl::matmul::desc(t.p_md, t.v_md, t.q_md),
                                        default_attr(), env.eng);
    const int64_t n = d.B * d.KVH * rows;
    t.rows_f32 = dense({n, keys}, dt::f32);
    t.rows_act = dense({n, keys}, act);
    t.sm = dnnl::softmax_v2_forward::primitive_desc(
        dnnl::softmax_v2_forward::desc(dnnl::prop_kind::forward_inference,
                                       dnnl::algorithm::softmax_accurate, t.rows_f32, t.rows_act, 1),
        default_attr(), env.eng);
    env.record.primitive("matmul", op.name + " (QKᵀ)", t.qk);
    env.record.primitive("matmul", op.name + " (PV)", t.pv);
    env.record.primitive("softmax", op.name, t.sm);
    return t;
  };

  const int64_t es = int64_t(dt_size(act));
  auto* mask = static_cast<float*>(step->mask.data());
  for (const TileShape& ts : shapes) {
    const TilePds& p = pds_for(ts.rows, ts.keys);
    // In place there is one tile at offset 0; packed tiles follow each other.
    const int64_t q_off = in_place ? 0 : d.B * d.KVH * ts.r0 * d.hd * es;
    AttentionStep::Tile tile;
    tile.qk = PrimitiveCall{dnnl::matmul(p.qk)};
    tile.qk.arg(DNNL_ARG_SRC, memory(p.q_md, env.eng, q_ptr + q_off));
    tile.qk.arg(DNNL_ARG_WEIGHTS, memory(p.k_md, env.eng, keys->data()));
    tile.qk.arg(DNNL_ARG_DST, memory(p.s_md, env.eng, step->scores.data()));
    if (masked) {
      for (int64_t r = 0; r < ts.rows; ++r) {
        const int64_t s = (ts.r0 + r) % d.S;
        for (int64_t t = 0; t < ts.keys; ++t)
          mask[r * ts.keys + t] = t <= d.context + s ? 0.f : kMasked;
      }
      tile.qk.arg(DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1,
                  memory(p.mask_md, env.eng, mask));
      mask += ts.rows * ts.keys;
    }
    env.scratchpad.attach(tile.qk, p.qk);
    tile.softmax = PrimitiveCall{dnnl::softmax_v2_forward(p.sm)};
    tile.softmax.arg(DNNL_ARG_SRC, memory(p.rows_f32, env.eng, step->scores.data()));
    tile.softmax.arg(DNNL_ARG_DST, memory(p.rows_act, env.eng, probs));
    env.scratchpad.attach(tile.softmax, p.sm);
    tile.pv = PrimitiveCall{dnnl::matmul(p.pv)};
    tile.pv.arg(DNNL_ARG_SRC, memory(p.p_md, env.eng, probs));
    tile.pv.arg(DNNL_ARG_WEIGHTS, memory(p.v_md, env.eng, values->data()));
    tile.pv.arg(DNNL_ARG_DST, memory(p.q_md, env.eng, out_ptr + q_off));
    env.scratchpad.attach(tile.pv, p.pv);
    step->tiles.push_back(std::move(tile));
  }
  env.record.fusion(masked ? "attention_qk+scale+causal_mask" : "attention_qk+scale");
  env.record.count("attention_tiles", int(step->tiles.size()));
  return step;
}

}  // namespace infermark::onednn
