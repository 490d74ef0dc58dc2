// Buffers and their memory: every buffer of an executable is created first, then placed in a few
// large VkDeviceMemory blocks of one memory type (device-local, host-visible where the device has
// such memory at no cost, as on integrated GPUs and lavapipe), and mapped when host-visible.
#pragma once

#include <vulkan/vulkan.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "backends/vulkan/vk_device.hpp"

namespace infermark::vk {

enum class MemoryUse {
  Tensors,   // what shaders read and write: device-local, host-visible only if that is free
  Staging,   // host-visible, for uploads through a copy
  Readback,  // host-visible (cached where possible), what the device copies results into
};

class BufferPool {
 public:
  BufferPool(std::shared_ptr<Device> device, MemoryUse use);
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // Creates a buffer of `bytes` (rounded up to 16); memory comes with allocate().
  size_t add(VkDeviceSize bytes);
  // Binds every buffer added so far to memory and maps it when host-visible.
  void allocate();

  VkBuffer buffer(size_t i) const { return buffers_[i].handle; }
  VkDeviceSize size(size_t i) const { return buffers_[i].size; }
  bool host_visible() const { return host_visible_; }
  // The buffer's bytes on the host; nullptr unless host_visible().
  std::byte* host(size_t i) const { return buffers_[i].host; }
  // Makes host writes visible to the device / device writes visible to the host, for memory
  // that is not host-coherent (a no-op otherwise).
  void flush() const;
  void invalidate() const;
  VkDeviceSize total_bytes() const;
  uint32_t memory_type() const { return type_; }

 private:
  struct Buffer {
    VkBuffer handle = VK_NULL_HANDLE;
    VkDeviceSize size = 0, offset = 0;
    size_t block = 0;
    std::byte* host = nullptr;
  };
  uint32_t choose_type(uint32_t allowed) const;

  std::shared_ptr<Device> device_;
  MemoryUse use_;
  std::vector<Buffer> buffers_;
  std::vector<VkDeviceMemory> blocks_;
  std::vector<VkDeviceSize> block_sizes_;
  uint32_t type_ = 0;
  bool host_visible_ = false, coherent_ = true;
};

// The device's memory for the fit check: the largest device-local heap, its budget where
// VK_EXT_memory_budget is present (free = heapBudget − heapUsage), maxMemoryAllocationSize (and
// maxBufferSize on Vulkan 1.3) as the largest single buffer, maxStorageBufferRange as the largest
// binding (weights above it are bound in slices, see vk_plan.cpp).
DeviceLimits device_limits(const PhysicalDevice& d);

// Whether tensors can live in host-visible device-local memory on this device (no staging).
// INFERMARK_VK_FORCE_STAGING=1 says no, so the staging path can be tested on any device.
bool tensors_host_visible(const PhysicalDevice& d);

}  // namespace infermark::vk
