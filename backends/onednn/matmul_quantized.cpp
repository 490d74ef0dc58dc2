#include "backends/onednn/matmul_quantized.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "backends/onednn/quant_kernels.hpp"
#include "suites/quantize.hpp"

namespace infermark::onednn {
namespace {

using dnnl::algorithm;
using dnnl::memory;

[[noreturn]] void fail(const Op& op, const std::string& msg) {
  throw Error(ErrorKind::Internal, "onednn backend: op '" + op.name + "' (quantized MatMul): " + msg);
}

struct Shapes {
  int64_t M, K, N;
};

Shapes check_shapes(const PlannedStep& planned, TensorTable& tt) {
  const Op& op = *planned.op;
  if (op.inputs.size() < 2 || op.inputs.size() > 3) fail(op, "expected 2 or 3 inputs");
  Tensor& a = tt.get(op.inputs[0]);
  const TensorDesc& wd = tt.desc(op.inputs[1]);
  if (a.desc.shape.size() != 2 || wd.shape.size() != 2 || a.type == dt::s32 ||
      wd.dtype != DType::F32)
    fail(op, "a and w must be 2-D float tensors");
  const Shapes s{a.rows(), a.cols(), wd.shape[0]};
  if (wd.shape[1] != s.K) fail(op, "w is " + shape_to_string(wd.shape) + ", K mismatch");
  if (tt.get(planned.output).desc.shape != std::vector<int64_t>{s.M, s.N})
    fail(op, "output shape mismatch");
  if (op.inputs.size() == 3 && tt.desc(op.inputs[2]).shape != std::vector<int64_t>{s.N})
    fail(op, "bias must be [N]");
  return s;
}

// The activation as f32: a view when it already is, else a buffer refilled on every run.
struct F32Input {
  Tensor* a = nullptr;
  AlignedBuffer copy;
  const float* get() {
    if (a->type == dt::f32) return a->as<float>();
    convert_to_f32(a->data(), a->type, static_cast<float*>(copy.data()), size_t(a->numel()));
    return static_cast<const float*>(copy.data());
  }
};

F32Input f32_input(Tensor& a, TensorTable& tt) {
  F32Input in;
  in.a = &a;
  if (a.type != dt::f32) {
    in.copy = AlignedBuffer(size_t(a.numel()) * sizeof(float));
    tt.note_workspace(in.copy.bytes());
  }
  return in;
}

std::vector<float> bias_f32(const Op& op, TensorTable& tt, int64_t n) {
  if (op.inputs.size() < 3) return {};
  if (!tt.is_constant(op.inputs[2])) fail(op, "a bias computed by the graph is not supported here");
  const HostTensor& b = tt.host(op.inputs[2]);
  return std::vector<float>(b.f32.begin(), b.f32.begin() + n);
}


// ---------------------------------------------------------------------------------------------
// int8: quantize the activation rows (own kernel); oneDNN's s8 × s8 matmul into f32 with the
// weight scales as static per-N output scales; then our epilogue: × the token's scale, + bias,
// the planned post-ops, into the activation type. Why not all in oneDNN: its 2.6 brgemm matmul
// falls back to the reference kernel (ref_int8) for a per-row [M, 1] binary post-op and for
// runtime output scales, and its binary primitive to a bf16 destination is ref:any as well;
// a jit binary (f32) + reorder pair measured ~2× the int8 matmul itself for bert-base's FFN.
struct Int8Epilogue {
  std::vector<float> bias;
  std::vector<EpilogueOp> ops;  // the planned post-ops, in order
  Tensor* out = nullptr;
};

}  // namespace

// One input's int8 rows and their scales, shared by consecutive int8 matmuls of that input.
struct SharedInt8Input {
  std::string tensor;
  int64_t kp = 0;
  AlignedBuffer q;       // [M, kp], zero padding
  AlignedBuffer scales;  // [M]
};

namespace {

class Int8MatmulStep : public Step {
 public:
  Int8MatmulStep(Shapes s, int64_t kp, F32Input in, bool direct_bf16,
                 std::shared_ptr<SharedInt8Input> act, bool quantizes,
                 std::vector<AlignedBuffer> buffers, std::vector<PrimitiveCall> calls,
                 Int8Epilogue epi, float* acc)
      : s_(s), kp_(kp), in_(std::move(in)), direct_bf16_(direct_bf16), act_(std::move(act)),
        quantizes_(quantizes), buffers_(std::move(buffers)), calls_(std::move(calls)),
        epi_(std::move(epi)), acc_(acc) {}
  void run(dnnl::stream& s) override {
    auto* scales = static_cast<float*>(act_->scales.data());
    if (quantizes_) {
      auto* q = static_cast<int8_t*>(act_->q.data());
      if (direct_bf16_)
        quantize_rows_int8_bf16(in_.a->as<uint16_t>(), s_.M, s_.K, q, kp_, scales);
      else
        quantize_rows_int8(in_.get(), s_.M, s_.K, q, kp_, scales);
    }
    for (const auto& c : calls_) c.execute(s);
    int8_epilogue(acc_, s_.M, s_.N, scales, epi_.bias.empty() ? nullptr : epi_.bias.data(),
                  epi_.ops.data(), int(epi_.ops.size()), epi_.out->data(),
                  epi_.out->type == dt::bf16);
  }
  bool run_gemms(dnnl::stream& s) override {
    calls_.front().execute(s);
    return true;
  }

