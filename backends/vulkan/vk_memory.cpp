#include "backends/vulkan/vk_memory.hpp"

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
