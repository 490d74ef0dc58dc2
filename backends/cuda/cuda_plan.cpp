#include "backends/cuda/cuda_plan.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "backends/cuda/quant_shapes.hpp"
#include "common/error.hpp"
#include "suites/constant_data.hpp"
#include "suites/quantize.hpp"

namespace infermark::cuda {

Storage storage_of(Precision p) {
  switch (p) {
    case Precision::F32: return Storage::F32;
    case Precision::BF16: return Storage::BF16;
    case Precision::F16: return Storage::F16;
    case Precision::Int8:
    case Precision::Int4W: break;
  }
  throw Error(ErrorKind::Unavailable,
              "cuda backend: precision " + to_string(p) + " is not implemented (see supports())");
}

Storage storage_of(const Workload& w) { return storage_of(is_quantized(w.precision) ? w.compute : w.precision); }

size_t storage_bytes(Storage s) { return s == Storage::F32 ? 4 : 2; }

std::string to_string(Storage s) {
  switch (s) {
    case Storage::F32: return "f32";
    case Storage::BF16: return "bf16";
    case Storage::F16: return "f16";
  }
  return "?";
}

std::string to_string(StepKind k) {
  switch (k) {
    case StepKind::Matmul: return "matmul";
    case StepKind::Embedding: return "embedding";
    case StepKind::Add: return "add";
    case StepKind::Mul: return "mul";
    case StepKind::Gelu: return "gelu";
    case StepKind::GeluTanh: return "gelu_tanh";
    case StepKind::Silu: return "silu";
    case StepKind::SiluMul: return "silu_mul";
    case StepKind::LayerNorm: return "layer_norm";
    case StepKind::RMSNorm: return "rms_norm";
    case StepKind::Softmax: return "softmax";
    case StepKind::Rope: return "rope";
    case StepKind::CopyRows: return "copy_rows";
    case StepKind::Attention: return "attention";
    case StepKind::MatmulInt8: return "matmul_int8";
    case StepKind::MatmulInt4W: return "matmul_int4w";
  }
  return "?";
}

namespace {

using Shape = std::vector<int64_t>;

bool is_constant(TensorRole r) {
  return r == TensorRole::Input || r == TensorRole::Weight || r == TensorRole::State;
}

Step step(StepKind kind, std::string op, std::vector<int> in, int out) {
  Step s;
  s.kind = kind;
  s.op = std::move(op);
  s.in = std::move(in);
  s.out = out;
  return s;
}

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

class Planner {
 public:
  Planner(const Graph& g, const TensorSet& constants, Storage storage, int sm_count)
      : graph_(g), sm_count_(sm_count) {
    plan_.storage = storage;
    for (const auto& desc : g.tensors) add_tensor(desc, constants);
    for (const auto& op : g.ops)
      for (const auto& name : op.inputs) ++consumers_[name];
    ++consumers_[g.output];  // the graph's result must stay a tensor of its own
    for (const auto& op : g.ops) lower(op);
    if (!deferred_.empty()) {
      throw Error(ErrorKind::Internal, "cuda backend: op '" + deferred_.begin()->second->name +
                                           "' was held for a fusion that never came");
    }
    auto it = index_.find(g.output);
    if (it == index_.end() || !plan_.tensors[it->second].is_float) {
      throw Error(ErrorKind::Internal, "cuda backend: graph output '" + g.output + "' is not a declared f32 tensor");
    }
    plan_.output = it->second;
    plan_.output_shape = plan_.tensors[it->second].shape;
    release_unused();
  }
  Plan take() { return std::move(plan_); }

 private:
  [[noreturn]] void fail(const Op& op, const std::string& msg) const {
    throw Error(ErrorKind::Internal, "cuda backend: op '" + op.name + "' (" + to_string(op.kind) + "): " + msg);
  }

  void add_tensor(const TensorDesc& desc, const TensorSet& constants) {
    PlanTensor t;
    t.name = desc.name;
    t.shape = desc.shape;
    t.is_float = desc.dtype == DType::F32;
    const int64_t n = numel(desc.shape);
    t.bytes = size_t(n) * (t.is_float ? storage_bytes(plan_.storage) : 4);
    if (is_constant(desc.role)) {
      t.initial = &constant_data(constants, desc, "cuda");
    }
    if (!index_.emplace(desc.name, int(plan_.tensors.size())).second) {
      throw Error(ErrorKind::Internal, "cuda backend: tensor '" + desc.name + "' is declared twice");
    }
    plan_.tensors.push_back(std::move(t));
    roles_.push_back(desc.role);
  }