 private:
  Shapes s_;
  int64_t kp_;  // K padded to a multiple of 4 (zeros in a_q and the weights)
  F32Input in_;
  bool direct_bf16_;
  std::shared_ptr<SharedInt8Input> act_;  // a_q and row scales
  bool quantizes_;  // false: the previous step quantized this input into act_ already
  std::vector<AlignedBuffer> buffers_;  // reordered weights, the f32 accumulator
  std::vector<PrimitiveCall> calls_;    // the matmul
  Int8Epilogue epi_;
  float* acc_;
};

std::unique_ptr<Step> make_int8_step(const PlannedStep& planned, BuildEnv& env) {
  const Op& op = *planned.op;
  TensorTable& tt = env.tensors;
  const Shapes s = check_shapes(planned, tt);
  Tensor& a = tt.get(op.inputs[0]);
  Tensor& out = tt.get(planned.output);

  const HostTensor& wh = tt.host(op.inputs[1]);
  const Int8Weights wq = quantize_int8(wh.f32.data(), s.N, s.K);
  const std::vector<float> bias = bias_f32(op, tt, s.N);

  // oneDNN 2.6's AMX int8 matmul dies with SIGILL for an odd K (seen with K = 127): pad K to a
  // multiple of 4 with zero activations and zero weights, which adds nothing to the sums.
  const int64_t kp = (s.K + 3) / 4 * 4;
  std::vector<int8_t> w_padded;
  const int8_t* w_src = wq.q.data();
  if (kp != s.K) {
    w_padded.assign(size_t(s.N * kp), 0);
    for (int64_t n = 0; n < s.N; ++n)
      std::copy(wq.q.begin() + n * s.K, wq.q.begin() + (n + 1) * s.K, w_padded.begin() + n * kp);
    w_src = w_padded.data();
  }
  const memory::desc a_md = dense({s.M, kp}, dt::s8), acc_md = dense({s.M, s.N}, dt::f32);
  const memory::desc w_md({kp, s.N}, dt::s8, memory::format_tag::any);

  // 1. s8 matmul, acc = (a_q · w_qᵀ) · w_scale[n], in f32.
  dnnl::primitive_attr mm_attr = default_attr();
  mm_attr.set_output_scales(1 << 1, wq.scales);  // static per output channel n
  const dnnl::matmul::primitive_desc mm_pd(dnnl::matmul::desc(a_md, w_md, acc_md), mm_attr,
                                           env.eng);
  memory user(strided({kp, s.N}, dt::s8, {1, kp}), env.eng, const_cast<int8_t*>(w_src));
  // The activations' int8 rows: the previous step's when it quantized this same input.
  std::shared_ptr<SharedInt8Input> act = env.int8_input;
  const bool quantizes = !(act && act->tensor == op.inputs[0] && act->kp == kp);
  if (quantizes) {
    act = std::make_shared<SharedInt8Input>();
    act->tensor = op.inputs[0];
    act->kp = kp;
    act->q = AlignedBuffer(size_t(s.M * kp));  // zero-initialised padding
    act->scales = AlignedBuffer(size_t(s.M) * sizeof(float));
    tt.note_workspace(act->q.bytes() + act->scales.bytes());
  }
  env.int8_input = act;
  std::vector<AlignedBuffer> buffers;
  buffers.emplace_back(mm_pd.weights_desc().get_size());    // 0: reordered weights
  buffers.emplace_back(size_t(s.M * s.N) * sizeof(float));  // 1: the f32 accumulator
  Int8Epilogue epi;
  tt.note_workspace(buffers[1].bytes());
  tt.note_weights(buffers[0].bytes());
  memory w_mem(mm_pd.weights_desc(), env.eng, buffers[0].data());
  dnnl::reorder(user, w_mem).execute(env.stream, user, w_mem);
  env.stream.wait();
  void* acc_ptr = buffers[1].data();

  std::vector<PrimitiveCall> calls;
  calls.emplace_back(dnnl::matmul(mm_pd));
  calls.back().arg(DNNL_ARG_SRC, memory(a_md, env.eng, act->q.data()));
  calls.back().arg(DNNL_ARG_WEIGHTS, w_mem);
  calls.back().arg(DNNL_ARG_DST, memory(acc_md, env.eng, acc_ptr));
  env.scratchpad.attach(calls.back(), mm_pd);
  env.record.primitive("matmul", op.name, mm_pd);

  std::string pattern = bias.empty() ? "matmul_s8" : "matmul_s8+bias";
  for (const auto& p : planned.post_ops) pattern.append("+").append(to_string(p.kind));
  epi.bias = bias;
  tt.note_weights(bias.size() * sizeof(float));
  epi.ops = epilogue_ops(planned, tt);
  epi.out = &out;
  env.record.own_kernel("int8_epilogue");
  env.record.own_kernel("quantize_rows_int8");
  if (!quantizes) pattern.insert(0, "(int8 input shared with the previous step) ");
  env.record.fusion(pattern);
  // bf16 rows quantize straight from bf16 where the AVX-512 kernel runs: no f32 copy.
  const bool direct_bf16 = a.type == dt::bf16 && quant_kernel_isa() == "avx512";
  F32Input in;
  in.a = &a;
  if (!direct_bf16 && quantizes) in = f32_input(a, tt);  // a step that reuses rows reads no a
  return std::make_unique<Int8MatmulStep>(s, kp, std::move(in), direct_bf16, std::move(act),
                                          quantizes, std::move(buffers), std::move(calls),
                                          std::move(epi), static_cast<float*>(acc_ptr));
}

// ---------------------------------------------------------------------------------------------
// int4w: the own kernel into an f32 buffer, then the epilogue kernel (row scale 1) for bias and
// the planned post-ops, into the activation type.
class Int4wMatmulStep : public Step {
 public:
  Int4wMatmulStep(Shapes s, int group, bool bf16_dot, F32Input in, Int4Weights w,
                  std::vector<float> bias, std::vector<EpilogueOp> ops, Tensor& out,
                  AlignedBuffer acc)
      : s_(s), group_(group), bf16_dot_(bf16_dot), in_(std::move(in)), w_(std::move(w)),
        bias_(std::move(bias)), ops_(std::move(ops)), ones_(size_t(s.M), 1.0f), out_(out),
        acc_(std::move(acc)) {}

