// The CUDA backend's quantized precisions (issue 12). Without a GPU: the padding and launch
// arithmetic, supports()'s rules by compute capability and shape, and the plan's lowering of
// int8/int4w MatMuls (quantized bytes and scales checked against suites/quantize.hpp). With a GPU:
// the shared matmul op cases, fused bias/residual cases and tiny workloads against the reference
// on the same quantized model; those exit 77 (CTest: skipped) saying why where there is none.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

#include "config.hpp"

#include "support/skip.hpp"

using infermark::test::skip;

#if !INFERMARK_HAS_CUDA

TEST_CASE("cuda quantized", "[cuda][quant]") { skip("the cuda backend is not built: " INFERMARK_CUDA_STATUS); }

#else

#include <algorithm>
#include <cstring>
#include <tuple>

#include <cuda_runtime_api.h>

#include "backends/cuda/cuda_backend.hpp"
#include "backends/cuda/cuda_memory.hpp"
#include "backends/cuda/kernels.hpp"
#include "backends/cuda/cuda_plan.hpp"
#include "backends/cuda/quant_shapes.hpp"
#include "backends/cuda/quant_support.hpp"
#include "backends/registry.hpp"
#include "common/error.hpp"
#include "harness/constants.hpp"
#include "harness/correctness.hpp"
#include "harness/reference_cache.hpp"
#include "suites/graph_builder.hpp"
#include "suites/quantize.hpp"
#include "support/backend_op_cases.hpp"
#include "support/tiny_models.hpp"

using namespace infermark;
using namespace infermark::cuda;

namespace {

Workload quantized(const std::string& model, Phase phase, int batch, int seq, int context, Precision p,
                   Precision compute = Precision::BF16, int group = 32) {
  Workload w = testing::tiny_workload(model, phase, batch, seq, context, Precision::F32);
  w.precision = p;
  w.compute = compute;
  w.group_size = group;  // the tiny models' widths are multiples of 32, not all of 128
  validate_workload(w, "test", "/workload");
  return w;
}

const PlanTensor& tensor_named(const Plan& p, const std::string& name) {
  for (const auto& t : p.tensors)
    if (t.name == name) return t;
  FAIL("no tensor " << name);
  throw;
}

struct Lowered {
  Graph graph;
  TensorSet constants;
  Plan plan;
};

Lowered lower_quantized(const Workload& w) {
  Lowered l{lower(w), {}, {}};
  l.constants = make_constants(l.graph, 42, "");  // applies the weight quantization
  l.plan = make_plan(l.graph, l.constants, storage_of(w), 132);
  return l;
}

size_t count_weight_matmuls(const Graph& g) {
  size_t n = 0;
  for (const Op& op : g.ops)
    n += op.kind == OpKind::MatMul && g.tensor(op.inputs[1]).role == TensorRole::Weight;
  return n;
}

const Op& op_named(const Graph& g, const std::string& name) {
  for (const auto& op : g.ops)
    if (op.name == name) return op;
  FAIL("no op " << name);
  throw;
}

}  // namespace

TEST_CASE("cuda int8: K and N padding for cuBLASLt IMMA, by hand", "[cuda][quant]") {
  CHECK(int8_padded_k(1) == 16);
  CHECK(int8_padded_k(16) == 16);
  CHECK(int8_padded_k(17) == 32);
  CHECK(int8_padded_k(33) == 48);
  CHECK(int8_padded_k(127) == 128);
  CHECK(int8_padded_k(768) == 768);
  CHECK(int8_padded_n(1) == 4);
  CHECK(int8_padded_n(5) == 8);
  CHECK(int8_padded_n(65) == 68);
  CHECK(int8_padded_n(50257) == 50260);  // GPT-2's vocabulary: 4 · 12565
  CHECK(int8_padded_n(4096) == 4096);
}

