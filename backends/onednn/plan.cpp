#include "backends/onednn/plan.hpp"

#include <algorithm>
#include <map>
#include <optional>

namespace infermark::onednn {
namespace {

std::optional<PostOpKind> activation_kind(OpKind k) {
  switch (k) {
    case OpKind::Gelu: return PostOpKind::GeluErf;
    case OpKind::GeluTanh: return PostOpKind::GeluTanh;
    case OpKind::Silu: return PostOpKind::Silu;
    default: return std::nullopt;
  }
}

const std::vector<int64_t>* shape_of(const Graph& g, const std::string& name) {
  for (const auto& t : g.tensors)
    if (t.name == name) return &t.shape;
  return nullptr;
}

// The post-op that fusing consumer `c` of tensor `y` into its producer amounts to, if any.
std::optional<PostOp> as_post_op(const Graph& g, const Op& c, const std::string& y) {
  if (auto act = activation_kind(c.kind)) {
    if (c.inputs.size() == 1 && c.inputs[0] == y) return PostOp{*act, {}, c.name};
    return std::nullopt;
  }
  if ((c.kind != OpKind::Add && c.kind != OpKind::Mul) || c.inputs.size() != 2) return std::nullopt;
  if ((c.inputs[0] == y) == (c.inputs[1] == y)) return std::nullopt;  // y must be exactly one side
  const std::string& other = c.inputs[0] == y ? c.inputs[1] : c.inputs[0];
  const auto* ys = shape_of(g, y);
  const auto* os = shape_of(g, other);
  if (!ys || !os || *ys != *os) return std::nullopt;
  return PostOp{c.kind == OpKind::Add ? PostOpKind::Add : PostOpKind::Mul, other, c.name};
}

}  // namespace

std::vector<PlannedStep> plan_steps(const Graph& g) {
  std::map<std::string, std::vector<size_t>> consumers;
  for (size_t i = 0; i < g.ops.size(); ++i)
    for (const auto& in : g.ops[i].inputs) consumers[in].push_back(i);

  std::vector<bool> claimed(g.ops.size(), false);
  std::vector<std::pair<size_t, PlannedStep>> placed;  // (position in the graph, step)
  for (size_t i = 0; i < g.ops.size(); ++i) {
    if (claimed[i]) continue;
    claimed[i] = true;
    PlannedStep step{&g.ops[i], {}, g.ops[i].output};
    size_t pos = i;
    if (g.ops[i].kind == OpKind::MatMul) {
      while (step.post_ops.size() < kMaxPostOps && step.output != g.output) {
        const auto& uses = consumers[step.output];
        if (uses.size() != 1 || claimed[uses[0]]) break;
        const Op& c = g.ops[uses[0]];
        auto post = as_post_op(g, c, step.output);
        if (!post) break;
        claimed[uses[0]] = true;
        step.post_ops.push_back(std::move(*post));
        step.output = c.output;
        pos = uses[0];
      }
    }
    placed.emplace_back(pos, std::move(step));
  }
  std::sort(placed.begin(), placed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<PlannedStep> out;
  out.reserve(placed.size());
  for (auto& p : placed) out.push_back(std::move(p.second));
  return out;
}

std::string to_string(PostOpKind k) {
  switch (k) {
    case PostOpKind::GeluErf: return "gelu_erf";
    case PostOpKind::GeluTanh: return "gelu_tanh";
    case PostOpKind::Silu: return "swish";
    case PostOpKind::Add: return "binary_add";
    case PostOpKind::Mul: return "binary_mul";
  }
  return "?";
}

}  // namespace infermark::onednn
