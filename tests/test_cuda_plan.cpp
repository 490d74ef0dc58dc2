// The CUDA backend's host logic, checked without a GPU: launch-shape arithmetic, the
// architectures a device can run, the lowering of graphs to steps (fusions, KV-cache append,
// attention splits), f32 ↔ bf16/f16 conversion and the naming of CUDA and cuBLAS errors.
#include <catch2/catch.hpp>

#include "config.hpp"

#if !INFERMARK_HAS_CUDA

#include <cstdlib>
#include <iostream>

TEST_CASE("cuda plan", "[cuda]") {
  std::cout << "skipped: the cuda backend is not built: " INFERMARK_CUDA_STATUS << std::endl;
  std::exit(77);
}

#else

#include <cstring>
#include <set>

#include "backends/cuda/cuda_check.hpp"
#include "backends/cuda/cuda_memory.hpp"
#include "backends/cuda/cuda_plan.hpp"
#include "backends/cuda/launch_shapes.hpp"
#include "common/error.hpp"
#include "harness/constants.hpp"
#include "support/backend_op_cases.hpp"
#include "support/tiny_models.hpp"

using namespace infermark;
using namespace infermark::cuda;

namespace {

int index_of(const Plan& p, const std::string& name) {
  for (size_t i = 0; i < p.tensors.size(); ++i)
    if (p.tensors[i].name == name) return int(i);
  FAIL("no tensor " << name);
  return -1;
}

const Step& step_named(const Plan& p, const std::string& op) {
  for (const auto& s : p.steps)
    if (s.op == op) return s;
  FAIL("no step " << op);
  throw;
}

// Every step reads only constants, host-made tables or what an earlier step wrote, and never
// a tensor that was given no memory.
void check_order(const Plan& p) {
  std::set<int> ready;
  for (size_t i = 0; i < p.tensors.size(); ++i)
    if (p.tensors[i].initial || !p.tensors[i].derived.empty()) ready.insert(int(i));
  for (const auto& s : p.steps) {
    INFO("step " << s.op << " (" << to_string(s.kind) << ")");
    std::vector<int> reads = s.in;
    if (s.residual >= 0) reads.push_back(s.residual);
    for (int t : reads) {
      INFO("reads " << p.tensors[t].name);
      CHECK(ready.count(t) == 1);
      CHECK(p.tensors[t].bytes > 0);
    }
    REQUIRE(s.out >= 0);
    CHECK(p.tensors[s.out].bytes > 0);
    ready.insert(s.out);
    if (s.partial >= 0) CHECK(p.tensors[s.partial].bytes > 0);
  }
  CHECK(ready.count(p.output) == 1);
}

Plan plan_of(const Workload& w, const TensorSet& constants, const Graph& g, int sms = 132) {
  return make_plan(g, constants, storage_of(w.precision), sms);
}

}  // namespace

TEST_CASE("cuda element-wise and row kernels: block counts and sizes", "[cuda]") {
  CHECK(eltwise_blocks(0) == 1);
  CHECK(eltwise_blocks(1) == 1);
  CHECK(eltwise_blocks(256) == 1);
  CHECK(eltwise_blocks(257) == 2);
  CHECK(eltwise_blocks(int64_t(1) << 40) == 65535);  // the grid-stride loop covers the rest
  CHECK(row_threads(1) == 32);
  CHECK(row_threads(33) == 32);     // ⌈33/4⌉ = 9 → one warp
  CHECK(row_threads(768) == 192);   // BERT-base: 4 a thread, 6 warps
  CHECK(row_threads(4096) == 1024);
  CHECK(row_threads(1 << 20) == 1024);
  CHECK(combine_threads(8) == 32);
  CHECK(combine_threads(64) == 64);
  CHECK(combine_threads(100) == 128);
}

