// A step of a oneDNN executable (one primitive chain or one own loop) and what building one needs.
// Steps are built once at compile time; run() neither allocates nor creates primitives.
#pragma once

#include <memory>
#include <string>

#include "backends/onednn/dnnl_util.hpp"
#include "backends/onednn/implementation_record.hpp"
#include "backends/onednn/tensors.hpp"

namespace infermark::onednn {

class Step {
 public:
  virtual ~Step() = default;
  virtual void run(dnnl::stream& s) = 0;
  // Runs only the GEMMs of this step (matmul primitives, with their fused post-ops) and says
  // whether there were any: the "GEMM floor" of a graph is all steps' GEMMs run alone.
  virtual bool run_gemms(dnnl::stream&) { return false; }

  std::string name;  // the graph op(s) this step runs, e.g. "layer.0.up+layer.0.up_act"
  std::string kind;  // "MatMul+gelu_erf", "LayerNorm", …
};

// A step that is one primitive with its arguments bound (plus whatever buffers it owns).
class PrimitiveStep : public Step {
 public:
  explicit PrimitiveStep(PrimitiveCall call) : call_(std::move(call)) {}
  void run(dnnl::stream& s) override { call_.execute(s); }

 private:
  PrimitiveCall call_;
};

// Sizes the executable picks by default; tests shrink them to exercise every code path.
struct Tuning {
  // f32 attention scores per tile (all sequences and KV heads): small enough to stay in L2
  // between QKᵀ, softmax and PV.
  int64_t attention_tile_bytes = int64_t(1) << 20;
  // bf16 MatMuls of up to kGemvMaxRows rows through the own AVX512-BF16 GEMV (gemv_bf16.hpp)
  // rather than oneDNN's matmul; false: oneDNN's (tests compare the two).
  bool gemv_bf16 = true;
};

// Everything a step factory uses while compiling.
struct SharedInt8Input;  // matmul_quantized.cpp

struct BuildEnv {
  dnnl::engine& eng;
  dnnl::stream& stream;  // for compile-time reorders only
  TensorTable& tensors;
  Scratchpad& scratchpad;
  ImplementationRecord& record;
  const Tuning& tuning;
  // The workload's precision: int8 and int4w matmuls take their own steps (matmul_quantized).
  Precision precision = Precision::F32;
  int group_size = 128;
  // The int8 activations the step just built quantized, when it was an int8 matmul: the next
  // int8 matmul of the same input (q, k and v of one attention) reuses them instead of
  // quantizing again. OnednnExecutable::build resets it for every other kind of step, so only
  // consecutive steps share, and nothing can have rewritten the input in between.
  std::shared_ptr<SharedInt8Input> int8_input;
};

}  // namespace infermark::onednn