TEST_CASE("cuda int4w: group sizes, GEMV or tiled, and grids by hand", "[cuda][quant]") {
  CHECK(int4w_shape_problem(768, 128).empty());
  CHECK(int4w_shape_problem(96, 32).empty());
  CHECK(int4w_shape_problem(96, 128).find("K = 96 is not a multiple of the group size 128") != std::string::npos);
  CHECK(int4w_shape_problem(128, 64).find("group size 64") != std::string::npos);
  CHECK(int4w_use_gemv(1));
  CHECK(int4w_use_gemv(8));
  CHECK_FALSE(int4w_use_gemv(9));
  CHECK(int4w_gemv_blocks(1) == 1);
  CHECK(int4w_gemv_blocks(4) == 1);
  CHECK(int4w_gemv_blocks(5) == 2);
  CHECK(int4w_gemv_blocks(4096) == 1024);  // 4 weight rows a block of 4 warps
  const Grid2 a = int4w_tiled_grid(9, 33);
  CHECK(a.x == 2);
  CHECK(a.y == 1);
  const Grid2 b = int4w_tiled_grid(128, 768);
  CHECK(b.x == 24);
  CHECK(b.y == 4);
}

TEST_CASE("cuda quantized support: compute capability and group sizes", "[cuda][quant]") {
  const Workload w8 = quantized("tiny-llama", Phase::Decode, 1, 1, 7, Precision::Int8);
  CHECK(quantized_problem(w8, 90).empty());
  CHECK(quantized_problem(w8, 75).empty());
  CHECK(quantized_problem(w8, 70).find("compute capability 7.5") != std::string::npos);
  CHECK(quantized_problem(w8, 70).find("is 7.0") != std::string::npos);
  const Workload w4 = quantized("tiny-llama", Phase::Decode, 1, 1, 7, Precision::Int4W);
  CHECK(quantized_problem(w4, 70).empty());  // the int4w kernels need no tensor cores
  Workload g128 = w4;
  g128.group_size = 128;
  CHECK(quantized_problem(g128, 90).find("not a multiple of the group size 128") != std::string::npos);
  Workload llama = g128;
  llama.model.hidden = 4096;
  llama.model.heads = 32;
  llama.model.head_dim = 128;
  llama.model.ffn = 14336;  // 112 · 128
  CHECK(quantized_problem(llama, 90).empty());
  Workload f = w8;
  f.precision = Precision::F32;
  CHECK(quantized_problem(f, 50).empty());
  CHECK(storage_of(w8) == Storage::BF16);
  Workload f16 = w4;
  f16.compute = Precision::F16;
  CHECK(storage_of(f16) == Storage::F16);
}

