// The CUDA Executable: a Plan made real on one GPU. At compile time all memory is allocated once
// (tensors in one arena, one cuBLASLt workspace), constants uploaded, GEMM algorithms chosen, and
// the whole inference captured into one CUDA graph; run() replays it between two CUDA events.
#pragma once

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "backends/cuda/cublaslt_matmul.hpp"
#include "backends/cuda/cuda_devices.hpp"
#include "backends/cuda/cuda_memory.hpp"
#include "backends/cuda/cuda_plan.hpp"

namespace infermark::cuda {

class CudaExecutable : public Executable {
 public:
  // Environment: INFERMARK_CUDA_GRAPH=0 launches the steps directly instead of replaying a graph
  // (for debugging); INFERMARK_CUDA_TEST_FAULT=illegal_address:<regex> makes run() of workloads
  // whose id matches the regex fault with cudaErrorIllegalAddress (tests of the isolation).
  CudaExecutable(const Graph& graph, const TensorSet& constants, const Gpu& gpu);
  ~CudaExecutable() override;
  CudaExecutable(const CudaExecutable&) = delete;
  CudaExecutable& operator=(const CudaExecutable&) = delete;

  void run() override;
  void sync() override;
  std::optional<double> device_seconds_last() override { return device_seconds_; }
  HostTensor output() override;
  nlohmann::ordered_json implementation() const override;
  MemoryUsage memory_usage() const override { return memory_; }

  const Plan& plan() const { return plan_; }
  bool replays_graph() const { return exec_ != nullptr; }

 private:
  void check_memory(size_t tensor_bytes) const;
  void upload();
  void prepare();
  void capture();
  void enqueue(cudaStream_t stream);
  void destroy() noexcept;
  void* ptr(int tensor) const;

  Plan plan_;
  Gpu gpu_;
  std::string workload_id_;
  std::string quantization_;  // how a quantized workload is computed here; empty for float ones
  DeviceBuffer arena_;      // every tensor, at offsets_
  DeviceBuffer workspace_;  // cuBLASLt's, the largest any chosen algorithm needs
  std::vector<size_t> offsets_;
  cublasLtHandle_t lt_ = nullptr;
  std::vector<std::unique_ptr<LtMatmul>> gemms_;  // per step; null for steps that are not GEMMs
  std::map<GemmShape, GemmChoice> choices_;       // the heuristic's pick, once per shape
  cudaStream_t stream_ = nullptr;
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
  cudaGraph_t graph_ = nullptr;
  cudaGraphExec_t exec_ = nullptr;
  size_t graph_nodes_ = 0;
  std::string launch_;      // how run() launches, for implementation()
  bool fault_ = false;
  bool pending_ = false;
  std::optional<double> device_seconds_;
  MemoryUsage memory_;  // cudaMalloc sizes by purpose (cuda_memory.hpp)
};

}  // namespace infermark::cuda
