#include "backends/vulkan/vk_pipelines.hpp"

#include "backends/vulkan/vk_check.hpp"
#include "backends/vulkan/vk_init.hpp"
#include "backends/vulkan/vk_shaders.hpp"
#include "common/error.hpp"

namespace infermark::vk {

Pipelines::Pipelines(VkDevice device) : device_(device) {
  try {
    VkDescriptorSetLayoutBinding bindings[kMaxBindings];
    for (uint32_t i = 0; i < kMaxBindings; ++i) {
      bindings[i] = {};
      bindings[i].binding = i;
      bindings[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      bindings[i].descriptorCount = 1;
      bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    auto sl = init<VkDescriptorSetLayoutCreateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO);
    sl.bindingCount = kMaxBindings;
    sl.pBindings = bindings;
    IM_VK_CHECK(vkCreateDescriptorSetLayout(device_, &sl, nullptr, &set_layout_));

    VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushBytes};
    auto pl = init<VkPipelineLayoutCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO);
    pl.setLayoutCount = 1;
    pl.pSetLayouts = &set_layout_;
    pl.pushConstantRangeCount = 1;
    pl.pPushConstantRanges = &push;
    IM_VK_CHECK(vkCreatePipelineLayout(device_, &pl, nullptr, &layout_));

    auto pc = init<VkPipelineCacheCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO);
    IM_VK_CHECK(vkCreatePipelineCache(device_, &pc, nullptr, &cache_));
  } catch (...) {
    destroy();
    throw;
  }
}

Pipelines::~Pipelines() { destroy(); }

void Pipelines::destroy() {
  for (auto& [k, p] : pipelines_) vkDestroyPipeline(device_, p, nullptr);
  for (auto& [k, m] : modules_) vkDestroyShaderModule(device_, m, nullptr);
  pipelines_.clear();
  modules_.clear();
  if (cache_) vkDestroyPipelineCache(device_, cache_, nullptr);
  if (layout_) vkDestroyPipelineLayout(device_, layout_, nullptr);
  if (set_layout_) vkDestroyDescriptorSetLayout(device_, set_layout_, nullptr);
  cache_ = VK_NULL_HANDLE;
  layout_ = VK_NULL_HANDLE;
  set_layout_ = VK_NULL_HANDLE;
}

VkShaderModule Pipelines::module(const std::string& shader) {
  if (auto it = modules_.find(shader); it != modules_.end()) return it->second;
  const auto& all = spirv_modules();
  auto it = all.find(shader);
  if (it == all.end()) {
    throw Error(ErrorKind::Internal, "vulkan: no embedded shader variant '" + shader + "'");
  }
  auto ci = init<VkShaderModuleCreateInfo>(VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
  ci.codeSize = it->second.size() * sizeof(uint32_t);
  ci.pCode = it->second.data();
  VkShaderModule m = VK_NULL_HANDLE;
  IM_VK_CHECK(vkCreateShaderModule(device_, &ci, nullptr, &m));
  modules_[shader] = m;
  return m;
}

VkPipeline Pipelines::get(const PipelineKey& key) {
  if (auto it = pipelines_.find(key); it != pipelines_.end()) return it->second;
  std::vector<VkSpecializationMapEntry> entries(key.spec.size());
  for (uint32_t i = 0; i < key.spec.size(); ++i)
    entries[i] = {i, uint32_t(i * sizeof(uint32_t)), sizeof(uint32_t)};
  VkSpecializationInfo spec{uint32_t(entries.size()), entries.data(),
                            key.spec.size() * sizeof(uint32_t), key.spec.data()};
  auto ci = init<VkComputePipelineCreateInfo>(VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO);
  ci.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  ci.stage.module = module(key.shader);
  ci.stage.pName = "main";
  ci.stage.pSpecializationInfo = key.spec.empty() ? nullptr : &spec;
  ci.layout = layout_;
  VkPipeline p = VK_NULL_HANDLE;
  IM_VK_CHECK(vkCreateComputePipelines(device_, cache_, 1, &ci, nullptr, &p));
  pipelines_[key] = p;
  return p;
}

}  // namespace infermark::vk