TEST_CASE("cuda attention launch: warps, split-K and shared memory by hand", "[cuda]") {
  SECTION("GPT-2 decode, b1, 512 cached keys, 12 heads of 64, on 132 SMs") {
    const AttentionShape s{1, 1, 512, 12, 12, 64, true};
    CHECK(s.keys() == 513);
    const AttentionLaunch l = attention_launch(s, 132);
    CHECK(l.warps == 1);  // one row (query, head) per KV head
    CHECK(l.row_blocks == 1);
    // 12 blocks < 264 wanted: min(⌈264/12⌉ = 22, ⌊513/64⌋ = 8) = 8 splits of ⌈513/8⌉ = 65 → 96
    // keys, so ⌈513/96⌉ = 6 splits.
    CHECK(l.chunk == 96);
    CHECK(l.splits == 6);
    CHECK(l.blocks(s) == 72);
    CHECK(l.dims_per_lane == 2);
    CHECK(l.k_stride == 65);
    CHECK(l.smem_bytes == 4 * (32 * 65 + 32 * 64 + 1 * 64));
    CHECK(l.partial_floats == 1 * 12 * 1 * 6 * 66);
  }
  SECTION("Llama-8B decode, b1, 2048 cached keys, GQA 32/8, head_dim 128") {
    const AttentionShape s{1, 1, 2048, 32, 8, 128, true};
    const AttentionLaunch l = attention_launch(s, 132);
    CHECK(l.warps == 4);  // the 4 query heads of a KV head share its tiles
    CHECK(l.row_blocks == 1);
    // 8 blocks: min(33, ⌊2049/64⌋ = 32) = 32 splits of ⌈2049/32⌉ = 65 → 96 keys: 22 splits.
    CHECK(l.chunk == 96);
    CHECK(l.splits == 22);
    CHECK(l.dims_per_lane == 4);
    CHECK(l.smem_bytes == 4 * (32 * 129 + 32 * 128 + 4 * 128));
  }
  SECTION("TinyLlama prefill, b1 s512, GQA 32/4: enough blocks, no split") {
    const AttentionShape s{1, 512, 0, 32, 4, 64, false};
    const AttentionLaunch l = attention_launch(s, 132);
    CHECK(l.warps == 8);
    CHECK(l.row_blocks == 512);  // 512 positions × 8 heads / 8 warps
    CHECK(l.splits == 1);
    CHECK(l.chunk == 512);
    CHECK(l.partial_floats == 0);
  }
  SECTION("short key ranges are never split") {
    const AttentionShape s{1, 1, 100, 4, 4, 16, true};
    CHECK(attention_launch(s, 132).splits == 1);
  }
  SECTION("odd head_dim: unpadded K rows, one dimension a lane") {
    const AttentionLaunch l = attention_launch({2, 3, 0, 4, 2, 33, false}, 132);
    CHECK(l.k_stride == 33);
    CHECK(l.dims_per_lane == 2);
    CHECK(l.warps == 6);
  }
  CHECK(attention_head_dim_ok(256));
  CHECK_FALSE(attention_head_dim_ok(257));
  CHECK_FALSE(attention_head_dim_ok(0));
  // head_dim 256 with 8 warps is over the 48 KiB default: the kernel opts in to more.
  CHECK(attention_smem_bytes(256, 8) == 4 * (32 * 257 + 32 * 256 + 8 * 256));
  CHECK(attention_smem_bytes(256, 8) > 48 * 1024);
  CHECK(attention_smem_bytes(128, 8) < 48 * 1024);
}

TEST_CASE("cuda architectures: which compute capabilities a build runs on", "[cuda]") {
  const std::string def = "80-real;90";  // the project's default
  CHECK(arch_compatible(80, def));        // A100: sm_80
  CHECK(arch_compatible(86, def));        // sm_80 code runs on 8.6 and 8.9
  CHECK(arch_compatible(89, def));
  CHECK(arch_compatible(90, def));        // H100/H200
  CHECK(arch_compatible(100, def));       // Blackwell: compute_90 PTX, JIT-compiled
  CHECK(arch_compatible(120, def));
  CHECK_FALSE(arch_compatible(75, def));  // Turing: no code old enough
  CHECK_FALSE(arch_compatible(100, "80-real;90-real"));  // no PTX, no Blackwell
  CHECK(arch_compatible(90, "80-real,90"));              // the comma form the build passes
  CHECK_FALSE(arch_compatible(80, "86-real"));
  CHECK(arch_compatible(90, "90a"));
  CHECK_FALSE(arch_compatible(100, "90a"));              // arch-specific code: no forward PTX
  CHECK(arch_compatible(75, "native"));
  CHECK(arch_compatible(75, "75-virtual"));
}

