#include "backends/vulkan/vk_check.hpp"

#include "common/error.hpp"

namespace infermark::vk {

std::string result_name(VkResult r) {
  switch (r) {
#define IM_VK_NAME(x) \
  case x: return #x;
    IM_VK_NAME(VK_SUCCESS)
    IM_VK_NAME(VK_NOT_READY)
    IM_VK_NAME(VK_TIMEOUT)
    IM_VK_NAME(VK_EVENT_SET)
    IM_VK_NAME(VK_EVENT_RESET)
    IM_VK_NAME(VK_INCOMPLETE)
    IM_VK_NAME(VK_ERROR_OUT_OF_HOST_MEMORY)
    IM_VK_NAME(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    IM_VK_NAME(VK_ERROR_INITIALIZATION_FAILED)
    IM_VK_NAME(VK_ERROR_DEVICE_LOST)
    IM_VK_NAME(VK_ERROR_MEMORY_MAP_FAILED)
    IM_VK_NAME(VK_ERROR_LAYER_NOT_PRESENT)
    IM_VK_NAME(VK_ERROR_EXTENSION_NOT_PRESENT)
    IM_VK_NAME(VK_ERROR_FEATURE_NOT_PRESENT)
    IM_VK_NAME(VK_ERROR_INCOMPATIBLE_DRIVER)
    IM_VK_NAME(VK_ERROR_TOO_MANY_OBJECTS)
    IM_VK_NAME(VK_ERROR_FORMAT_NOT_SUPPORTED)
    IM_VK_NAME(VK_ERROR_FRAGMENTED_POOL)
    IM_VK_NAME(VK_ERROR_UNKNOWN)
    IM_VK_NAME(VK_ERROR_OUT_OF_POOL_MEMORY)
    IM_VK_NAME(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    IM_VK_NAME(VK_ERROR_FRAGMENTATION)
    IM_VK_NAME(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
    IM_VK_NAME(VK_PIPELINE_COMPILE_REQUIRED)
    IM_VK_NAME(VK_ERROR_VALIDATION_FAILED_EXT)
#undef IM_VK_NAME
    default: return "VkResult(" + std::to_string(int(r)) + ")";
  }
}

void throw_vk_error(const char* call, VkResult r, const char* file, int line) {
  // Out of memory means the workload does not fit this device, not that the backend is broken.
  if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
    throw Error(ErrorKind::OutOfMemory, std::string(call) + " failed: " + result_name(r) + " (" +
                                            file + ":" + std::to_string(line) + ")");
  throw_backend_error(call, result_name(r), file, line);
}

}  // namespace infermark::vk