TEST_CASE("cuda plan: int8 MatMuls lower to quantize + IMMA GEMM + epilogue steps", "[cuda][quant]") {
  // GPT-2: biases everywhere, a residual Add after the attention and MLP projections, and the LM
  // head tied to the token embedding.
  const Workload w = quantized("tiny-gpt2", Phase::Prefill, 2, 5, 0, Precision::Int8);
  const Lowered l = lower_quantized(w);
  const Plan& p = l.plan;
  CHECK(p.storage == Storage::BF16);
  int matmuls = 0, with_residual = 0, act_q = -1;
  size_t acc_need = 0, act_need = 0;
  for (const Step& s : p.steps) {
    CHECK(s.kind != StepKind::Matmul);  // every MatMul of a model reads a weight
    if (s.kind != StepKind::MatmulInt8) continue;
    ++matmuls;
    INFO("step " << s.op);
    const Op& op = op_named(l.graph, s.op.substr(0, s.op.find('+')));
    const std::string& wname = op.inputs[1];
    const HostTensor& wt = l.constants.tensors.at(wname);
    REQUIRE(s.k == wt.shape[1]);
    REQUIRE(s.n == wt.shape[0]);
    CHECK(s.quant.kp % 16 == 0);
    CHECK(s.quant.kp >= s.k);
    CHECK(s.quant.kp < s.k + 16);
    CHECK(s.quant.np % 4 == 0);
    CHECK(s.quant.np >= s.n);
    CHECK(s.quant.np < s.n + 4);
    // in = {a, q, scales, bias}: the bias moved behind the scales.
    REQUIRE(s.in.size() == (op.inputs.size() == 3 ? 4u : 3u));
    CHECK(p.tensors[s.in[0]].name == op.inputs[0]);
    if (s.bias) CHECK(p.tensors[s.in[3]].name == op.inputs[2]);
    with_residual += s.residual >= 0;
    // The uploaded bytes: the stored integers of suites/quantize.hpp in a zero-padded layout.
    const Int8Weights q = quantize_int8(wt.f32.data(), s.n, s.k);
    const PlanTensor& qt = p.tensors[s.in[1]];
    const PlanTensor& st = p.tensors[s.in[2]];
    CHECK(qt.name == wname + ".int8");
    CHECK(qt.counts_as == wname);
    REQUIRE(qt.raw.size() == size_t(s.quant.np * s.quant.kp));
    CHECK(qt.bytes == qt.raw.size());
    bool same = true, zero_pad = true;
    for (int64_t r = 0; r < s.quant.np; ++r)
      for (int64_t c = 0; c < s.quant.kp; ++c) {
        const auto v = int8_t(qt.raw[size_t(r * s.quant.kp + c)]);
        if (r < s.n && c < s.k) same = same && v == q.q[size_t(r * s.k + c)];
        else zero_pad = zero_pad && v == 0;
      }
    CHECK(same);
    CHECK(zero_pad);
    REQUIRE(st.derived.size() == size_t(s.quant.np));
    CHECK(std::equal(q.scales.begin(), q.scales.end(), st.derived.begin()));
    acc_need = std::max(acc_need, size_t(s.m * s.quant.np) * 4);
    act_need = std::max(act_need, size_t(s.m * s.quant.kp));
    if (act_q < 0) act_q = s.quant.act_q;
    CHECK(s.quant.act_q == act_q);  // one scratch set, shared by every step
  }
  CHECK(matmuls >= 5);
  CHECK(matmuls == int(count_weight_matmuls(l.graph)));
  CHECK(with_residual == 2 * w.model.layers);  // attn out and fc2 each take the residual
  CHECK(tensor_named(p, "int8.accumulator").bytes == acc_need);
  CHECK(tensor_named(p, "int8.activations").bytes == act_need);
  CHECK(tensor_named(p, "int8.activation_scales").bytes == size_t(2 * 5) * 4);
  // Float weights read only quantized get no memory; the tied embedding still feeds the gather.
  for (const std::string& name : quantized_weight_names(l.graph)) {
    const PlanTensor& t = tensor_named(p, name);
    bool gathered = false;
    for (const Step& s : p.steps)
      if (s.kind == StepKind::Embedding && p.tensors[s.in[0]].name == name) gathered = true;
    INFO("weight " << name);
    CHECK((t.bytes > 0) == gathered);
  }
}

TEST_CASE("cuda plan: int4w MatMuls lower to the packed kernel, GEMV for decode", "[cuda][quant]") {
  for (const auto& [phase, seq, ctx, gemv] : {std::tuple{Phase::Decode, 1, 9, true},
                                               std::tuple{Phase::Prefill, 16, 0, false}}) {
    const Workload w = quantized("tiny-llama", phase, 2, seq, ctx, Precision::Int4W, Precision::F16);
    INFO(w.id());
    const Lowered l = lower_quantized(w);
    const Plan& p = l.plan;
    CHECK(p.storage == Storage::F16);
    int matmuls = 0, gemvs = 0;
    for (const Step& s : p.steps) {
      CHECK(s.kind != StepKind::Matmul);
      CHECK(s.kind != StepKind::MatmulInt8);
      if (s.kind != StepKind::MatmulInt4W) continue;
      ++matmuls;
      INFO("step " << s.op);
      const Op& op = op_named(l.graph, s.op.substr(0, s.op.find('+')));
      const int64_t rows = l.graph.tensor(op.inputs[0]).shape[0];
      CHECK(s.m == rows);
      // Every token's row but the LM head's (after LastToken: one row a sequence).
      CHECK(rows == (op.name == "logits" ? 2 : 2 * seq));
      CHECK(s.quant.gemv == (rows <= 8));
      gemvs += s.quant.gemv;
      CHECK(s.quant.group == 32);
      const HostTensor& wt = l.constants.tensors.at(op.inputs[1]);
      const Int4Weights q = quantize_int4(wt.f32.data(), s.n, s.k, 32);
      const PlanTensor& packed = p.tensors[s.in[1]];
      const PlanTensor& scales = p.tensors[s.in[2]];
      CHECK(packed.raw == q.packed);
      CHECK(packed.bytes == size_t(s.n * s.k / 2));
      CHECK(scales.derived == q.scales);
      CHECK(scales.bytes == size_t(s.n * (s.k / 32)) * 4);
      CHECK(tensor_named(p, op.inputs[1]).bytes == 0);  // Llama: no tied embedding
    }
    CHECK(matmuls >= 5);
    CHECK(matmuls == int(count_weight_matmuls(l.graph)));
    CHECK(gemvs == (gemv ? matmuls : 1));  // prefill: only the LM head runs as a GEMV
  }
}

