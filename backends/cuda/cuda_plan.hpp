// The lowering of a Graph to CUDA work: the tensors to allocate (with their initial contents), and
// in order the steps (cuBLASLt GEMMs and the project's kernels) with the fusions applied. Pure host
// logic, no CUDA call: the executable turns each step into launches, the tests read it directly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backends/cuda/cuda_types.hpp"
#include "backends/cuda/launch_shapes.hpp"
#include "suites/graph.hpp"

namespace infermark::cuda {

Storage storage_of(Precision p);
// The storage of a workload's float tensors: its precision, or for int8/int4w its compute type.
Storage storage_of(const Workload& w);

struct PlanTensor {
  std::string name;
  std::vector<int64_t> shape;
  bool is_float = true;      // else i32
  bool always_f32 = false;   // scratch and tables the kernels read as f32 in every precision
  size_t bytes = 0;
  const HostTensor* initial = nullptr;  // graph constants: uploaded once at compile time
  std::vector<float> derived;           // host-computed constants (the RoPE cos/sin table)
  std::vector<uint8_t> raw;             // host-made bytes uploaded as they are (quantized weights)
  std::string counts_as;                // graph tensor whose role the memory report gives it
};

// A quantized MatMul's own tensors and layout (issue 12). MatmulInt8: in = {a, q [Np, Kp] int8,
// weight scales [Np] f32 (, bias)}, scratch = {a_q [M, Kp] int8, a_scales [M] f32, acc [M, Np]
// i32}. MatmulInt4W: in = {a, packed [N, K/2] bytes, scales [N, K/G] f32 (, bias)}.
struct QuantGemm {
  int64_t kp = 0, np = 0;  // int8: K and N padded for cuBLASLt (quant_shapes.hpp)
  int group = 0;           // int4w
  bool gemv = false;       // int4w: M ≤ kInt4GemvMaxRows
  int act_q = -1, act_scales = -1, acc = -1;  // int8 scratch
};

struct Step {
  StepKind kind = StepKind::Add;
  std::string op;          // the graph op(s) it implements, "+"-joined when fused
  std::vector<int> in;     // tensor indices, per kind (see cuda_plan.cpp)
  int out = -1;
  int64_t rows = 0, cols = 0;      // element-wise and row kernels: out is [rows, cols]
  int64_t m = 0, n = 0, k = 0;     // Matmul
  bool bias = false;               // Matmul: in[2] is the bias
  int residual = -1;               // Matmul: tensor added to the product (fused Add), or -1
  float eps = 0;                   // norms
  int heads = 0, head_dim = 0;     // Rope
  int64_t positions = 0;           // Rope: rows of the cos/sin table
  RowCopy copy;                    // CopyRows
  OpAttrs attrs;                   // Attention
  AttentionShape shape;            // Attention
  AttentionLaunch launch;          // Attention
  int partial = -1;                // Attention: scratch tensor of the split-K partials, or -1
  QuantGemm quant;                 // MatmulInt8, MatmulInt4W
};

struct Plan {
  Storage storage = Storage::F32;
  std::vector<PlanTensor> tensors;
  std::vector<Step> steps;
  int output = -1;
  std::vector<int64_t> output_shape;
  std::vector<std::string> fusions;  // "layer.0.attn_out+layer.0.attn_res: residual in the GEMM"
};

// Throws an Internal Error naming the op when the graph breaks the contract of suites/graph.hpp,
// and an Unavailable one when a shape is beyond the kernels (head_dim above kMaxHeadDim).
// `sm_count` sizes the attention splits.
Plan make_plan(const Graph& graph, const TensorSet& constants, Storage storage, int sm_count);

}  // namespace infermark::cuda
