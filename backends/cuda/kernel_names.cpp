// The names of the kernels each step launches, as implementation() reports them.
#include "backends/cuda/kernels.hpp"

namespace infermark::cuda {

std::string kernel_name(StepKind k, Storage s) {
  const std::string t = "<" + to_string(s) + ">";
  switch (k) {
    case StepKind::Matmul: return "cublasLtMatmul";
    case StepKind::Embedding: return "embedding_kernel" + t;
    case StepKind::Add: return "pointwise_kernel" + t + "(add)";
    case StepKind::Mul: return "pointwise_kernel" + t + "(mul)";
    case StepKind::Gelu: return "pointwise_kernel" + t + "(gelu_erf)";
    case StepKind::GeluTanh: return "pointwise_kernel" + t + "(gelu_tanh)";
    case StepKind::Silu: return "pointwise_kernel" + t + "(silu)";
    case StepKind::SiluMul: return "pointwise_kernel" + t + "(silu_mul)";
    case StepKind::LayerNorm: return "norm_kernel" + t + "(layer)";
    case StepKind::RMSNorm: return "norm_kernel" + t + "(rms)";
    case StepKind::Softmax: return "softmax_kernel" + t;
    case StepKind::Rope: return "rope_kernel" + t;
    case StepKind::CopyRows: return "copy_rows_kernel" + t;
    case StepKind::Attention: return "attention_kernel" + t;
    case StepKind::MatmulInt8: return "quantize_rows_int8_kernel" + t;  // then the GEMM and the epilogue
    case StepKind::MatmulInt4W: return "int4w_matmul_kernel" + t;
  }
  return "?";
}

}  // namespace infermark::cuda
