// IM_CUDA_CHECK / IM_CUBLAS_CHECK: a failed CUDA runtime or cuBLASLt call becomes an
// infermark::Error (ErrorKind::Backend) naming the call, the error (e.g. cudaErrorIllegalAddress) and the line.
#pragma once

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <string>

namespace infermark::cuda {

// "cudaErrorNoDevice (no CUDA-capable device is detected)".
std::string error_text(cudaError_t e);
// "CUBLAS_STATUS_NOT_SUPPORTED (the functionality requested is not supported)".
std::string status_text(cublasStatus_t s);

// Errors after which the CUDA context cannot be used again in this process: the benchmark fails
// and the harness's child-process isolation keeps the rest of the run healthy.
bool is_sticky(cudaError_t e);

[[noreturn]] void throw_cuda_error(const char* call, cudaError_t e, const char* file, int line);
[[noreturn]] void throw_cublas_error(const char* call, cublasStatus_t s, const char* file, int line);

}  // namespace infermark::cuda

#define IM_CUDA_CHECK(call)                                                                      \
  do {                                                                                           \
    const cudaError_t im_cuda_error_ = (call);                                                   \
    if (im_cuda_error_ != cudaSuccess)                                                           \
      ::infermark::cuda::throw_cuda_error(#call, im_cuda_error_, __FILE__, __LINE__);            \
  } while (0)

#define IM_CUBLAS_CHECK(call)                                                                    \
  do {                                                                                           \
    const cublasStatus_t im_cublas_status_ = (call);                                             \
    if (im_cublas_status_ != CUBLAS_STATUS_SUCCESS)                                              \
      ::infermark::cuda::throw_cublas_error(#call, im_cublas_status_, __FILE__, __LINE__);       \
  } while (0)
