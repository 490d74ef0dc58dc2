// A logical Vulkan device on one physical device: its compute queue, command pool and pipeline
// set, shared by every executable compiled for that device (so pipelines are built once).
#pragma once

#include <vulkan/vulkan.h>

#include <memory>

#include "backends/vulkan/vk_context.hpp"

namespace infermark::vk {

class Pipelines;

class Device {
 public:
  // The device for `phys`, created on first use and shared while anything holds it.
  static std::shared_ptr<Device> open(const std::shared_ptr<Context>& context,
                                      const PhysicalDevice& phys);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  VkDevice handle() const { return device_; }
  VkQueue queue() const { return queue_; }
  VkCommandPool command_pool() const { return pool_; }
  const PhysicalDevice& physical() const { return phys_; }
  Context& context() const { return *context_; }
  Pipelines& pipelines() const { return *pipelines_; }
  bool f16_enabled() const { return f16_; }

  // Records with `record`, submits, waits: for one-off work such as uploading constants.
  template <class F>
  void run_once(F&& record) {
    VkCommandBuffer cb = begin_once();
    record(cb);
    end_once(cb);
  }
  // Waits for `fence` in slices, so a lost device surfaces as VK_ERROR_DEVICE_LOST.
  void wait(VkFence fence) const;

 private:
  Device(std::shared_ptr<Context> context, const PhysicalDevice& phys);
  VkCommandBuffer begin_once();
  void end_once(VkCommandBuffer cb);

  std::shared_ptr<Context> context_;
  PhysicalDevice phys_;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  std::unique_ptr<Pipelines> pipelines_;
  bool f16_ = false;
};

}  // namespace infermark::vk
