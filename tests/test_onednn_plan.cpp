// The oneDNN backend's fusion plan: which consumers fold into a MatMul as post-ops, which must
// not, and that the step order always reads tensors after they are written.
#include <catch2/catch.hpp>

#include "config.hpp"

#if INFERMARK_HAS_ONEDNN

#include <set>

#include "backends/onednn/plan.hpp"
#include "support/backend_op_cases.hpp"
#include "suites/graph.hpp"

using namespace infermark;
using namespace infermark::onednn;

namespace {

const testing::OpCase& find_case(const std::vector<testing::OpCase>& cases,
                                 const std::string& prefix) {
  for (const auto& c : cases)
    if (c.name.rfind(prefix, 0) == 0) return c;
  FAIL("no op case " << prefix);
  throw;
}

// A graph of float tensors [4, 8]: "x" and "w" ([8, 8]) are constants, the rest activations.
Graph small_graph(const std::vector<Op>& ops, const std::string& output) {
  Graph g;
  g.tensors.push_back({"x", {4, 8}, DType::F32, TensorRole::Input});
  g.tensors.push_back({"w", {8, 8}, DType::F32, TensorRole::Weight});
  for (const auto& op : ops) {
    g.tensors.push_back({op.output, {4, 8}, DType::F32,
                         op.output == output ? TensorRole::Output : TensorRole::Activation});
  }
  g.ops = ops;
  g.output = output;
  return g;
}

Op op(OpKind kind, std::vector<std::string> in, const std::string& out) {
  return {kind, out, std::move(in), out, {}};
}

std::vector<PostOpKind> kinds(const PlannedStep& s) {
  std::vector<PostOpKind> k;
  for (const auto& p : s.post_ops) k.push_back(p.kind);
  return k;
}

// Walks the plan as the executable runs it: every tensor a step reads must be a constant or the
// output of an earlier step, and the graph's output must be written.
void check_order(const Graph& g, const std::vector<PlannedStep>& plan) {
  std::set<std::string> ready;
  for (const auto& t : g.tensors)
    if (t.role == TensorRole::Input || t.role == TensorRole::Weight || t.role == TensorRole::State)
      ready.insert(t.name);
  for (const auto& s : plan) {
    for (const auto& in : s.op->inputs) {
      INFO("step " << s.op->name << " reads " << in);
      CHECK(ready.count(in) == 1);
    }
    for (const auto& p : s.post_ops) {
      if (p.src1.empty()) continue;
      INFO("step " << s.op->name << " post-op reads " << p.src1);
      CHECK(ready.count(p.src1) == 1);
    }
    ready.insert(s.output);
  }
  CHECK(ready.count(g.output) == 1);
}

}  // namespace

TEST_CASE("plan: SwiGLU fuses gate with SiLU and the multiply by up", "[onednn_plan]") {
  const auto cases = testing::backend_op_cases();
  const Graph& g = find_case(cases, "chain/swiglu/").graph;
  const auto plan = plan_steps(g);
  // RMSNorm, up (alone: its consumer is claimed by gate), gate+silu+mul, down (graph output).
  REQUIRE(plan.size() == 4);
  CHECK(plan[0].op->kind == OpKind::RMSNorm);
  CHECK(plan[1].op->output == "u");
  CHECK(plan[1].post_ops.empty());
  CHECK(plan[2].op->output == "g");
  CHECK(kinds(plan[2]) == std::vector{PostOpKind::Silu, PostOpKind::Mul});
  CHECK(plan[2].post_ops[1].src1 == "u");
  CHECK(plan[2].output == "m");
  CHECK(plan[3].output == "out");
  check_order(g, plan);
}

TEST_CASE("plan: the GELU MLP fuses bias+GELU and the residual add", "[onednn_plan]") {
  const auto cases = testing::backend_op_cases();
  const Graph& g = find_case(cases, "chain/mlp_gelu/").graph;
  const auto plan = plan_steps(g);
  REQUIRE(plan.size() == 2);
  CHECK(kinds(plan[0]) == std::vector{PostOpKind::GeluErf});
  CHECK(plan[0].output == "h2");
  CHECK(kinds(plan[1]) == std::vector{PostOpKind::Add});
  CHECK(plan[1].post_ops[0].src1 == "x");
  CHECK(plan[1].output == "out");
  check_order(g, plan);
}

TEST_CASE("plan: a tensor read twice or returned is not fused away", "[onednn_plan]") {
  SECTION("two consumers") {
    const Graph g = small_graph({op(OpKind::MatMul, {"x", "w"}, "y"), op(OpKind::Gelu, {"y"}, "a"),
                                 op(OpKind::Add, {"y", "a"}, "out")},
                                "out");
    const auto plan = plan_steps(g);
    REQUIRE(plan.size() == 3);
    for (const auto& s : plan) CHECK(s.post_ops.empty());
    check_order(g, plan);
  }
  SECTION("the graph output") {
    const Graph g = small_graph({op(OpKind::MatMul, {"x", "w"}, "y")}, "y");
    const auto plan = plan_steps(g);
    REQUIRE(plan.size() == 1);
    CHECK(plan[0].output == "y");
  }
  SECTION("y + y") {
    const Graph g =
        small_graph({op(OpKind::MatMul, {"x", "w"}, "y"), op(OpKind::Add, {"y", "y"}, "out")}, "out");
    const auto plan = plan_steps(g);
    REQUIRE(plan.size() == 2);
    CHECK(plan[0].post_ops.empty());
  }
  SECTION("softmax is not a post-op") {
    const Graph g =
        small_graph({op(OpKind::MatMul, {"x", "w"}, "y"), op(OpKind::Softmax, {"y"}, "out")}, "out");
    CHECK(plan_steps(g).size() == 2);
  }
}

TEST_CASE("plan: lowered workloads run every step after its inputs", "[onednn_plan]") {
  for (const auto& [name, m] : builtin_models()) {
    for (Phase phase : {Phase::Encode, Phase::Prefill, Phase::Decode}) {
      if ((m.family == Family::Encoder) != (phase == Phase::Encode)) continue;
      Workload w;
      w.model = m;
      w.phase = phase;
      w.batch = 2;
      w.seq = phase == Phase::Decode ? 1 : 8;
      w.context = phase == Phase::Decode ? 8 : 0;
      w.layers = 2;
      INFO(w.id());
      const Graph g = lower(w);
      const auto plan = plan_steps(g);
      check_order(g, plan);
      // Every op is executed exactly once, alone or as a post-op.
      size_t covered = 0;
      for (const auto& s : plan) covered += 1 + s.post_ops.size();
      CHECK(covered == g.ops.size());
    }
  }
}

#endif
