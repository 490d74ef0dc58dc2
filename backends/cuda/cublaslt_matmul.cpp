#include "backends/cuda/cublaslt_matmul.hpp"

#include "backends/cuda/cuda_check.hpp"
#include "common/error.hpp"

namespace infermark::cuda {
namespace {

cudaDataType_t data_type(Storage s) {
  switch (s) {
    case Storage::F32: return CUDA_R_32F;
    case Storage::BF16: return CUDA_R_16BF;
    case Storage::F16: return CUDA_R_16F;
  }
  return CUDA_R_32F;
}

template <class V>
V algo_attr(const cublasLtMatmulAlgo_t& algo, cublasLtMatmulAlgoConfigAttributes_t attr) {
  V v{};
  size_t written = 0;
  if (cublasLtMatmulAlgoConfigGetAttribute(&algo, attr, &v, sizeof v, &written) != CUBLAS_STATUS_SUCCESS) return V{};
  return v;
}

}  // namespace

nlohmann::ordered_json GemmChoice::description() const {
  nlohmann::ordered_json j;
  if (!found) {
    j["algorithm"] = "none";
    j["why"] = why_not;
    return j;
  }
  const cublasLtMatmulAlgo_t& a = result.algo;
  j["algo_id"] = algo_attr<int32_t>(a, CUBLASLT_ALGO_CONFIG_ID);
  j["tile_id"] = algo_attr<uint32_t>(a, CUBLASLT_ALGO_CONFIG_TILE_ID);
  j["stages_id"] = algo_attr<uint32_t>(a, CUBLASLT_ALGO_CONFIG_STAGES_ID);
  j["split_k"] = algo_attr<int32_t>(a, CUBLASLT_ALGO_CONFIG_SPLITK_NUM);
  j["reduction_scheme"] = algo_attr<uint32_t>(a, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME);
  j["cta_swizzling"] = algo_attr<uint32_t>(a, CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING);
  j["custom_option"] = algo_attr<uint32_t>(a, CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION);
  j["inner_shape_id"] = algo_attr<uint16_t>(a, CUBLASLT_ALGO_CONFIG_INNER_SHAPE_ID);
  j["cluster_shape_id"] = algo_attr<uint16_t>(a, CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID);
  j["workspace_bytes"] = result.workspaceSize;
  j["waves"] = result.wavesCount;
  return j;
}

// Row-major out[M,N] is column-major outᵀ [N,M] = w · aᵀ: cuBLASLt's A is w (stored K×N
// column-major, transposed), B is a (K×M column-major), C and D are N×M with leading dimension N.
LtMatmul::LtMatmul(cublasLtHandle_t handle, const GemmShape& shape, const void* bias)
    : handle_(handle), shape_(shape) {
  const cudaDataType_t t = shape.int8 ? CUDA_R_8I : data_type(shape.storage);
  const cudaDataType_t out_t = shape.int8 ? CUDA_R_32I : t;
  const uint64_t m = uint64_t(shape.m), n = uint64_t(shape.n), k = uint64_t(shape.k);
  try {
    // f32 accumulation in every precision; for f32 storage no TF32 (it would miss the f32
    // tolerance the correctness pass applies). int8: exact int32 sums (IMMA wants this "TN" form).
    if (shape.int8) {
      IM_CUBLAS_CHECK(cublasLtMatmulDescCreate(&op_, CUBLAS_COMPUTE_32I, CUDA_R_32I));
    } else {
      IM_CUBLAS_CHECK(cublasLtMatmulDescCreate(&op_, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    }
    const cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
    IM_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta));
    IM_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb));
    if (shape.bias && !shape.int8) {
      const cublasLtEpilogue_t epi = CUBLASLT_EPILOGUE_BIAS;  // bias type: D's (the default)
      IM_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof epi));
      IM_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias));
    }
    IM_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&a_, t, k, n, int64_t(k)));
    IM_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&b_, t, k, m, int64_t(k)));
    IM_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&c_, out_t, n, m, int64_t(n)));
  } catch (...) {
    destroy();
    throw;
  }
  beta_ = shape.residual && !shape.int8 ? 1.f : 0.f;
}

LtMatmul::~LtMatmul() { destroy(); }

void LtMatmul::destroy() {
  if (c_) cublasLtMatrixLayoutDestroy(c_);
  if (b_) cublasLtMatrixLayoutDestroy(b_);
  if (a_) cublasLtMatrixLayoutDestroy(a_);
  if (op_) cublasLtMatmulDescDestroy(op_);
  c_ = b_ = a_ = nullptr;
  op_ = nullptr;
}

GemmChoice LtMatmul::choose() const {
  GemmChoice c;
  cublasLtMatmulPreference_t pref = nullptr;
  IM_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
  const uint64_t max_ws = kMaxWorkspaceBytes;
  cublasStatus_t st = cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                           &max_ws, sizeof max_ws);
  int returned = 0;
  if (st == CUBLAS_STATUS_SUCCESS) {
    st = cublasLtMatmulAlgoGetHeuristic(handle_, op_, a_, b_, c_, c_, pref, 1, &c.result, &returned);
  }
  cublasLtMatmulPreferenceDestroy(pref);
  if (st != CUBLAS_STATUS_SUCCESS) {
    c.why_not = "cublasLtMatmulAlgoGetHeuristic: " + status_text(st);
  } else if (returned == 0 || c.result.state != CUBLAS_STATUS_SUCCESS) {
    c.why_not = "cublasLtMatmulAlgoGetHeuristic returned no algorithm";
  } else {
    c.found = true;
  }
  return c;
}

void LtMatmul::enqueue(const void* a, const void* w, const void* residual, void* out, void* workspace,
                       size_t workspace_bytes, cudaStream_t stream) const {
  const size_t need = choice_.result.workspaceSize;
  if (!choice_.found || need > workspace_bytes) {
    throw_backend_error("LtMatmul::enqueue", choice_.found ? "workspace too small" : choice_.why_not,
                        __FILE__, __LINE__);
  }
  const void* c = shape_.residual && !shape_.int8 ? residual : out;
  const void* alpha = shape_.int8 ? static_cast<const void*>(&alpha_i_) : &alpha_;
  const void* beta = shape_.int8 ? static_cast<const void*>(&beta_i_) : &beta_;
  IM_CUBLAS_CHECK(cublasLtMatmul(handle_, op_, alpha, w, a_, a, b_, beta, c, c_, out, c_,
                                 &choice_.result.algo, workspace, need, stream));
}

}  // namespace infermark::cuda
