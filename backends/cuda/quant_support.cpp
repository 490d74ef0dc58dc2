#include "backends/cuda/quant_support.hpp"

#include "backends/cuda/quant_shapes.hpp"

namespace infermark::cuda {

std::string quantized_problem(const Workload& w, int cc) {
  if (w.precision == Precision::Int8 && cc < kInt8MinCc) {
    return "int8 uses cuBLASLt's IMMA tensor-core GEMMs, which need compute capability 7.5 or newer; this "
           "device is " + std::to_string(cc / 10) + "." + std::to_string(cc % 10);
  }
  if (w.precision == Precision::Int4W) {
    // The K of every quantized MatMul: hidden (projections in), heads·head_dim (attention out),
    // ffn (down projection); 0 where the workload names no model (op-level graphs: the plan checks).
    const int64_t ks[] = {w.model.hidden, int64_t(w.model.heads) * w.model.head_dim, w.model.ffn};
    for (int64_t k : ks) {
      if (k <= 0) continue;
      const std::string why = int4w_shape_problem(k, w.group_size);
      if (!why.empty()) return "int4w on the cuda backend: " + why;
    }
  }
  return "";
}

}  // namespace infermark::cuda
