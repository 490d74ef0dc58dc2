// The lowering of a Graph to Vulkan work: the tensors to allocate (with their initial contents)
// and, in order, the dispatches and copies that compute it, each with the tensors it reads and
// writes so the recorder can put barriers exactly where a later step depends on an earlier one.
// Pure host logic: no Vulkan object is created here.
#pragma once

#include <vulkan/vulkan.h>

#include <array>
#include <string>
#include <variant>
#include <vector>

#include "backends/vulkan/vk_context.hpp"
#include "backends/vulkan/vk_pipelines.hpp"
#include "backends/vulkan/vk_tuning.hpp"
#include "suites/graph.hpp"

namespace infermark::vk {

struct PlanTensor {
  std::string name;
  VkDeviceSize bytes = 0;
  bool is_float = true;                // stored in the run's float type; else i32
  bool half = false;                   // float stored as f16
  const HostTensor* initial = nullptr;  // constants: uploaded once at compile time
  std::vector<float> derived;          // host-computed constants (the RoPE table), always f32
  std::vector<uint32_t> words;         // host-packed constants uploaded as is (quantized weights, scales)
  TensorRole role = TensorRole::Activation;  // the graph tensor's role (for memory accounting)
};

struct Binding {
  int tensor = -1;  // -1: the dummy buffer (a binding the shader declares but this use never reads)
  VkDeviceSize offset = 0, range = VK_WHOLE_SIZE;
};

struct Dispatch {
  PipelineKey pipeline;
  std::array<Binding, kMaxBindings> bindings{};
  std::vector<uint32_t> push;  // 32-bit words (floats bit-cast)
  std::array<uint32_t, 3> groups{1, 1, 1};
};

struct Copy {
  int src = -1, dst = -1;
  std::vector<VkBufferCopy> regions;
};

struct Step {
  std::string op;  // the graph op it implements
  std::variant<Dispatch, Copy> work;
  std::vector<int> reads, writes;  // tensor indices
};

// What a quantized workload ran as (empty precision: a float workload), for the result.
struct QuantRecord {
  std::string precision;          // "int8" or "int4w"
  std::string compute_requested;  // the workload's compute type
  std::string compute_used;       // "f32" or "f16"
  std::string compute_reason;     // why they differ, if they do
  std::string matmul_path;        // int8: dot product or plain; int4w: the dequantizing shader
  int quantized_matmuls = 0;
};

struct Plan {
  std::vector<PlanTensor> tensors;
  std::vector<Step> steps;
  int output = -1;
  std::vector<int64_t> output_shape;
  bool half = false;
  Tuning tuning;
  QuantRecord quant;
};

// Throws an Internal Error naming the op when the graph breaks the contract of suites/graph.hpp
// (a missing tensor, a wrong shape), and ErrorKind::Unavailable when a shape exceeds what the
// device can bind or launch (head_dim above its workgroup size, …).
// `half`: the float tensors are stored f16. A quantized workload (int8, int4w) lowers its
// quantized MatMuls to quantize_rows + matmul_int8(_dot) or matvec_int4 (vk_quant_plan.hpp).
Plan make_plan(const Graph& graph, const TensorSet& constants, const PhysicalDevice& device,
               const Tuning& tuning, bool half);

// Invocations of the attention workgroup for a head dimension (supports() checks the limit).
uint32_t attention_workgroup(int head_dim);

// Names of a shader's specialization constants, in constant_id order, for the result file.
std::vector<std::string> spec_names(const std::string& shader);

}  // namespace infermark::vk
