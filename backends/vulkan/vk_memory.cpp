#include "backends/vulkan/vk_memory.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "backends/vulkan/vk_check.hpp"
#include "backends/vulkan/vk_init.hpp"
#include "common/error.hpp"

namespace infermark::vk {
namespace {

// Buffers are packed into blocks of this size (one larger buffer gets a block of its own), so an
// executable needs a handful of allocations, far below maxMemoryAllocationCount.
constexpr VkDeviceSize kBlockBytes = 256ull << 20;

constexpr VkMemoryPropertyFlags kHostVisibleLocal = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT |
                                                    VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                                    VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;

bool env_flag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::strcmp(v, "0") != 0;
}

VkDeviceSize align_up(VkDeviceSize v, VkDeviceSize a) { return (v + a - 1) / a * a; }

}  // namespace

bool tensors_host_visible(const PhysicalDevice& d) {
  if (env_flag("INFERMARK_VK_FORCE_STAGING")) return false;
  // A discrete GPU's host-visible device memory (BAR) is small or slow to read from the host.
  if (d.props.deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU) return false;
  for (uint32_t i = 0; i < d.memory.memoryTypeCount; ++i)
    if ((d.memory.memoryTypes[i].propertyFlags & kHostVisibleLocal) == kHostVisibleLocal) return true;
  return false;
}

namespace {

// maxMemoryAllocationSize (Vulkan 1.1), and maxBufferSize where the device has Vulkan 1.3.
VkDeviceSize largest_buffer(const PhysicalDevice& d) {
  auto m3 = init<VkPhysicalDeviceMaintenance3Properties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES);
  auto m4 = init<VkPhysicalDeviceMaintenance4Properties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_4_PROPERTIES);
  auto props = init<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2);
  props.pNext = &m3;
  const bool v13 = d.props.apiVersion >= VK_API_VERSION_1_3;
  if (v13) m3.pNext = &m4;
  vkGetPhysicalDeviceProperties2(d.handle, &props);
  VkDeviceSize limit = m3.maxMemoryAllocationSize;
  if (v13 && m4.maxBufferSize > 0) limit = std::min(limit, m4.maxBufferSize);
  return limit;
}

bool has_memory_budget(const PhysicalDevice& d) {
  uint32_t n = 0;
  if (vkEnumerateDeviceExtensionProperties(d.handle, nullptr, &n, nullptr) != VK_SUCCESS) return false;
  std::vector<VkExtensionProperties> ext(n);
  if (vkEnumerateDeviceExtensionProperties(d.handle, nullptr, &n, ext.data()) < 0) return false;
  for (const auto& e : ext)
    if (std::strcmp(e.extensionName, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME) == 0) return true;
  return false;
}

}  // namespace

DeviceLimits device_limits(const PhysicalDevice& d) {
  DeviceLimits l;
  // Tensors live in one memory type, so in one heap: the largest device-local one.
  int heap = -1;
  for (uint32_t i = 0; i < d.memory.memoryHeapCount; ++i) {
    if (!(d.memory.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)) continue;
    if (heap < 0 || d.memory.memoryHeaps[i].size > d.memory.memoryHeaps[heap].size) heap = int(i);
  }
  if (heap >= 0) l.total_bytes = int64_t(d.memory.memoryHeaps[heap].size);
  l.memory_source = "largest device-local heap (VkPhysicalDeviceMemoryProperties)";
  if (heap >= 0 && has_memory_budget(d)) {
    auto budget = init<VkPhysicalDeviceMemoryBudgetPropertiesEXT>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT);
    auto mem = init<VkPhysicalDeviceMemoryProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2);
    mem.pNext = &budget;
    vkGetPhysicalDeviceMemoryProperties2(d.handle, &mem);
    const VkDeviceSize b = budget.heapBudget[heap], used = budget.heapUsage[heap];
    l.free_bytes = int64_t(b > used ? b - used : 0);
    l.memory_source += "; free: VK_EXT_memory_budget heapBudget - heapUsage";
  } else {
    l.memory_source += "; free: unknown (no VK_EXT_memory_budget on this device)";
  }
  l.max_allocation_bytes = int64_t(largest_buffer(d));
  l.max_binding_bytes = int64_t(d.props.limits.maxStorageBufferRange);
  l.weights_sliced = true;
  l.host_memory = d.props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
  l.holds_all_activations = true;
  return l;
}

BufferPool::BufferPool(std::shared_ptr<Device> device, MemoryUse use)
    : device_(std::move(device)), use_(use) {}

BufferPool::~BufferPool() {
  VkDevice dev = device_->handle();
  for (auto& b : buffers_) vkDestroyBuffer(dev, b.handle, nullptr);
  for (auto m : blocks_) vkFreeMemory(dev, m, nullptr);  // also unmaps
}

size_t BufferPool::add(VkDeviceSize bytes) {
  if (!blocks_.empty()) throw Error(ErrorKind::Internal, "vulkan: BufferPool::add after allocate");
  auto ci = init<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
  ci.size = align_up(std::max<VkDeviceSize>(bytes, 16), 16);
  ci.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  if (use_ == MemoryUse::Tensors) ci.usage |= VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  ci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  Buffer b;
  b.size = ci.size;
  if (const VkDeviceSize max = largest_buffer(device_->physical()); ci.size > max) {
    throw Error(ErrorKind::OutOfMemory,
                "vulkan: a tensor of " + std::to_string(ci.size) + " bytes exceeds device " +
                    device_->physical().id + "'s largest buffer (maxMemoryAllocationSize / maxBufferSize " +
                    std::to_string(max) + " bytes)");
  }
  IM_VK_CHECK(vkCreateBuffer(device_->handle(), &ci, nullptr, &b.handle));
  buffers_.push_back(b);
  return buffers_.size() - 1;
}

