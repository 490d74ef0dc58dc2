#include "backends/reference/reference_executable.hpp"

#include <cblas.h>

#include <algorithm>

#include "backends/reference/ops.hpp"
#include "common/error.hpp"
#include "suites/constant_data.hpp"
#include "suites/quantize.hpp"

namespace infermark::ref {
namespace {

using Shape = std::vector<int64_t>;

[[noreturn]] void fail(const Op& op, const std::string& msg) {
  throw Error(ErrorKind::Internal,
              "reference backend: op '" + op.name + "' (" + to_string(op.kind) + "): " + msg);
}

bool is_constant(TensorRole r) {
  return r == TensorRole::Input || r == TensorRole::Weight || r == TensorRole::State;
}

}  // namespace

ReferenceExecutable::ReferenceExecutable(const Graph& graph, const TensorSet& constants) {
  for (const auto& desc : graph.tensors) {
    Buffer b{desc, {}, {}};
    int64_t n = 1;
    for (auto d : desc.shape) n *= d;
    if (is_constant(desc.role)) {
      const HostTensor& t = constant_data(constants, desc, "reference");
      if (t.dtype == DType::F32) {
        b.f64.assign(t.f32.begin(), t.f32.end());
      } else {
        b.i32 = t.i32;
      }
    } else if (desc.dtype == DType::F32) {
      b.f64.assign(size_t(n), 0.0);
    } else {
      b.i32.assign(size_t(n), 0);
    }
    if (!buffers_.emplace(desc.name, std::move(b)).second) {
      throw Error(ErrorKind::Internal,
                  "reference backend: tensor '" + desc.name + "' is declared twice in the graph");
    }
  }
  const auto quantized = quantized_weight_names(graph);
  for (const auto& op : graph.ops) {
    steps_.push_back(bind(op));
    steps_.back().quantize_input =
        graph.workload.precision == Precision::Int8 && op.kind == OpKind::MatMul &&
        std::find(quantized.begin(), quantized.end(), op.inputs[1]) != quantized.end();
  }

  auto out = buffers_.find(graph.output);
  if (out == buffers_.end() || out->second.desc.dtype != DType::F32) {
    throw Error(ErrorKind::Internal, "reference backend: graph output '" + graph.output +
                                         "' is not a declared f32 tensor");
  }
  output_ = &out->second;
}

ReferenceExecutable::Buffer& ReferenceExecutable::buffer(const Op& op, const std::string& name) {
  auto it = buffers_.find(name);
  if (it == buffers_.end()) fail(op, "tensor '" + name + "' is not declared in the graph");
  return it->second;
}

// Resolves an op's tensors and checks them against the contract in suites/graph.hpp, so that
// run() can trust every shape.
ReferenceExecutable::Step ReferenceExecutable::bind(const Op& op) {
  Step st{op, {}, &buffer(op, op.output)};
  for (const auto& name : op.inputs) st.in.push_back(&buffer(op, name));
  if (is_constant(st.out->desc.role)) fail(op, "writes to constant tensor '" + op.output + "'");

  auto arity = [&](size_t lo, size_t hi) {
    if (st.in.size() < lo || st.in.size() > hi) {
      fail(op, "has " + std::to_string(st.in.size()) + " inputs, expected " + std::to_string(lo) +
                   (hi == lo ? "" : "–" + std::to_string(hi)));
    }
  };
  auto expect = [&](const Buffer& b, const Shape& shape, DType dtype = DType::F32) {
    if (b.desc.shape != shape || b.desc.dtype != dtype) {
      fail(op, "tensor '" + b.desc.name + "' is " + shape_to_string(b.desc.shape) +
                   (b.desc.dtype == DType::I32 ? " i32" : " f32") + ", expected " +
                   shape_to_string(shape) + (dtype == DType::I32 ? " i32" : " f32"));
    }
  };
  auto matrix = [&](size_t i) {
    const Shape& s = st.in[i]->desc.shape;
    if (s.size() != 2) fail(op, "input '" + st.in[i]->desc.name + "' must be 2-D");
    return std::pair{s[0], s[1]};
  };
  const OpAttrs& a = op.attrs;

  switch (op.kind) {
    case OpKind::Embedding: {
      arity(2, 2);
      const int64_t hidden = matrix(0).second;
      const Shape& ids = st.in[1]->desc.shape;
      if (ids.size() != 1) fail(op, "ids must be 1-D");
      expect(*st.in[1], ids, DType::I32);
      expect(*st.out, {ids[0], hidden});
      break;
    }
    case OpKind::MatMul: {
      arity(2, 3);
      auto [m, k] = matrix(0);
      const int64_t n = matrix(1).first;
      expect(*st.in[1], {n, k});
      if (st.in.size() == 3) expect(*st.in[2], {n});
      expect(*st.out, {m, n});
      break;
    }
    case OpKind::Add:
    case OpKind::Mul:
      arity(2, 2);
      expect(*st.in[0], st.in[0]->desc.shape);
      expect(*st.in[1], st.in[0]->desc.shape);
      expect(*st.out, st.in[0]->desc.shape);
      break;
    case OpKind::LayerNorm:
    case OpKind::RMSNorm: {
      arity(op.kind == OpKind::LayerNorm ? 3 : 2, op.kind == OpKind::LayerNorm ? 3 : 2);
      auto [m, h] = matrix(0);
      expect(*st.in[0], {m, h});
      for (size_t i = 1; i < st.in.size(); ++i) expect(*st.in[i], {h});
      expect(*st.out, {m, h});
      break;
    }
    case OpKind::Gelu:
    case OpKind::GeluTanh:
    case OpKind::Silu:
    case OpKind::Softmax: {
      arity(1, 1);
      auto [m, h] = matrix(0);
      expect(*st.in[0], {m, h});
      expect(*st.out, {m, h});
      break;
    }
    case OpKind::Rope: {
      arity(2, 2);
      auto [rows, width] = matrix(0);
      if (a.heads <= 0 || a.head_dim <= 0 || a.head_dim % 2 != 0 ||
          int64_t(a.heads) * a.head_dim != width) {
        fail(op,
             "attrs heads × head_dim (even) must equal the input width " + std::to_string(width));
      }
      expect(*st.in[0], {rows, width});
      expect(*st.in[1], {rows}, DType::I32);
      expect(*st.out, {rows, width});
      break;
    }
    case OpKind::Attention: {
      arity(a.cached ? 5 : 3, a.cached ? 5 : 3);
      if (a.heads <= 0 || a.kv_heads <= 0 || a.heads % a.kv_heads != 0 || a.head_dim <= 0 ||
          a.batch <= 0 || a.seq <= 0 || a.context < 0 || (!a.cached && a.context != 0)) {
        fail(op,
             "attrs need heads a positive multiple of kv_heads, positive head_dim, batch "
             "and seq, and context 0 unless cached");
      }
      const int64_t tokens = int64_t(a.batch) * a.seq;
      const int64_t qw = int64_t(a.heads) * a.head_dim, kvw = int64_t(a.kv_heads) * a.head_dim;
      expect(*st.in[0], {tokens, qw});
      expect(*st.in[1], {tokens, kvw});
      expect(*st.in[2], {tokens, kvw});
      if (a.cached) {
        const int64_t cache_rows = int64_t(a.batch) * (a.context + a.seq);
        for (size_t i = 3; i < 5; ++i) {
          expect(*st.in[i], {cache_rows, kvw});
          if (st.in[i]->desc.role != TensorRole::State) {
            fail(op, "cache '" + st.in[i]->desc.name + "' must have role State");
          }
        }
      }
      expect(*st.out, {tokens, qw});
      scores_.resize(std::max<size_t>(scores_.size(), size_t(attention_scratch(a))));
      break;
    }
    case OpKind::LastToken: {
      arity(1, 1);
      auto [rows, h] = matrix(0);
      if (a.batch <= 0 || a.seq <= 0 || int64_t(a.batch) * a.seq != rows) {
        fail(op, "attrs batch × seq must equal the input's " + std::to_string(rows) + " rows");
      }
      expect(*st.out, {a.batch, h});
      break;
    }
    default: fail(op, "unknown op kind");
  }
  return st;
}

void ReferenceExecutable::run() {
  for (const auto& st : steps_) execute(st);
}

void ReferenceExecutable::execute(const Step& st) {
  const auto& in = st.in;
  auto& out = st.out->f64;
  const OpAttrs& a = st.op.attrs;
  auto rows = [&](size_t i) { return in[i]->desc.shape[0]; };
  auto cols = [&](size_t i) { return in[i]->desc.shape[1]; };
  switch (st.op.kind) {
    case OpKind::Embedding: embedding(in[0]->f64, rows(0), cols(0), in[1]->i32, out); break;
    case OpKind::MatMul:
      if (st.quantize_input) {
        quantized_ = in[0]->f64;
        for (int64_t r = 0; r < rows(0); ++r)
          quantize_dequantize_row_int8(quantized_.data() + r * cols(0), cols(0));
        matmul(quantized_, in[1]->f64,
               in.size() == 3 ? std::span<const double>(in[2]->f64) : std::span<const double>(),
               rows(0), rows(1), cols(0), out);
        break;
      }
      matmul(in[0]->f64, in[1]->f64,
             in.size() == 3 ? std::span<const double>(in[2]->f64) : std::span<const double>(),
             rows(0), rows(1), cols(0), out);
      break;
    case OpKind::Add: add(in[0]->f64, in[1]->f64, out); break;
    case OpKind::Mul: mul(in[0]->f64, in[1]->f64, out); break;
    case OpKind::LayerNorm:
      layer_norm(in[0]->f64, in[1]->f64, in[2]->f64, rows(0), cols(0), a.eps, out);
      break;
    case OpKind::RMSNorm: rms_norm(in[0]->f64, in[1]->f64, rows(0), cols(0), a.eps, out); break;
    case OpKind::Gelu: gelu(in[0]->f64, out); break;
    case OpKind::GeluTanh: gelu_tanh(in[0]->f64, out); break;
    case OpKind::Silu: silu(in[0]->f64, out); break;
    case OpKind::Softmax: softmax(in[0]->f64, rows(0), cols(0), out); break;
    case OpKind::Rope: rope(in[0]->f64, in[1]->i32, a.heads, a.head_dim, a.theta, out); break;
    case OpKind::Attention:
      attention(in[0]->f64, in[1]->f64, in[2]->f64,
                a.cached ? std::span<double>(in[3]->f64) : std::span<double>(),
                a.cached ? std::span<double>(in[4]->f64) : std::span<double>(), a, scores_, out);
      break;
    case OpKind::LastToken: last_token(in[0]->f64, a.batch, a.seq, cols(0), out); break;
  }
}

HostTensor ReferenceExecutable::output() {
  HostTensor t;
  t.shape = output_->desc.shape;
  t.dtype = DType::F32;
  t.f32.assign(output_->f64.begin(), output_->f64.end());
  return t;
}

MemoryUsage ReferenceExecutable::memory_usage() const {
  MemoryUsage u;
  u.measured = true;
  u.source = "reference backend's buffers (std::vector sizes: f64 floats, i32 ids)";
  for (const auto& [name, b] : buffers_) {
    const int64_t bytes = int64_t(b.f64.size() * sizeof(double) + b.i32.size() * sizeof(int32_t));
    switch (b.desc.role) {
      case TensorRole::Weight: u.weights += bytes; break;
      case TensorRole::State: u.kv_cache += bytes; break;
      default: u.activations += bytes; break;
    }
  }
  u.workspace = int64_t(scores_.size() * sizeof(double));
  return u;
}

nlohmann::ordered_json ReferenceExecutable::implementation() const {
  return {{"gemm", std::string("cblas_dgemm (OpenBLAS ") + openblas_get_config() + ")"},
          {"gemm_threads", openblas_get_num_threads()},
          {"other_ops", "plain loops, f64"}};
}

}  // namespace infermark::ref
