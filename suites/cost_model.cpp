#include "suites/cost_model.hpp"

#include "suites/quantize.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace infermark {
namespace {

int64_t numel(const TensorDesc& t) {
  int64_t n = 1;
  for (auto d : t.shape) n *= d;
  return n;
}

int64_t elem_bytes(const Graph& g, const TensorDesc& t) {
  return t.dtype == DType::I32 ? 4 : bytes_per_element(float_precision(g.workload));
}

// Quantized weights count their stored bytes (values and scales); everything else its elements.
int64_t stored_bytes(const Graph& g, const TensorDesc& t) {
  if (t.role == TensorRole::Weight && is_quantized(g.workload.precision) && t.shape.size() == 2) {
    const auto names = quantized_weight_names(g);
    if (std::find(names.begin(), names.end(), t.name) != names.end())
      return quantized_weight_bytes(g.workload, t.shape[0], t.shape[1]);
  }
  return numel(t) * elem_bytes(g, t);
}

int64_t tensor_bytes(const Graph& g, const std::string& name) { return stored_bytes(g, g.tensor(name)); }

// Query–key pairs one (sequence, head) evaluates: causal attention skips the future.
int64_t attention_pairs(const OpAttrs& a) {
  const int64_t S = a.seq, C = a.context;
  if (a.causal) return S * C + S * (S + 1) / 2;
  return S * (C + S);
}

}  // namespace

OpCost op_cost(const Graph& g, const Op& op) {
  OpCost c;
  const auto& out = g.tensor(op.output);
  switch (op.kind) {
    case OpKind::MatMul: {
      const auto& w = g.tensor(op.inputs[1]);
      c.flops = 2 * numel(out) * w.shape[1];
      break;
    }
    case OpKind::Attention: {
      const auto& a = op.attrs;
      c.flops = 4 * int64_t(a.head_dim) * attention_pairs(a) * a.heads * a.batch;
      break;
    }
    default:
      break;
  }
  if (op.kind == OpKind::Embedding) {
    // A gather reads only the rows it needs.
    c.bytes = 2 * tensor_bytes(g, op.output) + tensor_bytes(g, op.inputs[1]);
    return c;
  }
  if (op.kind == OpKind::Attention && op.attrs.cached) {
    // The cache is read up to context + seq rows; k and v are written into it.
    const auto& a = op.attrs;
    const int64_t eb = bytes_per_element(float_precision(g.workload));
    const int64_t kv_rows = int64_t(a.batch) * (a.context + a.seq);
    c.bytes = tensor_bytes(g, op.inputs[0]) + 2 * tensor_bytes(g, op.inputs[1]) * 2 +
              2 * kv_rows * a.kv_heads * a.head_dim * eb + tensor_bytes(g, op.output);
    return c;
  }
  for (const auto& in : op.inputs) c.bytes += tensor_bytes(g, in);
  c.bytes += tensor_bytes(g, op.output);
  return c;
}

WorkloadCost workload_cost(const Graph& g) {
  WorkloadCost wc;
  // Weights read by anything but a gather are read whole; gathered tables only in the rows used.
  std::set<std::string> read_whole;
  std::map<std::string, int64_t> gathered_rows;
  for (const auto& op : g.ops) {
    OpCost c = op_cost(g, op);
    wc.flops += c.flops;
    wc.per_op.push_back(c);
    if (op.kind == OpKind::Embedding) {
      gathered_rows[op.inputs[0]] += g.tensor(op.inputs[1]).shape[0];
    } else {
      for (const auto& in : op.inputs)
        if (g.tensor(in).role == TensorRole::Weight) read_whole.insert(in);
    }
  }
  for (const auto& t : g.tensors) {
    const int64_t bytes = stored_bytes(g, t);
    switch (t.role) {
      case TensorRole::Weight: {
        int64_t b = bytes;
        if (!read_whole.count(t.name) && gathered_rows.count(t.name)) {
          const int64_t rows = std::min<int64_t>(gathered_rows[t.name], t.shape[0]);
          b = rows * t.shape[1] * elem_bytes(g, t);
        }
        wc.weight_bytes += bytes;
        wc.min_bytes += b;
        break;
      }
      case TensorRole::Input:
      case TensorRole::Output:
        wc.min_bytes += bytes;
        break;
      case TensorRole::State: {
        // Read the context rows, write the new ones: the whole cache tensor once.
        wc.min_bytes += bytes;
        break;
      }
      case TensorRole::Activation:
        break;
    }
  }
  return wc;
}

MemoryCost memory_cost(const Graph& g) {
  MemoryCost m;
  m.elem_bytes = bytes_per_element(float_precision(g.workload));
  const auto quantized = quantized_weight_names(g);
  for (const auto& name : quantized) {
    const TensorDesc& t = g.tensor(name);
    m.quantized_weight_elems += numel(t);
    m.quantized_weight_bytes += stored_bytes(g, t);
  }
  for (const auto& t : g.tensors) {
    const int64_t n = numel(t);
    if (t.dtype == DType::I32) {
      m.id_bytes += n * 4;
      continue;
    }
    switch (t.role) {
      case TensorRole::Weight:
        m.weight_elems += n;
        m.largest_weight_elems = std::max(m.largest_weight_elems, n);
        break;
      case TensorRole::State:
        m.kv_elems += n;
        m.largest_kv_elems = std::max(m.largest_kv_elems, n);
        break;
      case TensorRole::Activation:
      case TensorRole::Output:
        m.activation_elems += n;
        m.largest_activation_elems = std::max(m.largest_activation_elems, n);
        break;
      case TensorRole::Input:
        break;
    }
  }
  return m;
}

}  // namespace infermark
