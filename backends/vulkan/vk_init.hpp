// vk::init<T>(sType): a zero-initialised Vulkan create-info struct with its sType set, the one
// way this backend fills them (brace-initialising only sType trips -Wmissing-field-initializers).
#pragma once

#include <vulkan/vulkan.h>

namespace infermark::vk {

template <class T>
T init(VkStructureType type) {
  T t{};
  t.sType = type;
  return t;
}

}  // namespace infermark::vk