  int add_derived(const std::string& name, std::vector<float> values, size_t floats) {
    PlanTensor t;
    t.name = name;
    t.shape = {int64_t(floats)};
    t.always_f32 = true;
    t.bytes = floats * sizeof(float);
    t.derived = std::move(values);
    plan_.tensors.push_back(std::move(t));
    roles_.push_back(TensorRole::Activation);
    return int(plan_.tensors.size()) - 1;
  }

  int tensor(const Op& op, const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end()) fail(op, "tensor '" + name + "' is not declared in the graph");
    return it->second;
  }
  const Shape& shape(int t) const { return plan_.tensors[t].shape; }
  void expect(const Op& op, int t, const Shape& s, bool is_float = true) const {
    if (shape(t) != s || plan_.tensors[t].is_float != is_float) {
      fail(op, "tensor '" + plan_.tensors[t].name + "' is " + shape_to_string(shape(t)) + ", expected " +
                   shape_to_string(s) + (is_float ? " f32" : " i32"));
    }
  }
  std::pair<int64_t, int64_t> matrix(const Op& op, int t) const {
    if (shape(t).size() != 2) fail(op, "tensor '" + plan_.tensors[t].name + "' must be 2-D");
    return {shape(t)[0], shape(t)[1]};
  }
  std::vector<int> inputs(const Op& op, size_t lo, size_t hi) const {
    if (op.inputs.size() < lo || op.inputs.size() > hi) {
      fail(op, "has " + std::to_string(op.inputs.size()) + " inputs, expected " + std::to_string(lo) +
                   (lo == hi ? "" : "–" + std::to_string(hi)));
    }
    std::vector<int> in;
    for (const auto& n : op.inputs) in.push_back(tensor(op, n));
    return in;
  }
  int output(const Op& op) const {
    const int o = tensor(op, op.output);
    if (is_constant(roles_[o])) fail(op, "writes to constant tensor '" + op.output + "'");
    if (!plan_.tensors[o].is_float) fail(op, "writes to i32 tensor '" + op.output + "'");
    return o;
  }

  // The op that consumes `op`'s output, when that is its only use and the graph's result is
  // elsewhere; nullptr otherwise.
  const Op* sole_consumer(const Op& op) const {
    auto it = consumers_.find(op.output);
    if (it == consumers_.end() || it->second != 1) return nullptr;
    for (const auto& o : graph_.ops)
      for (const auto& name : o.inputs)
        if (name == op.output) return &o;
    return nullptr;
  }

  // A deferred op whose output `name` is, or nullptr; removes it from the deferred set.
  const Op* take_deferred(const std::string& name) {
    auto it = deferred_.find(name);
    if (it == deferred_.end()) return nullptr;
    const Op* op = it->second;
    deferred_.erase(it);
    return op;
  }

  void push(Step s) { plan_.steps.push_back(std::move(s)); }

  // Activations no step touches (a product fused into its Add) get no memory.
  void release_unused() {
    std::vector<bool> used(plan_.tensors.size(), false);
    used[plan_.output] = true;
    for (const auto& s : plan_.steps) {
      for (int t : s.in) used[t] = true;
      for (int t : {s.out, s.residual, s.partial, s.quant.act_q, s.quant.act_scales, s.quant.acc})
        if (t >= 0) used[t] = true;
    }
    for (size_t i = 0; i < used.size(); ++i) {
      const PlanTensor& t = plan_.tensors[i];
      const bool own = !t.derived.empty() || !t.raw.empty();
      // A float weight every use of which reads its quantized copy is not uploaded at all.
      const bool replaced = replaced_.count(int(i)) > 0;
      if (!used[i] && ((!is_constant(roles_[i]) && !own) || replaced)) plan_.tensors[i].bytes = 0;
    }
  }