TEST_CASE("cuda storage conversions round to nearest like CUDA's own", "[cuda]") {
  auto bits = [](const std::vector<std::byte>& b, size_t i) {
    uint16_t v;
    std::memcpy(&v, b.data() + 2 * i, 2);
    return v;
  };
  const std::vector<float> x{1.0f, -2.0f, 1.0f / 3.0f, 65504.0f, 1e5f, 0.0f};
  const auto bf = to_storage(x.data(), x.size(), Storage::BF16);
  REQUIRE(bf.size() == 12);
  CHECK(bits(bf, 0) == 0x3f80);
  CHECK(bits(bf, 1) == 0xc000);
  CHECK(bits(bf, 2) == 0x3eab);  // 0x3eaaaaab rounds up
  CHECK(bits(bf, 5) == 0x0000);
  const auto h = to_storage(x.data(), x.size(), Storage::F16);
  CHECK(bits(h, 0) == 0x3c00);
  CHECK(bits(h, 1) == 0xc000);
  CHECK(bits(h, 2) == 0x3555);
  CHECK(bits(h, 3) == 0x7bff);  // the largest f16
  CHECK(bits(h, 4) == 0x7c00);  // overflow to +inf
  const auto back = from_storage(bf.data(), x.size(), Storage::BF16);
  CHECK(back[0] == 1.0f);
  CHECK(back[2] == 0.333984375f);
  const auto hb = from_storage(h.data(), x.size(), Storage::F16);
  CHECK(hb[2] == 0.333251953125f);
  const auto f = to_storage(x.data(), x.size(), Storage::F32);
  CHECK(from_storage(f.data(), x.size(), Storage::F32) == x);
}

TEST_CASE("cuda layout: sub-allocations aligned to 256 bytes", "[cuda]") {
  std::vector<size_t> offsets;
  CHECK(layout_offsets({10, 256, 0, 300, 4}, offsets) == 256 + 256 + 0 + 512 + 256);
  CHECK(offsets == std::vector<size_t>{0, 256, 512, 512, 1024});
}

TEST_CASE("cuda errors name the CUDA or cuBLAS error, the call and the line", "[cuda]") {
  CHECK(error_text(cudaErrorNoDevice).rfind("cudaErrorNoDevice (", 0) == 0);
  CHECK(is_sticky(cudaErrorIllegalAddress));
  CHECK(is_sticky(cudaErrorLaunchFailure));
  CHECK_FALSE(is_sticky(cudaErrorMemoryAllocation));
  CHECK_FALSE(is_sticky(cudaErrorNoDevice));
  try {
    IM_CUDA_CHECK(cudaErrorIllegalAddress);
    FAIL("no throw");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Backend);
    const std::string m = e.what();
    CHECK_THAT(m, Catch::Contains("cudaErrorIllegalAddress"));
    CHECK_THAT(m, Catch::Contains("unusable"));
    CHECK_THAT(m, Catch::Contains("test_cuda_plan.cpp:"));
  }
  try {
    IM_CUBLAS_CHECK(CUBLAS_STATUS_NOT_SUPPORTED);
    FAIL("no throw");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Backend);
    CHECK_THAT(e.what(), Catch::Contains("CUBLAS_STATUS_NOT_SUPPORTED"));
  }
}