uint32_t BufferPool::choose_type(uint32_t allowed) const {
  const auto& mem = device_->physical().memory;
  std::vector<VkMemoryPropertyFlags> wanted;
  switch (use_) {
    case MemoryUse::Tensors:
      if (tensors_host_visible(device_->physical())) wanted.push_back(kHostVisibleLocal);
      wanted.push_back(VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
      break;
    case MemoryUse::Readback:
      wanted.push_back(VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
      [[fallthrough]];
    case MemoryUse::Staging:
      wanted.push_back(VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
      wanted.push_back(VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT);
      break;
  }
  for (VkMemoryPropertyFlags flags : wanted) {
    for (uint32_t i = 0; i < mem.memoryTypeCount; ++i) {
      if ((allowed & (1u << i)) && (mem.memoryTypes[i].propertyFlags & flags) == flags) return i;
    }
  }
  if (use_ != MemoryUse::Tensors) {
    throw Error(ErrorKind::Backend, "vulkan: device " + device_->physical().id +
                                        " has no host-visible memory type for these buffers");
  }
  for (uint32_t i = 0; i < mem.memoryTypeCount; ++i)
    if (allowed & (1u << i)) return i;
  throw Error(ErrorKind::Backend, "vulkan: no memory type allowed for a storage buffer");
}

void BufferPool::allocate() {
  if (buffers_.empty() || !blocks_.empty()) return;
  VkDevice dev = device_->handle();
  uint32_t allowed = ~0u;
  std::vector<VkMemoryRequirements> reqs(buffers_.size());
  for (size_t i = 0; i < buffers_.size(); ++i) {
    vkGetBufferMemoryRequirements(dev, buffers_[i].handle, &reqs[i]);
    allowed &= reqs[i].memoryTypeBits;
  }
  if (allowed == 0) throw Error(ErrorKind::Backend, "vulkan: buffers share no memory type");
  type_ = choose_type(allowed);
  const VkMemoryPropertyFlags flags = device_->physical().memory.memoryTypes[type_].propertyFlags;
  // Tensors are used in place only where tensors_host_visible() says so: elsewhere (a discrete
  // GPU's BAR, or INFERMARK_VK_FORCE_STAGING) they go through staging even if mappable.
  host_visible_ = (flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) &&
                  (use_ != MemoryUse::Tensors || tensors_host_visible(device_->physical()));
  coherent_ = flags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;

  // First fit in order: place each buffer at the end of the current block, or open a new one.
  VkDeviceSize used = kBlockBytes;
  for (size_t i = 0; i < buffers_.size(); ++i) {
    VkDeviceSize off = align_up(used, reqs[i].alignment);
    if (block_sizes_.empty() || off + reqs[i].size > std::max(kBlockBytes, block_sizes_.back())) {
      block_sizes_.push_back(0);
      off = 0;
    }
    buffers_[i].block = block_sizes_.size() - 1;
    buffers_[i].offset = off;
    used = off + reqs[i].size;
    block_sizes_.back() = used;
  }
  // A block above the device's limit would fail (or be rejected by validation) in
  // vkAllocateMemory: say so with the numbers instead, before allocating anything.
  const VkDeviceSize max_block = largest_buffer(device_->physical());
  for (VkDeviceSize bytes : block_sizes_) {
    if (bytes > max_block) {
      throw Error(ErrorKind::OutOfMemory,
                  "vulkan: a buffer of " + std::to_string(bytes) + " bytes exceeds device " +
                      device_->physical().id + "'s largest allocation (maxMemoryAllocationSize / maxBufferSize " +
                      std::to_string(max_block) + " bytes)");
    }
  }
  for (VkDeviceSize bytes : block_sizes_) {
    auto ai = init<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO);
    ai.allocationSize = bytes;
    ai.memoryTypeIndex = type_;
    VkDeviceMemory m = VK_NULL_HANDLE;
    IM_VK_CHECK(vkAllocateMemory(dev, &ai, nullptr, &m));
    blocks_.push_back(m);
  }
  std::vector<std::byte*> mapped(blocks_.size(), nullptr);
  for (size_t k = 0; k < blocks_.size() && host_visible_; ++k) {
    void* p = nullptr;
    IM_VK_CHECK(vkMapMemory(dev, blocks_[k], 0, VK_WHOLE_SIZE, 0, &p));
    mapped[k] = static_cast<std::byte*>(p);
  }
  for (auto& b : buffers_) {
    IM_VK_CHECK(vkBindBufferMemory(dev, b.handle, blocks_[b.block], b.offset));
    if (host_visible_) b.host = mapped[b.block] + b.offset;
  }
}

void BufferPool::flush() const {
  if (!host_visible_ || coherent_) return;
  std::vector<VkMappedMemoryRange> ranges;
  for (auto m : blocks_) ranges.push_back({VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE, nullptr, m, 0, VK_WHOLE_SIZE});
  IM_VK_CHECK(vkFlushMappedMemoryRanges(device_->handle(), uint32_t(ranges.size()), ranges.data()));
}

void BufferPool::invalidate() const {
  if (!host_visible_ || coherent_) return;
  std::vector<VkMappedMemoryRange> ranges;
  for (auto m : blocks_) ranges.push_back({VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE, nullptr, m, 0, VK_WHOLE_SIZE});
  IM_VK_CHECK(vkInvalidateMappedMemoryRanges(device_->handle(), uint32_t(ranges.size()), ranges.data()));
}

VkDeviceSize BufferPool::total_bytes() const {
  VkDeviceSize t = 0;
  for (auto s : block_sizes_) t += s;
  return t;
}

}  // namespace infermark::vk
