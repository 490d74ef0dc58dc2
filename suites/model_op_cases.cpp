#include "suites/model_op_cases.hpp"

#include <cctype>
#include <set>

#include "suites/tensor_names.hpp"

namespace infermark {
namespace {

std::string lower_case(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string shape_tag(const Graph& g, const Op& op) {
  std::string s;
  for (const auto& in : op.inputs) s += (s.empty() ? "" : ",") + shape_to_string(g.tensor(in).shape);
  return s;
}

// What makes two ops the same benchmark: kind, input shapes, attributes and precision.
std::string identity(const Graph& g, const Op& op) {
  const OpAttrs& a = op.attrs;
  return to_string(op.kind) + "|" + shape_tag(g, op) + "|" + std::to_string(a.eps) + "|" +
         std::to_string(a.theta) + "|" + std::to_string(a.heads) + "|" +
         std::to_string(a.kv_heads) + "|" + std::to_string(a.head_dim) + "|" +
         std::to_string(a.batch) + "|" + std::to_string(a.seq) + "|" + std::to_string(a.context) +
         "|" + std::to_string(a.causal) + std::to_string(a.cached) + "|" +
         to_string(g.workload.precision);
}

// A short shape label: "m128n768k768" for matmuls, "b1s1c1024h32kv4d64" for attention, else
// rows × cols of the first input.
std::string shape_label(const Graph& g, const Op& op) {
  const auto& s0 = g.tensor(op.inputs.at(0)).shape;
  const OpAttrs& a = op.attrs;
  if (op.kind == OpKind::MatMul) {
    const auto& w = g.tensor(op.inputs.at(1)).shape;
    return "m" + std::to_string(s0.at(0)) + "n" + std::to_string(w.at(0)) + "k" +
           std::to_string(w.at(1));
  }
  if (op.kind == OpKind::Attention)
    return "b" + std::to_string(a.batch) + "s" + std::to_string(a.seq) + "c" +
           std::to_string(a.context) + "h" + std::to_string(a.heads) + "kv" +
           std::to_string(a.kv_heads) + "d" + std::to_string(a.head_dim);
  if (op.kind == OpKind::Embedding) {
    const auto& ids = g.tensor(op.inputs.at(1)).shape;
    return "v" + std::to_string(s0.at(0)) + "h" + std::to_string(s0.at(1)) + "r" +
           std::to_string(ids.at(0));
  }
  std::string s = "r" + std::to_string(s0.at(0));
  if (s0.size() > 1) s += "c" + std::to_string(s0.at(1));
  return s;
}

}  // namespace

std::vector<ModelOpCase> model_op_cases(const Suite& suite) {
  std::vector<ModelOpCase> out;
  std::set<std::string> seen;
  for (const auto& w : suite.workloads) {
    // One layer holds every distinct op of a model; more layers only repeat them.
    Workload one = w;
    one.layers = 1;
    auto g = std::make_shared<const Graph>(lower(one));
    for (size_t i = 0; i < g->ops.size(); ++i) {
      const Op& op = g->ops[i];
      if (!seen.insert(identity(*g, op)).second) continue;
      ModelOpCase c;
      c.name = lower_case(to_string(op.kind)) + "/" + w.model.name + "/" +
               names::without_layer_index(op.name) + "/" + shape_label(*g, op) + "/" +
               to_string(w.precision);
      c.lowered = g;
      c.op_index = i;
      c.precision = w.precision;
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace infermark