  void lower(const Op& op) {
    switch (op.kind) {
      case OpKind::Embedding: embedding(op); break;
      case OpKind::MatMul: {
        // A product whose only use is an Add becomes the GEMM's residual (C with β = 1), emitted
        // where the Add stands: both the product's inputs and the other addend exist by then.
        const Op* next = sole_consumer(op);
        if (next && next->kind == OpKind::Add && next->inputs.size() == 2 &&
            next->inputs[0] != next->inputs[1]) {
          deferred_[op.output] = &op;
          break;
        }
        matmul(op, nullptr, -1);
        break;
      }
      case OpKind::Add:
      case OpKind::Mul: binary(op); break;
      case OpKind::Gelu:
      case OpKind::GeluTanh:
      case OpKind::Silu: {
        const Op* next = sole_consumer(op);
        if (op.kind == OpKind::Silu && next && next->kind == OpKind::Mul && next->inputs.size() == 2 &&
            next->inputs[0] != next->inputs[1]) {
          deferred_[op.output] = &op;
          break;
        }
        unary(op);
        break;
      }
      case OpKind::LayerNorm:
      case OpKind::RMSNorm: norm(op); break;
      case OpKind::Softmax: {
        auto in = inputs(op, 1, 1);
        const int out = output(op);
        auto [rows, cols] = matrix(op, in[0]);
        expect(op, out, {rows, cols});
        Step s = step(StepKind::Softmax, op.name, in, out);
        s.rows = rows;
        s.cols = cols;
        push(std::move(s));
        break;
      }
      case OpKind::Rope: rope(op); break;
      case OpKind::Attention: attention(op); break;
      case OpKind::LastToken: {
        const OpAttrs& a = op.attrs;
        auto in = inputs(op, 1, 1);
        const int out = output(op);
        auto [rows, cols] = matrix(op, in[0]);
        if (a.batch <= 0 || a.seq <= 0 || int64_t(a.batch) * a.seq != rows) {
          fail(op, "attrs batch × seq must equal the input's " + std::to_string(rows) + " rows");
        }
        expect(op, out, {a.batch, cols});
        Step s = step(StepKind::CopyRows, op.name, in, out);
        s.copy = {cols, a.batch, 1, a.seq, a.seq - 1, 1, 0};
        push(std::move(s));
        break;
      }
      default: fail(op, "unknown op kind");
    }
  }

  void embedding(const Op& op) {
    auto in = inputs(op, 2, 2);
    const int out = output(op);
    auto [vocab, hidden] = matrix(op, in[0]);
    if (shape(in[1]).size() != 1) fail(op, "ids must be 1-D");
    const int64_t rows = shape(in[1])[0];
    expect(op, in[1], {rows}, false);
    expect(op, out, {rows, hidden});
    if (const HostTensor* ids = plan_.tensors[in[1]].initial) {
      for (size_t r = 0; r < ids->i32.size(); ++r) {
        if (ids->i32[r] < 0 || ids->i32[r] >= vocab) {
          fail(op, "id " + std::to_string(ids->i32[r]) + " at row " + std::to_string(r) +
                       " is outside the table's " + std::to_string(vocab) + " rows");
        }
      }
    }
    Step s = step(StepKind::Embedding, op.name, in, out);
    s.rows = rows;
    s.cols = hidden;
    s.m = vocab;
    push(std::move(s));
  }

  // `fused_add`: the Add this product feeds (its output becomes the step's), `residual` its other
  // addend.
  void matmul(const Op& op, const Op* fused_add, int residual) {
    auto in = inputs(op, 2, 3);
    auto [m, k] = matrix(op, in[0]);
    const int64_t n = matrix(op, in[1]).first;
    expect(op, in[1], {n, k});
    const bool bias = in.size() == 3;
    if (bias) expect(op, in[2], {n});
    expect(op, tensor(op, op.output), {m, n});
    Step s = step(StepKind::Matmul, op.name, in, -1);
    s.m = m;
    s.n = n;
    s.k = k;
    s.bias = bias;
    if (is_quantized(graph_.workload.precision) && roles_[in[1]] == TensorRole::Weight) quantize(op, s);
    if (fused_add) {
      s.out = output(*fused_add);
      expect(*fused_add, s.out, {m, n});
      expect(*fused_add, residual, {m, n});
      s.residual = residual;
      s.op += "+" + fused_add->name;
      plan_.fusions.push_back(op.name + "+" + fused_add->name + ": residual added by the GEMM (C, beta = 1)");
    } else {
      s.out = output(op);
    }
    push(std::move(s));
  }