TEST_CASE("cuda plan of a Llama layer: GQA attention, RoPE, cache append and the fusions", "[cuda]") {
  const Workload w = testing::tiny_workload("tiny-llama", Phase::Prefill, 2, 16, 0);
  const Graph g = lower(w);
  const TensorSet c = make_constants(g, 42, "");
  const Plan p = plan_of(w, c, g);
  check_order(p);
  // 36 graph ops; per layer three fuse away (attn_out+attn_res, gate_act+glu, down+ffn_res)
  // and cached attention adds two cache copies: 36 − 6 + 4.
  CHECK(g.ops.size() == 36);
  CHECK(p.steps.size() == 34);
  CHECK(p.fusions.size() == 6);

  const Step& o = step_named(p, "layer.0.attn_out+layer.0.attn_res");
  CHECK(o.kind == StepKind::Matmul);
  CHECK(o.residual == index_of(p, "embed.token_rows"));  // x + attn(norm(x)), x the embedding
  CHECK(o.out == index_of(p, "layer.0.attn_res"));
  CHECK_FALSE(o.bias);
  CHECK(p.tensors[index_of(p, "layer.0.attn_out")].bytes == 0);  // never materialised

  const Step& glu = step_named(p, "layer.1.gate_act+layer.1.glu");
  CHECK(glu.kind == StepKind::SiluMul);
  CHECK(glu.in == std::vector<int>{index_of(p, "layer.1.gate"), index_of(p, "layer.1.up")});

  const Step& att = step_named(p, "layer.0.attn");  // the first step of the op: a cache copy
  CHECK(att.kind == StepKind::CopyRows);
  // k rows b·16 + s go to cache rows b·16 + 0 + s (no context yet).
  CHECK(att.copy.blocks == 2);
  CHECK(att.copy.rows_per_block == 16);
  CHECK(att.copy.dst_stride == 16);
  CHECK(att.copy.dst_offset == 0);
  CHECK(att.copy.cols == 2 * 16);  // kv_heads · head_dim
  int attention_steps = 0;
  for (const auto& s : p.steps) {
    if (s.kind != StepKind::Attention) continue;
    ++attention_steps;
    CHECK(s.shape.heads == 4);
    CHECK(s.shape.kv_heads == 2);
    CHECK(s.shape.cached);
    CHECK(s.in[1] == index_of(p, s.op == "layer.0.attn" ? "layer.0.cache.k" : "layer.1.cache.k"));
    CHECK(s.launch.warps == 8);  // 16 positions × 2 heads a group
  }
  CHECK(attention_steps == 2);
  const Step& rope = step_named(p, "layer.0.q_rope");
  CHECK(rope.positions == 256);  // the model's max_seq covers positions 0 … 15
  CHECK(p.tensors[rope.in[2]].derived.size() == 256 * 8 * 2);
  CHECK(step_named(p, "layer.0.k_rope").in[2] == rope.in[2]);  // one table for q and k
}

TEST_CASE("cuda plan of a BERT layer: bias epilogues, post-LN residuals and storage sizes", "[cuda]") {
  const Workload w = testing::tiny_workload("tiny-bert", Phase::Encode, 2, 16, 0, Precision::BF16);
  const Graph g = lower(w);
  const TensorSet c = make_constants(g, 42, "");
  const Plan p = plan_of(w, c, g);
  check_order(p);
  CHECK(p.storage == Storage::BF16);
  const Step& q = step_named(p, "layer.0.q");
  CHECK(q.kind == StepKind::Matmul);
  CHECK(q.bias);
  CHECK(q.m == 32);
  CHECK(q.n == 64);
  CHECK(q.k == 64);
  const Step& res = step_named(p, "layer.0.attn_out+layer.0.attn_res");
  CHECK(res.bias);
  CHECK(res.residual == index_of(p, "embed.out"));
  CHECK(step_named(p, "layer.0.up_act").kind == StepKind::Gelu);  // exact GELU: its own kernel
  const Step& att = step_named(p, "layer.0.attn");
  CHECK(att.kind == StepKind::Attention);  // no cache in an encoder
  CHECK_FALSE(att.attrs.causal);
  CHECK(att.in[1] == index_of(p, "layer.0.k"));
  CHECK(p.tensors[index_of(p, "layer.0.q")].bytes == 32 * 64 * 2);
  CHECK(p.tensors[index_of(p, "input.token_ids")].bytes == 32 * 4);
}

TEST_CASE("cuda plan of GPT-2 decode: append at the context, last token, tied LM head", "[cuda]") {
  const Workload w = testing::tiny_workload("tiny-gpt2", Phase::Decode, 2, 1, 31);
  const Graph g = lower(w);
  const TensorSet c = make_constants(g, 42, "");
  const Plan p = plan_of(w, c, g);
  check_order(p);
  const Step& append = step_named(p, "layer.1.attn");
  CHECK(append.kind == StepKind::CopyRows);
  // Row b of k goes to cache row b·32 + 31.
  CHECK(append.copy.blocks == 2);
  CHECK(append.copy.rows_per_block == 1);
  CHECK(append.copy.src_stride == 1);
  CHECK(append.copy.dst_stride == 32);
  CHECK(append.copy.dst_offset == 31);
  const Step& last = step_named(p, "last_token");
  CHECK(last.copy.src_stride == 1);
  CHECK(last.copy.src_offset == 0);
  const Step& logits = step_named(p, "logits");
  CHECK(logits.in[1] == index_of(p, "embed.token"));
  CHECK(logits.n == 512);
  CHECK(p.output_shape == std::vector<int64_t>{2, 512});
}

