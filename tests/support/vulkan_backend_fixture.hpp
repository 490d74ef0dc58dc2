// The Vulkan backend as the Vulkan tests use it: on a device or skipped with the backend's
// reason, and checked afterwards for validation-layer messages (none allowed).
#pragma once

#include <catch2/catch.hpp>

#include <memory>

#include "backends/vulkan/vulkan_backend.hpp"
#include "support/skip.hpp"

namespace infermark::test {

// The backend with at least one device, or the test is skipped with the backend's reason.
inline std::unique_ptr<VulkanBackend> vulkan_backend_or_skip() {
  auto b = std::make_unique<VulkanBackend>();
  if (b->devices().empty()) skip("no Vulkan device: " + b->unavailable_reason());
  return b;
}

// No validation message was recorded: the tests fail on warnings as well as errors.
inline void require_no_validation_messages(const VulkanBackend& b) {
  const auto messages = b.context()->validation_messages();
  for (const auto& m : messages) UNSCOPED_INFO(m);
  CHECK(messages.empty());
}

}  // namespace infermark::test