  // A host buffer of the plan's own: quantized weights (raw bytes) or i8/i32 scratch (none).
  int add_bytes(const std::string& name, std::vector<int64_t> shape, size_t bytes, std::vector<uint8_t> raw,
                const std::string& counts_as) {
    PlanTensor t;
    t.name = name;
    t.shape = std::move(shape);
    t.is_float = false;
    t.bytes = bytes;
    t.raw = std::move(raw);
    t.counts_as = counts_as;
    plan_.tensors.push_back(std::move(t));
    roles_.push_back(TensorRole::Activation);
    return int(plan_.tensors.size()) - 1;
  }

  // One scratch buffer shared by every quantized step (they run one after another), grown to
  // the largest need.
  int scratch(int& slot, const std::string& name, size_t bytes, bool f32) {
    if (slot < 0) {
      slot = f32 ? add_derived(name, {}, 0) : add_bytes(name, {0}, 0, {}, "");
      plan_.tensors[slot].derived.clear();
    }
    PlanTensor& t = plan_.tensors[slot];
    t.bytes = std::max(t.bytes, bytes);
    t.shape = {int64_t(t.bytes)};
    return slot;
  }

  // Turns the float MatMul step `s` into its quantized form: the weight quantized on the host
  // (suites/quantize.hpp; the graph holds its dequantized values, so this gives back exactly the
  // stored integers and scales), once per weight.
  void quantize(const Op& op, Step& s) {
    const int w = s.in[1];
    const HostTensor* host = plan_.tensors[w].initial;
    if (!host || host->f32.size() != size_t(s.n * s.k)) fail(op, "the weight has no float data to quantize");
    const std::string& wname = plan_.tensors[w].name;
    QuantGemm& qg = s.quant;
    std::pair<int, int> stored;
    if (graph_.workload.precision == Precision::Int8) {
      s.kind = StepKind::MatmulInt8;
      qg.kp = int8_padded_k(s.k);
      qg.np = int8_padded_n(s.n);
      auto it = quantized_.find(w);
      if (it == quantized_.end()) {
        const Int8Weights q = quantize_int8(host->f32.data(), s.n, s.k);
        std::vector<uint8_t> raw(size_t(qg.np * qg.kp), 0);  // zero padding adds nothing
        for (int64_t r = 0; r < s.n; ++r)
          for (int64_t c = 0; c < s.k; ++c) raw[size_t(r * qg.kp + c)] = uint8_t(q.q[size_t(r * s.k + c)]);
        std::vector<float> scales(size_t(qg.np), 0.f);
        std::copy(q.scales.begin(), q.scales.end(), scales.begin());
        const size_t bytes = raw.size();  // not in the call: raw is moved from there
        const int qi = add_bytes(wname + ".int8", {qg.np, qg.kp}, bytes, std::move(raw), wname);
        const int si = add_derived(wname + ".int8_scales", std::move(scales), size_t(qg.np));
        plan_.tensors[si].counts_as = wname;
        it = quantized_.emplace(w, std::make_pair(qi, si)).first;
      }
      stored = it->second;
      qg.act_q = scratch(int8_act_q_, "int8.activations", size_t(s.m * qg.kp), false);
      qg.act_scales = scratch(int8_act_scales_, "int8.activation_scales", size_t(s.m) * sizeof(float), true);
      qg.acc = scratch(int8_acc_, "int8.accumulator", size_t(s.m * qg.np) * sizeof(int32_t), false);
    } else {
      s.kind = StepKind::MatmulInt4W;
      qg.group = graph_.workload.group_size;
      qg.gemv = int4w_use_gemv(s.m);
      const std::string why = int4w_shape_problem(s.k, qg.group);
      if (!why.empty()) {
        throw Error(ErrorKind::Unavailable, "cuda backend: op '" + op.name + "' (int4w): " + why);
      }
      auto it = quantized_.find(w);
      if (it == quantized_.end()) {
        Int4Weights q = quantize_int4(host->f32.data(), s.n, s.k, qg.group);
        const size_t groups = size_t(s.n * (s.k / qg.group));
        const size_t bytes = q.packed.size();
        const int qi = add_bytes(wname + ".int4", {s.n, s.k / 2}, bytes, std::move(q.packed), wname);
        const int si = add_derived(wname + ".int4_scales", std::move(q.scales), groups);
        plan_.tensors[si].counts_as = wname;
        it = quantized_.emplace(w, std::make_pair(qi, si)).first;
      }
      stored = it->second;
    }
    s.in[1] = stored.first;
    s.in.insert(s.in.begin() + 2, stored.second);  // the bias, if any, moves to in[3]
    replaced_.insert(w);
  }