  void run(dnnl::stream& s) override {
    gemm(s);
    int8_epilogue(static_cast<const float*>(acc_.data()), s_.M, s_.N, ones_.data(),
                  bias_.empty() ? nullptr : bias_.data(), ops_.data(), int(ops_.size()),
                  out_.data(), out_.type == dt::bf16);
  }
  bool run_gemms(dnnl::stream& s) override {
    gemm(s);
    return true;
  }

  // Prefill: blocks of weight rows dequantized into one reused buffer, each multiplied by a
  // oneDNN matmul writing its columns of acc_ (make_int4w_step builds them).
  struct Tiles {
    int64_t rows = 0;  // weight rows per block
    bool bf16 = false;
    AlignedBuffer w;   // [rows, K] dequantized, the activation type
    std::vector<PrimitiveCall> calls;  // block b: columns b·rows …
  };
  void use_tiles(Tiles t) { tiles_ = std::move(t); }

 private:
  void gemm(dnnl::stream& s) {
    if (!tiles_.calls.empty()) {
      for (size_t b = 0; b < tiles_.calls.size(); ++b) {
        const int64_t n0 = int64_t(b) * tiles_.rows;
        dequantize_int4_rows(w_.packed.data(), w_.scales.data(), s_.K, group_, n0,
                             std::min(tiles_.rows, s_.N - n0), tiles_.w.data(), tiles_.bf16);
        tiles_.calls[b].execute(s);
      }
      return;
    }
    if (bf16_dot_)
      int4w_matmul_bf16(in_.a->as<uint16_t>(), s_.M, s_.K, w_.packed.data(), w_.scales.data(),
                        s_.N, group_, static_cast<float*>(acc_.data()),
                        static_cast<uint16_t*>(in_.copy.data()));
    else
      int4w_matmul(in_.get(), s_.M, s_.K, w_.packed.data(), w_.scales.data(), s_.N, group_,
                   static_cast<float*>(acc_.data()));
  }

