// The Vulkan Executable: a Plan made real. At compile time every buffer is allocated and the
// constants uploaded once, one descriptor set per dispatch is written, and ONE command buffer
// holding the whole inference (with barriers only where a step depends on an earlier one, and a
// timestamp at each end) is recorded; run() resubmits it and sync() waits on its fence.
#pragma once

#include <memory>
#include <optional>

#include "backends/backend.hpp"
#include "backends/vulkan/vk_device.hpp"
#include "backends/vulkan/vk_memory.hpp"
#include "backends/vulkan/vk_plan.hpp"

namespace infermark::vk {

class VulkanExecutable : public Executable {
 public:
  VulkanExecutable(std::shared_ptr<Device> device, Plan plan);
  ~VulkanExecutable() override;

  void run() override;
  void sync() override;
  std::optional<double> device_seconds_last() override { return device_seconds_; }
  HostTensor output() override;
  nlohmann::ordered_json implementation() const override;
  // The device-local blocks (vkAllocateMemory sizes), split by the buffers placed in them: each
  // tensor by its graph role; derived tables, the dummy binding and alignment padding are workspace.
  MemoryUsage memory_usage() const override;

  // Per op: the time from the previous op's end timestamp to its own (a timestamp follows every
  // step; an op lowered to several steps, e.g. cached attention's copies and dispatch, is summed).
  // Ops that overlap on the device (no barrier between them) split the shared time.
  std::vector<std::pair<std::string, double>> op_seconds_last() const override;
  // The same per recorded step (dispatch or copy), before summing by op.
  std::vector<std::pair<std::string, double>> step_seconds_last() const;

 private:
  void upload();
  void write_descriptors();
  void record();
  void destroy();

  std::shared_ptr<Device> device_;
  Plan plan_;
  std::unique_ptr<BufferPool> tensors_, readback_;
  std::vector<size_t> buffer_;  // plan tensor → buffer index in tensors_
  size_t dummy_ = 0;
  VkDescriptorPool descriptor_pool_ = VK_NULL_HANDLE;
  std::vector<VkDescriptorSet> sets_;  // per step (VK_NULL_HANDLE for copies)
  VkCommandBuffer cb_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  VkQueryPool queries_ = VK_NULL_HANDLE;
  uint32_t query_count_ = 0;  // 1 + steps: start, then after each step
  bool pending_ = false;
  int barriers_ = 0;
  std::optional<double> device_seconds_;
  std::vector<uint64_t> ticks_;  // timestamps of the last run
};

}  // namespace infermark::vk