TEST_CASE("cuda plan: int4w with groups that do not divide K is unavailable, not wrong", "[cuda][quant]") {
  Workload w = quantized("tiny-llama", Phase::Decode, 1, 1, 7, Precision::Int4W);
  Workload f = w;
  f.precision = Precision::F32;
  const Graph fg = lower(f);
  const TensorSet constants = make_constants(fg, 42, "");  // quantize_int4 would refuse group 128
  Graph g = fg;
  g.workload.precision = Precision::Int4W;
  g.workload.group_size = 128;
  try {
    make_plan(g, constants, Storage::BF16, 132);
    FAIL("make_plan accepted group 128 with K = " << w.model.hidden);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Unavailable);
    CHECK(std::string(e.what()).find("not a multiple of the group size 128") != std::string::npos);
  }
}

// ---- on a GPU ----------------------------------------------------------------------------------

namespace {

std::unique_ptr<CudaBackend> gpu_backend_or_skip(const Workload& w) {
  auto b = std::make_unique<CudaBackend>();
  if (b->devices().empty()) skip("no CUDA device: " + b->unavailable_reason());
  const Support s = b->supports(w);
  if (!s.ok) skip("cuda0 cannot run " + to_string(w.precision) + ": " + s.reason);
  return b;
}

HostTensor run_once(Backend& b, const Graph& g, const TensorSet& constants) {
  auto exe = b.compile(g, constants, b.devices().at(0), {});
  exe->run();
  exe->sync();
  return exe->output();
}

// A MatMul (with bias) whose product feeds a residual Add: the plan fuses the Add into the step.
GraphCase matmul_residual(int64_t m, int64_t n, int64_t k) {
  GraphBuilder b("quant_matmul_residual/m" + std::to_string(m) + "n" + std::to_string(n) + "k" + std::to_string(k));
  const std::string a = b.input("a", {m, k});
  const std::string w = b.constant("w", {n, k}, 1.0);
  const std::string bias = b.constant("bias", {n}, 0.5);
  const std::string r = b.input("r", {m, n});
  const std::string prod = b.activation("prod", {m, n});
  b.op(OpKind::MatMul, {a, w, bias}, prod);
  b.op(OpKind::Add, {prod, r}, "out");
  return b.finish("out", {m, n});
}

void check_cases(Precision p) {
  Workload probe = quantized("tiny-llama", Phase::Decode, 1, 1, 7, p);
  auto cuda = gpu_backend_or_skip(probe);
  auto ref = make_backend("reference");
  std::vector<GraphCase> cases = testing::quantized_matmul_op_cases(p);
  // GEMV (m ≤ 8) and tiled int4w, odd N, fused bias and residual.
  for (auto [m, n, k] : {std::tuple{1, 65, 128}, std::tuple{8, 33, 64}, std::tuple{9, 65, 128},
                         std::tuple{33, 100, 256}})
    cases.push_back(matmul_residual(m, n, k));
  for (Precision compute : {Precision::BF16, Precision::F16, Precision::F32}) {
    for (GraphCase c : cases) {
      INFO("case " << c.name << " at " << to_string(p) << ", compute " << to_string(compute));
      c.graph.workload.precision = p;
      c.graph.workload.compute = compute;
      c.graph.workload.group_size = 32;
      apply_weight_quantization(c.graph, c.constants);  // as make_constants does
      const HostTensor want = run_once(*ref, c.graph, c.constants);
      const ErrorStats e = compare_outputs(run_once(*cuda, c.graph, c.constants), want);
      INFO("nmse " << e.nmse << ", max abs " << e.max_abs_err);
      CHECK(e.shapes_match);
      CHECK(e.finite);
      CHECK(e.nmse <= nmse_tolerance(p));
    }
  }
}

void check_workloads(Precision p) {
  const std::vector<Workload> ws = {
      quantized("tiny-bert", Phase::Encode, 2, 16, 0, p),
      quantized("tiny-gpt2", Phase::Prefill, 1, 17, 0, p),
      quantized("tiny-gpt2", Phase::Decode, 2, 1, 31, p),
      quantized("tiny-llama", Phase::Prefill, 2, 16, 0, p),
      quantized("tiny-llama", Phase::Decode, 1, 1, 63, p)};
  auto cuda = gpu_backend_or_skip(ws.front());
  for (const Workload& w : ws) {
    INFO("workload " << w.id());
    REQUIRE(cuda->supports(w).ok);
    const Graph g = lower(w);
    const HostTensor ref = reference_output(w, 42, "", "synthetic:seed=42", "").output;
    auto exe = cuda->compile(g, make_constants(g, 42, ""), cuda->devices().at(0), {});
    exe->run();
    exe->sync();
    const ErrorStats e = compare_outputs(exe->output(), ref);
    const std::string impl = exe->implementation().dump();
    INFO("nmse " << e.nmse << "; " << impl);
    CHECK(e.shapes_match);
    CHECK(e.finite);
    CHECK(e.nmse <= nmse_tolerance(p));
    CHECK(impl.find(p == Precision::Int8 ? "quantize_rows_int8_kernel" : "int4w_matmul_") != std::string::npos);
    // Quantized weights are reported as weights, and take less than the bf16 model would (a
    // tied embedding is held twice: for the gather and quantized for the LM head).
    const MemoryUsage mem = exe->memory_usage();
    int64_t bf16_bytes = 0;
    for (const TensorDesc& t : g.tensors) {
      if (t.role != TensorRole::Weight) continue;
      int64_t n = 2;
      for (int64_t d : t.shape) n *= d;
      bf16_bytes += n;
    }
    CHECK(mem.weights > 0);
    if (!w.model.tied_embeddings) CHECK(mem.weights < bf16_bytes);
  }
}

template <class V>
DeviceBuffer upload(const std::vector<V>& host) {
  DeviceBuffer d(host.size() * sizeof(V));
  REQUIRE(cudaMemcpy(d.data(), host.data(), d.bytes(), cudaMemcpyHostToDevice) == cudaSuccess);
  return d;
}

template <class V>
std::vector<V> download(const DeviceBuffer& d) {
  std::vector<V> host(d.bytes() / sizeof(V));
  REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
  REQUIRE(cudaMemcpy(host.data(), d.data(), d.bytes(), cudaMemcpyDeviceToHost) == cudaSuccess);
  return host;
}

}  // namespace

