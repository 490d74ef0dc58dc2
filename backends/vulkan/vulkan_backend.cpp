#include "backends/vulkan/vulkan_backend.hpp"

#include <algorithm>

#include "backends/vulkan/vk_context.hpp"
#include "backends/vulkan/vk_device.hpp"
#include "backends/vulkan/vk_executable.hpp"
#include "backends/vulkan/vk_memory.hpp"
#include "backends/vulkan/vk_plan.hpp"
#include "backends/vulkan/vk_quant_plan.hpp"
#include "backends/vulkan/vk_tuning.hpp"
#include "common/error.hpp"

namespace infermark {
namespace {

bool has_f16(const vk::PhysicalDevice& d) { return d.shader_float16 && d.storage_16bit; }

}  // namespace

VulkanBackend::VulkanBackend() : context_(vk::Context::create()) {}

std::vector<DeviceInfo> VulkanBackend::devices() const {
  std::vector<DeviceInfo> out;
  for (const auto& d : context_->devices()) out.push_back(d.info());
  return out;
}

std::string VulkanBackend::unavailable_reason() const { return context_->unavailable_reason(); }

Support VulkanBackend::supports(const Workload& w) const {
  const auto& devs = context_->devices();
  if (devs.empty()) return Support::no(context_->unavailable_reason());
  switch (w.precision) {
    case Precision::F32: break;
    case Precision::BF16:
      return Support::no("no bf16 in core Vulkan / VK_KHR_shader_bfloat16 absent");
    case Precision::F16:
      for (const auto& d : devs) {
        if (!has_f16(d)) {
          return Support::no("device " + d.id + " (" + d.props.deviceName + ") lacks " +
                             (d.shader_float16 ? "storageBuffer16BitAccess" : "shaderFloat16"));
        }
      }
      break;
    case Precision::Int8:
    case Precision::Int4W:
      // Quantized weights and activations travel as 32-bit words (no 8-bit storage needed) and
      // int8 falls back to plain int32 arithmetic without the dot product: only the compute
      // type can exclude a device (f16 without f16 support; bf16 runs as f32, see compute_choice).
      for (const auto& d : devs) {
        const vk::ComputeChoice c = vk::compute_choice(w, has_f16(d));
        if (!c.ok) {
          return Support::no(to_string(w.precision) + " with compute " + to_string(w.compute) +
                             ": device " + d.id + " (" + d.props.deviceName + ") lacks " +
                             (d.shader_float16 ? "storageBuffer16BitAccess" : "shaderFloat16"));
        }
      }
      if (w.precision == Precision::Int4W && w.group_size % 32 != 0) {
        return Support::no("int4w group size " + std::to_string(w.group_size) +
                           " is not a multiple of 32 (the packed layout's unit)");
      }
      break;
  }
  // The fused attention shader gives each head dimension an invocation of one workgroup.
  const uint32_t needed = vk::attention_workgroup(w.model.head_dim);
  for (const auto& d : devs) {
    const uint32_t limit = std::min(d.props.limits.maxComputeWorkGroupInvocations,
                                    d.props.limits.maxComputeWorkGroupSize[0]);
    if (needed > limit) {
      const int head_dim = w.model.head_dim;
      return Support::no("head_dim " + std::to_string(head_dim) + " needs " + std::to_string(needed) +
                         " invocations in one workgroup (attention), " + d.id + " allows " +
                         std::to_string(limit));
    }
  }
  return Support::yes();
}

std::unique_ptr<Executable> VulkanBackend::compile(const Graph& graph, const TensorSet& constants,
                                                   const DeviceInfo& device, const CompileOptions&) {
  const vk::PhysicalDevice& phys = context_->device(device.id);
  const Precision p = graph.workload.precision;
  const bool half = p == Precision::F16 || (is_quantized(p) && graph.workload.compute == Precision::F16);
  if (p == Precision::BF16 || (half && !has_f16(phys))) {
    throw Error(ErrorKind::Unavailable, "vulkan: device " + device.id + " cannot run " +
                                            to_string(graph.workload.precision) + " workloads");
  }
  vk::Plan plan = vk::make_plan(graph, constants, phys, vk::choose_tuning(phys), half);
  auto& dev = open_[phys.id];
  if (!dev) dev = vk::Device::open(context_, phys);
  return std::make_unique<vk::VulkanExecutable>(dev, std::move(plan));
}

DeviceLimits VulkanBackend::limits(const DeviceInfo& device) const {
  return vk::device_limits(context_->device(device.id));
}

std::unique_ptr<Backend> make_vulkan_backend() { return std::make_unique<VulkanBackend>(); }

}  // namespace infermark
