// The Vulkan compute backend (DESIGN.md §3): GLSL compute shaders compiled to SPIR-V at build
// time and embedded, run on every Vulkan device with a compute queue ("vk0", "vk1", …).
#pragma once

#include <map>
#include <memory>

#include "backends/backend.hpp"

namespace infermark {

namespace vk {
class Context;
class Device;
}

class VulkanBackend : public Backend {
 public:
  VulkanBackend();
  std::string_view name() const override { return "vulkan"; }
  std::vector<DeviceInfo> devices() const override;
  std::string unavailable_reason() const override;
  Support supports(const Workload& w) const override;
  std::unique_ptr<Executable> compile(const Graph& graph, const TensorSet& constants,
                                      const DeviceInfo& device, const CompileOptions& options) override;
  DeviceLimits limits(const DeviceInfo& device) const override;

  // The instance behind this backend (for tests: its validation messages).
  const std::shared_ptr<vk::Context>& context() const { return context_; }

 private:
  std::shared_ptr<vk::Context> context_;
  // Logical devices opened by compile(), kept for the backend's life so that pipelines built for
  // one executable serve the next.
  std::map<std::string, std::shared_ptr<vk::Device>> open_;
};

std::unique_ptr<Backend> make_vulkan_backend();

}  // namespace infermark
