// The onednn backend's execution plan: which graph ops run as one fused primitive (a MatMul with
// its activation, residual add and GLU multiply as post-ops) and in which order the steps run.
#pragma once

#include <string>
#include <vector>

#include "suites/graph.hpp"

namespace infermark::onednn {

enum class PostOpKind { GeluErf, GeluTanh, Silu, Add, Mul };

struct PostOp {
  PostOpKind kind;
  std::string src1;     // the other operand of Add/Mul; empty for activations
  std::string op_name;  // the graph op it replaces
};

struct PlannedStep {
  const Op* op = nullptr;         // the op that heads the step
  std::vector<PostOp> post_ops;   // consumers fused into it, applied in order
  std::string output;             // the tensor the step writes (the last fused op's output)
};

// Maximum post-ops fused into one MatMul.
constexpr size_t kMaxPostOps = 4;

// Fuses each MatMul with the chain of its consumers while the intermediate tensor has exactly one
// consumer, is not the graph's output, and that consumer is an activation (Gelu, GeluTanh, Silu)
// or an Add/Mul whose other operand has the same shape. A fused step runs where its last op stood
// in the graph, so every tensor it reads is already written; ops that no step claims run alone.
// `g` must outlive the returned plan (steps point at its ops).
std::vector<PlannedStep> plan_steps(const Graph& g);

std::string to_string(PostOpKind k);

}  // namespace infermark::onednn
