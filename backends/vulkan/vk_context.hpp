// The Vulkan instance and what it can see: every compute-capable physical device with the
// properties infermark reports and tunes for, or the reason there is none (no ICD, no device).
#pragma once

#include <vulkan/vulkan.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backends/backend.hpp"

namespace infermark::vk {

// A physical device with a compute queue, as infermark sees it ("vk0", "vk1", … in order).
struct PhysicalDevice {
  VkPhysicalDevice handle = VK_NULL_HANDLE;
  std::string id;
  VkPhysicalDeviceProperties props{};
  VkPhysicalDeviceMemoryProperties memory{};
  std::string driver_name, driver_info;  // from VkPhysicalDeviceDriverProperties where present
  uint32_t subgroup_size = 1;
  bool subgroup_arithmetic = false;  // subgroupAdd/Max in compute shaders
  bool shader_float16 = false;       // shaderFloat16
  bool storage_16bit = false;        // storageBuffer16BitAccess
  bool float16_extension = false;    // f16 needs VK_KHR_shader_float16_int8 (device below 1.2)
  bool integer_dot = false;            // shaderIntegerDotProduct (packed 4×8-bit dot, int8 MatMul)
  bool integer_dot_extension = false;  // enable VK_KHR_shader_integer_dot_product (listed by the device)
  bool integer_dot_accelerated = false;  // integerDotProduct4x8BitPackedSignedAccelerated
  uint32_t queue_family = 0;         // a family with compute, preferring one with timestamps
  uint32_t timestamp_valid_bits = 0;
  float timestamp_period_ns = 0;  // ns per timestamp tick

  std::string type_name() const;  // "discrete", "integrated", "virtual", "cpu", "other"
  DeviceInfo info() const;        // for Backend::devices() and `infermark list`
};

// One VkInstance. With INFERMARK_VK_VALIDATION=1 in the environment it enables the Khronos
// validation layer (synchronization validation included) and records every message it sends;
// check_validation() turns recorded messages into an error, so tests fail on them.
class Context {
 public:
  // Never throws for a missing driver: available() is then false and unavailable_reason() says why.
  static std::shared_ptr<Context> create();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  bool available() const { return !devices_.empty(); }
  const std::string& unavailable_reason() const { return reason_; }
  VkInstance instance() const { return instance_; }
  const std::vector<PhysicalDevice>& devices() const { return devices_; }
  const PhysicalDevice& device(const std::string& id) const;  // throws Unavailable if unknown

  bool validation_enabled() const { return messenger_ != VK_NULL_HANDLE; }
  // Throws ErrorKind::Backend quoting the validation messages recorded since the last call.
  void check_validation(const std::string& where);
  // Every validation message recorded so far (warnings and errors), for tests.
  std::vector<std::string> validation_messages() const;

 private:
  Context() = default;
  void create_instance();
  void enumerate();
  static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                   VkDebugUtilsMessageTypeFlagsEXT types,
                                                   const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                   void* self);

  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  std::vector<PhysicalDevice> devices_;
  std::string reason_;
  mutable std::mutex log_mutex_;
  std::vector<std::string> messages_;
  size_t checked_ = 0;  // messages_ already reported by check_validation()
};

// Whether INFERMARK_VK_VALIDATION asks for the validation layer.
bool validation_requested();

}  // namespace infermark::vk
