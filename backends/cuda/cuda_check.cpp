#include "backends/cuda/cuda_check.hpp"

#include "common/error.hpp"

namespace infermark::cuda {

std::string error_text(cudaError_t e) {
  return std::string(cudaGetErrorName(e)) + " (" + cudaGetErrorString(e) + ")";
}

std::string status_text(cublasStatus_t s) {
  return std::string(cublasLtGetStatusName(s)) + " (" + cublasLtGetStatusString(s) + ")";
}

bool is_sticky(cudaError_t e) {
  switch (e) {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorLaunchTimeout:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorAssert:
    case cudaErrorECCUncorrectable:
    case cudaErrorContextIsDestroyed:
      return true;
    default:
      return false;
  }
}

void throw_cuda_error(const char* call, cudaError_t e, const char* file, int line) {
  std::string detail = error_text(e);
  if (is_sticky(e)) detail += "; the CUDA context is unusable for the rest of this process";
  if (e == cudaErrorMemoryAllocation)  // the workload does not fit: skipped, not failed
    throw Error(ErrorKind::OutOfMemory, std::string(call) + " failed: " + detail + " (" + file +
                                            ":" + std::to_string(line) + ")");
  throw_backend_error(call, detail, file, line);
}

void throw_cublas_error(const char* call, cublasStatus_t s, const char* file, int line) {
  throw_backend_error(call, status_text(s), file, line);
}

}  // namespace infermark::cuda