  Shapes s_;
  int group_;
  bool bf16_dot_;  // bf16 activations through the AVX512-BF16 kernel, no f32 copy
  F32Input in_;
  Int4Weights w_;
  std::vector<float> bias_;
  std::vector<EpilogueOp> ops_;
  std::vector<float> ones_;  // the epilogue's row scales
  Tensor& out_;
  AlignedBuffer acc_;
  Tiles tiles_;
};

// From this many rows of activations on, dequantized blocks through oneDNN's GEMM beat the
// GEMV kernel, which unpacks every weight once per four rows (llama-1.1b prefill s512: 1.07 s).
constexpr int64_t kTiledMinRows = 16;
// Weight rows per block: 256 × K bf16 stays in L2 for K up to 4096.
constexpr int64_t kTileRows = 256;

// One oneDNN matmul per block of weight rows: a [M, K] · blockᵀ → acc[:, n0 … n0+rows) (row
// stride N), the block read from `w` as [rows, K] (plain, transposed for oneDNN's [K, rows]).
Int4wMatmulStep::Tiles int4w_tiles(const Shapes& s, Tensor& a, float* acc, BuildEnv& env,
                                   const std::string& op_name) {
  Int4wMatmulStep::Tiles t;
  t.rows = std::min(kTileRows, s.N);
  t.bf16 = a.type == dt::bf16;
  const dt wt = t.bf16 ? dt::bf16 : dt::f32;
  t.w = AlignedBuffer(size_t(t.rows * s.K) * (t.bf16 ? 2 : 4));
  env.tensors.note_workspace(t.w.bytes());
  std::map<int64_t, dnnl::matmul::primitive_desc> pds;  // by block width: full and the last
  for (int64_t n0 = 0; n0 < s.N; n0 += t.rows) {
    const int64_t nb = std::min(t.rows, s.N - n0);
    const memory::desc a_md = dense({s.M, s.K}, a.type);
    const memory::desc w_md = strided({s.K, nb}, wt, {1, s.K});
    const memory::desc c_md = strided({s.M, nb}, dt::f32, {s.N, 1});
    if (!pds.count(nb)) {
      pds.emplace(nb, dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, w_md, c_md),
                                                    default_attr(), env.eng));
      env.record.primitive("matmul", op_name + " (int4w block)", pds.at(nb));
    }
    const auto& pd = pds.at(nb);
    t.calls.emplace_back(dnnl::matmul(pd));
    t.calls.back().arg(DNNL_ARG_SRC, memory(a_md, env.eng, a.data()));
    t.calls.back().arg(DNNL_ARG_WEIGHTS, memory(w_md, env.eng, t.w.data()));
    t.calls.back().arg(DNNL_ARG_DST, memory(c_md, env.eng, acc + n0));
    env.scratchpad.attach(t.calls.back(), pd);
  }
  return t;
}