TEST_CASE("cuda int8 kernels on a GPU: quantizer, fallback GEMM and epilogue against the host rules",
          "[cuda][quant][gpu]") {
  gpu_backend_or_skip(quantized("tiny-llama", Phase::Decode, 1, 1, 7, Precision::Int8));
  // Rows of K = 33 (padded to 48): ties at x / scale = ±2.5, ±3.5 (scale 1: max 127), a zero
  // row, and a row of values with no ties.
  const int64_t m = 3, k = 33, kp = int8_padded_k(k), n = 5, np = int8_padded_n(n);
  std::vector<float> a(size_t(m * k), 0.f);
  a[0] = 127.f;
  a[1] = 2.5f;
  a[2] = 3.5f;
  a[3] = -2.5f;
  a[4] = -3.5f;
  a[5] = 126.5f;
  for (int64_t c = 0; c < k; ++c) a[size_t(2 * k + c)] = float(c - 16) * 0.37f;
  DeviceBuffer da = upload(a);
  std::vector<int8_t> poison(size_t(m * kp), int8_t(0x55));
  DeviceBuffer dq = upload(poison);
  DeviceBuffer ds(size_t(m) * sizeof(float));
  launch_quantize_rows_int8(Storage::F32, da.data(), reinterpret_cast<int8_t*>(dq.data()),
                            reinterpret_cast<float*>(ds.data()), m, k, kp, nullptr);
  const auto q = download<int8_t>(dq);
  const auto scales = download<float>(ds);
  for (int64_t r = 0; r < m; ++r) {
    INFO("row " << r);
    std::vector<int8_t> want(static_cast<size_t>(k));
    const float want_scale = quantize_row_int8(a.data() + r * k, k, want.data());
    CHECK(scales[size_t(r)] == want_scale);
    for (int64_t c = 0; c < kp; ++c) {
      INFO("column " << c);
      CHECK(int(q[size_t(r * kp + c)]) == (c < k ? int(want[size_t(c)]) : 0));
    }
  }
  CHECK(int(q[1]) == 2);    // round half to even
  CHECK(int(q[2]) == 4);
  CHECK(int(q[3]) == -2);
  CHECK(int(q[4]) == -4);
  CHECK(int(q[5]) == 126);  // 126.5 → 126
  CHECK(scales[1] == 1.f);  // a zero row

  // Weights [np, kp] with zero padding; the fallback GEMM's int32 sums, exactly.
  std::vector<int8_t> w(size_t(np * kp), 0);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t c = 0; c < k; ++c) w[size_t(j * kp + c)] = int8_t((j * 37 + c * 11) % 255 - 127);
  DeviceBuffer dw = upload(w);
  DeviceBuffer dacc(size_t(m * np) * sizeof(int32_t));
  launch_int8_gemm_fallback(reinterpret_cast<const int8_t*>(dq.data()), reinterpret_cast<const int8_t*>(dw.data()),
                            reinterpret_cast<int32_t*>(dacc.data()), m, np, kp, nullptr);
  const auto acc = download<int32_t>(dacc);
  for (int64_t r = 0; r < m; ++r)
    for (int64_t j = 0; j < np; ++j) {
      int64_t want = 0;
      for (int64_t c = 0; c < kp; ++c) want += int64_t(q[size_t(r * kp + c)]) * w[size_t(j * kp + c)];
      CHECK(acc[size_t(r * np + j)] == want);
    }

  // The epilogue in f32 storage against the formula in f64.
  const std::vector<float> w_scales = {0.5f, 0.25f, 2.f, 1.f / 3.f, 0.1f, 0, 0, 0};
  const std::vector<float> bias = {1, -1, 0.5f, 0, 2};
  std::vector<float> residual(size_t(m * n));
  for (size_t i = 0; i < residual.size(); ++i) residual[i] = float(i) * 0.125f;
  DeviceBuffer dws = upload(w_scales), db = upload(bias), dr = upload(residual);
  DeviceBuffer dout(size_t(m * n) * sizeof(float));
  launch_int8_epilogue(Storage::F32, reinterpret_cast<const int32_t*>(dacc.data()),
                       reinterpret_cast<const float*>(ds.data()), reinterpret_cast<const float*>(dws.data()),
                       db.data(), dr.data(), dout.data(), m, n, np, nullptr);
  const auto out = download<float>(dout);
  for (int64_t r = 0; r < m; ++r)
    for (int64_t j = 0; j < n; ++j) {
      const double want = double(acc[size_t(r * np + j)]) * scales[size_t(r)] * w_scales[size_t(j)] +
                          bias[size_t(j)] + residual[size_t(r * n + j)];
      CHECK(out[size_t(r * n + j)] == Approx(want).epsilon(1e-6).margin(1e-6));
    }
}

TEST_CASE("cuda int8 on a GPU: the matmul op cases against the quantized reference", "[cuda][quant][gpu]") {
  check_cases(Precision::Int8);
}

TEST_CASE("cuda int4w on a GPU: the matmul op cases against the quantized reference", "[cuda][quant][gpu]") {
  check_cases(Precision::Int4W);
}

TEST_CASE("cuda int8 on a GPU: tiny workloads match the quantized reference", "[cuda][quant][gpu]") {
  check_workloads(Precision::Int8);
}

TEST_CASE("cuda int4w on a GPU: tiny workloads match the quantized reference", "[cuda][quant][gpu]") {
  check_workloads(Precision::Int4W);
}

#endif
