// IM_VK_CHECK: turns a failed Vulkan call into an infermark::Error (ErrorKind::Backend) naming the
// call, the VkResult (e.g. VK_ERROR_DEVICE_LOST) and the source line, so a benchmark fails with it.
#pragma once

#include <vulkan/vulkan.h>

#include <string>

namespace infermark::vk {

// "VK_ERROR_OUT_OF_DEVICE_MEMORY", …; "VkResult(<n>)" for a code this build does not know.
std::string result_name(VkResult r);

[[noreturn]] void throw_vk_error(const char* call, VkResult r, const char* file, int line);

}  // namespace infermark::vk

#define IM_VK_CHECK(call)                                                                  \
  do {                                                                                     \
    const VkResult im_vk_result_ = (call);                                                 \
    if (im_vk_result_ < 0) ::infermark::vk::throw_vk_error(#call, im_vk_result_, __FILE__, \
                                                           __LINE__);                      \
  } while (0)