std::unique_ptr<Step> make_int4w_step(const PlannedStep& planned, BuildEnv& env) {
  const Op& op = *planned.op;
  TensorTable& tt = env.tensors;
  const Shapes s = check_shapes(planned, tt);
  if (s.K % env.group_size != 0)
    fail(op, "K = " + std::to_string(s.K) + " is not a multiple of the group size " +
                 std::to_string(env.group_size));
  Tensor& a = tt.get(op.inputs[0]);
  Tensor& out = tt.get(planned.output);
  const HostTensor& wh = tt.host(op.inputs[1]);
  Int4Weights wq = quantize_int4(wh.f32.data(), s.N, s.K, env.group_size);
  tt.note_weights(wq.packed.size() + wq.scales.size() * sizeof(float));
  std::vector<float> bias = bias_f32(op, tt, s.N);
  tt.note_weights(bias.size() * sizeof(float));
  std::string pattern = bias.empty() ? "int4w_matmul" : "int4w_matmul+bias";
  for (const PostOp& p : planned.post_ops) pattern.append("+").append(to_string(p.kind));
  AlignedBuffer acc(size_t(s.M * s.N) * sizeof(float));
  tt.note_workspace(acc.bytes());
  const bool bf16_dot = a.type == dt::bf16 && int4w_bf16_available(env.group_size);
  if (s.M < kTiledMinRows)
    env.record.own_kernel(bf16_dot ? "int4w_matmul_avx512_bf16" : "int4w_matmul_" + quant_kernel_isa());
  env.record.fusion(pattern);
  const bool tiled = s.M >= kTiledMinRows && (a.type == dt::bf16 || a.type == dt::f32);
  F32Input in;
  in.a = &a;
  if (!tiled) in = f32_input(a, tt);  // the f32 copy, or the bf16 kernel's rearranged a (smaller)
  float* acc_ptr = static_cast<float*>(acc.data());
  auto step = std::make_unique<Int4wMatmulStep>(s, env.group_size, bf16_dot, std::move(in),
                                                std::move(wq), std::move(bias),
                                                epilogue_ops(planned, tt), out, std::move(acc));
  if (tiled) {
    step->use_tiles(int4w_tiles(s, a, acc_ptr, env, op.name));
    env.record.own_kernel("dequantize_int4_rows");
  }
  return step;
}

}  // namespace

std::vector<EpilogueOp> epilogue_ops(const PlannedStep& planned, TensorTable& tt) {
  std::vector<EpilogueOp> ops;
  for (const PostOp& p : planned.post_ops) {
    EpilogueOp e;
    switch (p.kind) {
      case PostOpKind::GeluErf: e.kind = EpilogueOp::GeluErf; break;
      case PostOpKind::GeluTanh: e.kind = EpilogueOp::GeluTanh; break;
      case PostOpKind::Silu: e.kind = EpilogueOp::Silu; break;
      case PostOpKind::Add: e.kind = EpilogueOp::Add; break;
      case PostOpKind::Mul: e.kind = EpilogueOp::Mul; break;
    }
    if (!p.src1.empty()) {
      Tensor& t = tt.get(p.src1);
      e.src = t.data();
      e.bf16 = t.type == dt::bf16;
    }
    ops.push_back(e);
  }
  return ops;
}

std::unique_ptr<Step> make_quantized_matmul_step(const PlannedStep& planned, BuildEnv& env) {
  if (env.precision == Precision::Int8) return make_int8_step(planned, env);
  if (env.precision == Precision::Int4W) return make_int4w_step(planned, env);
  fail(*planned.op, "precision " + to_string(env.precision) + " is not quantized");
}

}  // namespace infermark::onednn