TEST_CASE("cuda plan of every shared op case reads only what is written", "[cuda]") {
  for (const auto& c : testing::backend_op_cases()) {
    INFO(c.name);
    for (Storage s : {Storage::F32, Storage::BF16, Storage::F16}) check_order(make_plan(c.graph, c.constants, s, 132));
  }
}

TEST_CASE("cuda plan: two products summed fuse one, the other runs first", "[cuda]") {
  Graph g;
  TensorSet c;
  auto constant = [&](const std::string& name, std::vector<int64_t> shape, TensorRole role) {
    g.tensors.push_back({name, shape, DType::F32, role});
    HostTensor t{shape, DType::F32, {}, {}};
    t.f32.assign(size_t(t.numel()), 0.5f);
    c.tensors[name] = t;
  };
  constant("x", {3, 4}, TensorRole::Input);
  constant("w1", {5, 4}, TensorRole::Weight);
  constant("w2", {5, 4}, TensorRole::Weight);
  g.tensors.push_back({"p1", {3, 5}, DType::F32, TensorRole::Activation});
  g.tensors.push_back({"p2", {3, 5}, DType::F32, TensorRole::Activation});
  g.tensors.push_back({"sum", {3, 5}, DType::F32, TensorRole::Output});
  g.ops.push_back({OpKind::MatMul, "p1", {"x", "w1"}, "p1", {}});
  g.ops.push_back({OpKind::MatMul, "p2", {"x", "w2"}, "p2", {}});
  g.ops.push_back({OpKind::Add, "sum", {"p1", "p2"}, "sum", {}});
  g.output = "sum";
  const Plan p = make_plan(g, c, Storage::F32, 132);
  check_order(p);
  REQUIRE(p.steps.size() == 2);
  CHECK(p.steps[0].op == "p2");
  CHECK(p.steps[1].op == "p1+sum");
  CHECK(p.steps[1].residual == index_of(p, "p2"));
}

TEST_CASE("cuda plan rejects broken graphs and head_dim above the kernel's", "[cuda]") {
  auto cases = testing::backend_op_cases();
  testing::OpCase att;
  for (auto& oc : cases)
    if (oc.name.rfind("attention/cached_causal/", 0) == 0) att = oc;
  REQUIRE_FALSE(att.name.empty());
  {
    TensorSet missing = att.constants;
    missing.tensors.erase("k_cache");
    try {
      make_plan(att.graph, missing, Storage::F32, 132);
      FAIL("no throw");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::Internal);
      CHECK_THAT(e.what(), Catch::Contains("k_cache"));
    }
  }
  // The same op with head_dim 512 (shapes scaled to match): Unavailable, not a crash.
  Graph g;
  TensorSet c;
  const int hd = 512;
  for (const char* n : {"q", "k", "v"}) {
    g.tensors.push_back({n, {1, hd}, DType::F32, TensorRole::Input});
    c.tensors[n] = HostTensor{{1, hd}, DType::F32, std::vector<float>(hd, 0.1f), {}};
  }
  g.tensors.push_back({"out", {1, hd}, DType::F32, TensorRole::Output});
  OpAttrs a;
  a.heads = a.kv_heads = 1;
  a.head_dim = hd;
  a.batch = a.seq = 1;
  a.scale = 1;
  g.ops.push_back({OpKind::Attention, "att", {"q", "k", "v"}, "out", a});
  g.output = "out";
  try {
    make_plan(g, c, Storage::F32, 132);
    FAIL("no throw");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Unavailable);
    CHECK_THAT(e.what(), Catch::Contains("head_dim 512"));
  }
}

#endif
