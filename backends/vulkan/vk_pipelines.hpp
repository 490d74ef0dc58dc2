// Compute pipelines built from the embedded SPIR-V: one descriptor-set layout and pipeline layout
// shared by every shader (kMaxBindings storage buffers + kPushBytes of push constants), and a
// pipeline per (shader variant, specialization constants), created on first use and kept.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace infermark::vk {

constexpr uint32_t kMaxBindings = 6;
constexpr uint32_t kPushBytes = 64;

// Shader variant name (see backends/vulkan/CMakeLists.txt) and its specialization constants,
// constant_id 0, 1, … in order (32-bit each; constant 0 is always the workgroup size).
struct PipelineKey {
  std::string shader;
  std::vector<uint32_t> spec;
  auto operator<=>(const PipelineKey&) const = default;
};

class Pipelines {
 public:
  explicit Pipelines(VkDevice device);
  ~Pipelines();
  Pipelines(const Pipelines&) = delete;
  Pipelines& operator=(const Pipelines&) = delete;

  VkDescriptorSetLayout set_layout() const { return set_layout_; }
  VkPipelineLayout layout() const { return layout_; }
  // Throws an Internal Error for a shader name that was not embedded.
  VkPipeline get(const PipelineKey& key);

 private:
  VkShaderModule module(const std::string& shader);
  void destroy();

  VkDevice device_;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout layout_ = VK_NULL_HANDLE;
  VkPipelineCache cache_ = VK_NULL_HANDLE;
  std::map<std::string, VkShaderModule> modules_;
  std::map<PipelineKey, VkPipeline> pipelines_;
};

}  // namespace infermark::vk
