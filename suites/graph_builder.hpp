// GraphBuilder: small graphs of a few ops with deterministic data, for the shared op cases, the
// op micro-benchmarks (infermark-ops) and the per-device ceilings measured in a run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "suites/graph.hpp"
#include "suites/tensor.hpp"

namespace infermark {

// A graph with every Input, Weight and State tensor it names, ready for Backend::compile.
struct GraphCase {
  std::string name;     // "attention/cached/b2s1c6h4kv2d16"
  Graph graph;          // graph.workload is a default Workload with the chosen precision
  TensorSet constants;
};

// Declares tensors and ops; data comes from a splitmix64 stream seeded by the case name, so the
// same name gives the same data on every machine and every call.
class GraphBuilder {
 public:
  explicit GraphBuilder(std::string name, Precision precision = Precision::F32);

  // A random f32 constant, uniform in [−scale, scale).
  std::string constant(const std::string& name, std::vector<int64_t> shape, double scale,
                       TensorRole role = TensorRole::Weight);
  // A random i32 input, uniform in [0, limit).
  std::string ids(const std::string& name, int64_t n, int32_t limit);
  std::string input(const std::string& name, std::vector<int64_t> shape, double scale = 1.0) {
    return constant(name, std::move(shape), scale, TensorRole::Input);
  }
  std::string activation(const std::string& name, std::vector<int64_t> shape);
  void op(OpKind kind, std::vector<std::string> inputs, const std::string& output,
          OpAttrs attrs = {});
  // Declares the final tensor (role Output) and returns the finished case.
  GraphCase finish(const std::string& output, std::vector<int64_t> shape);

 private:
  double uniform();
  std::string declare(const std::string& name, HostTensor t, TensorRole role);

  GraphCase c_;
  uint64_t state_ = 0x1234567;
};

// One op of a lowered graph as a graph of its own, with its inputs as constants (weights stay
// Weight, KV caches stay State, activations become Input), for timing that op alone at the
// shapes a real model gives it. Ids and positions are drawn within their valid ranges.
GraphCase single_op_case(const Graph& g, const Op& op);

}  // namespace infermark