  void binary(const Op& op) {
    auto in = inputs(op, 2, 2);
    // Both addends held for this op (two products summed): the second one runs on its own first.
    if (deferred_.count(op.inputs[0]) && deferred_.count(op.inputs[1])) {
      const Op* second = take_deferred(op.inputs[1]);
      if (second->kind == OpKind::MatMul) {
        matmul(*second, nullptr, -1);
      } else {
        unary(*second);
      }
    }
    for (int i = 0; i < 2; ++i) {
      const Op* held = take_deferred(op.inputs[i]);
      if (!held) continue;
      const int other = in[1 - i];
      if (held->kind == OpKind::MatMul) {
        matmul(*held, &op, other);
        return;
      }
      // silu(a) · b
      auto a = inputs(*held, 1, 1);
      const int out = output(op);
      matrix(op, a[0]);
      expect(*held, a[0], shape(out));
      expect(op, other, shape(out));
      expect(*held, tensor(*held, held->output), shape(out));
      Step s = step(StepKind::SiluMul, held->name + "+" + op.name, {a[0], other}, out);
      s.rows = shape(out)[0];
      s.cols = shape(out)[1];
      plan_.fusions.push_back(held->name + "+" + op.name + ": SiLU and the GLU product in one kernel");
      push(std::move(s));
      return;
    }
    const int out = output(op);
    auto [rows, cols] = matrix(op, in[0]);
    expect(op, in[1], {rows, cols});
    expect(op, out, {rows, cols});
    Step s = step(op.kind == OpKind::Add ? StepKind::Add : StepKind::Mul, op.name, in, out);
    s.rows = rows;
    s.cols = cols;
    push(std::move(s));
  }

  void unary(const Op& op) {
    auto in = inputs(op, 1, 1);
    const int out = output(op);
    auto [rows, cols] = matrix(op, in[0]);
    expect(op, out, {rows, cols});
    const StepKind k = op.kind == OpKind::Gelu ? StepKind::Gelu
                     : op.kind == OpKind::GeluTanh ? StepKind::GeluTanh : StepKind::Silu;
    Step s = step(k, op.name, in, out);
    s.rows = rows;
    s.cols = cols;
    push(std::move(s));
  }

  void norm(const Op& op) {
    const bool layer = op.kind == OpKind::LayerNorm;
    auto in = inputs(op, layer ? 3 : 2, layer ? 3 : 2);
    const int out = output(op);
    auto [rows, cols] = matrix(op, in[0]);
    for (size_t i = 1; i < in.size(); ++i) expect(op, in[i], {cols});
    expect(op, out, {rows, cols});
    if (!(op.attrs.eps >= 0)) fail(op, "eps must be ≥ 0");
    Step s = step(layer ? StepKind::LayerNorm : StepKind::RMSNorm, op.name, in, out);
    s.rows = rows;
    s.cols = cols;
    s.eps = float(op.attrs.eps);
    push(std::move(s));
  }

  void rope(const Op& op) {
    const OpAttrs& a = op.attrs;
    auto in = inputs(op, 2, 2);
    const int out = output(op);
    auto [rows, width] = matrix(op, in[0]);
    if (a.heads <= 0 || a.head_dim <= 0 || a.head_dim % 2 != 0 || int64_t(a.heads) * a.head_dim != width) {
      fail(op, "attrs heads × head_dim (even) must equal the input width " + std::to_string(width));
    }
    expect(op, in[1], {rows}, false);
    expect(op, out, {rows, width});
    // The table covers the model's positions and every position this graph's input holds.
    int64_t positions = std::max(graph_.workload.model.max_seq, 1);
    if (const HostTensor* pos = plan_.tensors[in[1]].initial) {
      for (int32_t p : pos->i32) {
        if (p < 0) fail(op, "position " + std::to_string(p) + " is negative");
        positions = std::max<int64_t>(positions, int64_t(p) + 1);
      }
    }
    const int half = a.head_dim / 2;
    const auto key = std::make_tuple(a.theta, a.head_dim, positions);
    int table;
    if (auto it = rope_tables_.find(key); it != rope_tables_.end()) {
      table = it->second;
    } else {
      std::vector<float> cs(size_t(positions) * half * 2);
      for (int64_t p = 0; p < positions; ++p) {
        for (int i = 0; i < half; ++i) {
          // The reference's formula (backends/reference/ops.cpp), in double.
          const double angle = double(p) * std::pow(a.theta, -2.0 * double(i) / double(a.head_dim));
          cs[size_t(p * half + i) * 2] = float(std::cos(angle));
          cs[size_t(p * half + i) * 2 + 1] = float(std::sin(angle));
        }
      }
      const size_t floats = cs.size();
      table = add_derived(op.name + ".cos_sin", std::move(cs), floats);
      rope_tables_[key] = table;
    }
    Step s = step(StepKind::Rope, op.name, {in[0], in[1], table}, out);
    s.rows = rows;
    s.cols = width;
    s.heads = a.heads;
    s.head_dim = a.head_dim;
    s.positions = positions;
    push(std::move(s));
  }

