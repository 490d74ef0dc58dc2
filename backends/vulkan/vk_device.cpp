#include "backends/vulkan/vk_device.hpp"

#include <map>
#include <vector>

#include "backends/vulkan/vk_check.hpp"
#include "backends/vulkan/vk_init.hpp"
#include "backends/vulkan/vk_pipelines.hpp"

namespace infermark::vk {

std::shared_ptr<Device> Device::open(const std::shared_ptr<Context>& context,
                                     const PhysicalDevice& phys) {
  // One logical device per physical device and context, alive while any executable uses it.
  static std::map<std::pair<const Context*, std::string>, std::weak_ptr<Device>> open_devices;
  auto& slot = open_devices[{context.get(), phys.id}];
  if (auto d = slot.lock()) return d;
  std::shared_ptr<Device> d(new Device(context, phys));
  slot = d;
  return d;
}

Device::Device(std::shared_ptr<Context> context, const PhysicalDevice& phys)
    : context_(std::move(context)), phys_(phys) {
  const float priority = 1.0f;
  auto queue = init<VkDeviceQueueCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO);
  queue.queueFamilyIndex = phys_.queue_family;
  queue.queueCount = 1;
  queue.pQueuePriorities = &priority;

  // f16 storage and arithmetic are enabled whenever the device has both: the f16 shader variants
  // need them, and enabling costs nothing when only f32 runs.
  f16_ = phys_.shader_float16 && phys_.storage_16bit;
  auto storage16 = init<VkPhysicalDevice16BitStorageFeatures>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES);
  auto f16 = init<VkPhysicalDeviceShaderFloat16Int8Features>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES);
  std::vector<const char*> extensions;
  auto ci = init<VkDeviceCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO);
  if (f16_) {
    storage16.storageBuffer16BitAccess = VK_TRUE;
    f16.shaderFloat16 = VK_TRUE;
    storage16.pNext = &f16;
    ci.pNext = &storage16;
    if (phys_.float16_extension) extensions.push_back(VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
  }
  // The packed int8 dot product, for the int8 MatMul's fast path (matmul_int8_dot).
  auto dot = init<VkPhysicalDeviceShaderIntegerDotProductFeatures>(
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES);
  if (phys_.integer_dot) {
    dot.shaderIntegerDotProduct = VK_TRUE;
    dot.pNext = const_cast<void*>(ci.pNext);
    ci.pNext = &dot;
    if (phys_.integer_dot_extension) extensions.push_back(VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);
  }
  ci.queueCreateInfoCount = 1;
  ci.pQueueCreateInfos = &queue;
  ci.enabledExtensionCount = uint32_t(extensions.size());
  ci.ppEnabledExtensionNames = extensions.data();
  IM_VK_CHECK(vkCreateDevice(phys_.handle, &ci, nullptr, &device_));
  vkGetDeviceQueue(device_, phys_.queue_family, 0, &queue_);

  // From here on the device exists: release it if anything else fails.
  try {
    auto pool = init<VkCommandPoolCreateInfo>(VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO);
    pool.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pool.queueFamilyIndex = phys_.queue_family;
    IM_VK_CHECK(vkCreateCommandPool(device_, &pool, nullptr, &pool_));
    pipelines_ = std::make_unique<Pipelines>(device_);
  } catch (...) {
    if (pool_) vkDestroyCommandPool(device_, pool_, nullptr);
    vkDestroyDevice(device_, nullptr);
    throw;
  }
}

Device::~Device() {
  if (device_ == VK_NULL_HANDLE) return;
  vkDeviceWaitIdle(device_);
  pipelines_.reset();
  vkDestroyCommandPool(device_, pool_, nullptr);
  vkDestroyDevice(device_, nullptr);
}

void Device::wait(VkFence fence) const {
  for (;;) {
    const VkResult r = vkWaitForFences(device_, 1, &fence, VK_TRUE, 1'000'000'000ull);
    if (r == VK_SUCCESS) return;
    if (r != VK_TIMEOUT) throw_vk_error("vkWaitForFences", r, __FILE__, __LINE__);
  }
}

VkCommandBuffer Device::begin_once() {
  auto ai = init<VkCommandBufferAllocateInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO);
  ai.commandPool = pool_;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VkCommandBuffer cb = VK_NULL_HANDLE;
  IM_VK_CHECK(vkAllocateCommandBuffers(device_, &ai, &cb));
  auto bi = init<VkCommandBufferBeginInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO);
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  IM_VK_CHECK(vkBeginCommandBuffer(cb, &bi));
  return cb;
}

void Device::end_once(VkCommandBuffer cb) {
  VkFence fence = VK_NULL_HANDLE;
  try {
    IM_VK_CHECK(vkEndCommandBuffer(cb));
    auto fi = init<VkFenceCreateInfo>(VK_STRUCTURE_TYPE_FENCE_CREATE_INFO);
    IM_VK_CHECK(vkCreateFence(device_, &fi, nullptr, &fence));
    auto si = init<VkSubmitInfo>(VK_STRUCTURE_TYPE_SUBMIT_INFO);
    si.commandBufferCount = 1;
    si.pCommandBuffers = &cb;
    IM_VK_CHECK(vkQueueSubmit(queue_, 1, &si, fence));
    wait(fence);
  } catch (...) {
    vkQueueWaitIdle(queue_);
    if (fence != VK_NULL_HANDLE) vkDestroyFence(device_, fence, nullptr);
    vkFreeCommandBuffers(device_, pool_, 1, &cb);
    throw;
  }
  vkDestroyFence(device_, fence, nullptr);
  vkFreeCommandBuffers(device_, pool_, 1, &cb);
}

}  // namespace infermark::vk