  void attention(const Op& op) {
    const OpAttrs& a = op.attrs;
    auto in = inputs(op, a.cached ? 5 : 3, a.cached ? 5 : 3);
    const int out = output(op);
    if (a.heads <= 0 || a.kv_heads <= 0 || a.heads % a.kv_heads != 0 || a.head_dim <= 0 ||
        a.batch <= 0 || a.seq <= 0 || a.context < 0 || (!a.cached && a.context != 0)) {
      fail(op, "attrs need heads a positive multiple of kv_heads, positive head_dim, batch and seq, "
               "and context 0 unless cached");
    }
    if (!attention_head_dim_ok(a.head_dim)) {
      throw Error(ErrorKind::Unavailable, "cuda backend: op '" + op.name + "': head_dim " +
                                              std::to_string(a.head_dim) + " is above the " +
                                              std::to_string(kMaxHeadDim) + " the attention kernel handles");
    }
    const int64_t tokens = int64_t(a.batch) * a.seq;
    const int64_t qw = int64_t(a.heads) * a.head_dim, kvw = int64_t(a.kv_heads) * a.head_dim;
    expect(op, in[0], {tokens, qw});
    expect(op, in[1], {tokens, kvw});
    expect(op, in[2], {tokens, kvw});
    expect(op, out, {tokens, qw});
    int keys = in[1], values = in[2];
    if (a.cached) {
      const int64_t per_seq = int64_t(a.context) + a.seq;
      for (int i : {3, 4}) {
        expect(op, in[i], {a.batch * per_seq, kvw});
        if (roles_[in[i]] != TensorRole::State) fail(op, "cache '" + op.inputs[i] + "' must have role State");
      }
      // The step's keys and values go to cache rows context … context+S−1 of each sequence first.
      const RowCopy append{kvw, a.batch, a.seq, a.seq, 0, per_seq, a.context};
      for (int i : {1, 2}) {
        Step c = step(StepKind::CopyRows, op.name, {in[i]}, in[i + 2]);
        c.copy = append;
        push(std::move(c));
      }
      keys = in[3];
      values = in[4];
    }
    Step s = step(StepKind::Attention, op.name, {in[0], keys, values}, out);
    s.attrs = a;
    s.shape = {a.batch, a.seq, a.cached ? a.context : 0, a.heads, a.kv_heads, a.head_dim, a.cached};
    s.launch = attention_launch(s.shape, sm_count_);
    if (s.launch.splits > 1) {
      s.partial = add_derived(op.name + ".partials", {}, size_t(s.launch.partial_floats));
    }
    push(std::move(s));
  }

  const Graph& graph_;
  const int sm_count_;
  Plan plan_;
  std::map<std::string, int> index_;
  std::vector<TensorRole> roles_;  // parallel to plan_.tensors
  std::map<std::string, int> consumers_;
  std::map<std::string, const Op*> deferred_;  // output name → op held for a fusion
  std::map<std::tuple<double, int, int64_t>, int> rope_tables_;
  std::map<int, std::pair<int, int>> quantized_;  // float weight → its quantized values, scales
  std::set<int> replaced_;                         // float weights read quantized
  int int8_act_q_ = -1, int8_act_scales_ = -1, int8_acc_ = -1;
};

}  // namespace

Plan make_plan(const Graph& graph, const TensorSet& constants, Storage storage, int sm_count) {
  return Planner(graph, constants, storage, sm_count).take();
}

}  // namespace infermark::cuda
