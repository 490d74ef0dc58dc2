#include "backends/vulkan/vk_executable.hpp"

#include <cstring>
#include <map>
#include <set>

#include "backends/vulkan/vk_check.hpp"
#include "backends/vulkan/vk_init.hpp"
#include "backends/vulkan/vk_half.hpp"
#include "backends/vulkan/vk_pipelines.hpp"
#include "common/error.hpp"

namespace infermark::vk {
namespace {

constexpr VkPipelineStageFlags kWorkStages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
constexpr VkAccessFlags kWrites = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
constexpr VkAccessFlags kAccesses = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                                    VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;

void memory_barrier(VkCommandBuffer cb, VkPipelineStageFlags src_stages, VkAccessFlags src,
                    VkPipelineStageFlags dst_stages, VkAccessFlags dst) {
  auto b = init<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
  b.srcAccessMask = src;
  b.dstAccessMask = dst;
  vkCmdPipelineBarrier(cb, src_stages, dst_stages, 0, 1, &b, 0, nullptr, 0, nullptr);
}

// Writes a tensor's initial contents in its storage format at `dst`.
void store(const PlanTensor& t, std::byte* dst) {
  if (!t.derived.empty()) {
    std::memcpy(dst, t.derived.data(), t.derived.size() * sizeof(float));
  } else if (!t.words.empty()) {
    std::memcpy(dst, t.words.data(), t.words.size() * sizeof(uint32_t));
  } else if (!t.is_float) {
    std::memcpy(dst, t.initial->i32.data(), t.initial->i32.size() * sizeof(int32_t));
  } else if (t.half) {
    auto* h = reinterpret_cast<uint16_t*>(dst);
    for (size_t i = 0; i < t.initial->f32.size(); ++i) h[i] = float_to_half(t.initial->f32[i]);
  } else {
    std::memcpy(dst, t.initial->f32.data(), t.initial->f32.size() * sizeof(float));
  }
}

bool has_contents(const PlanTensor& t) { return t.initial || !t.derived.empty() || !t.words.empty(); }

}  // namespace

VulkanExecutable::VulkanExecutable(std::shared_ptr<Device> device, Plan plan)
    : device_(std::move(device)), plan_(std::move(plan)) {
  try {
    tensors_ = std::make_unique<BufferPool>(device_, MemoryUse::Tensors);
    for (const auto& t : plan_.tensors) buffer_.push_back(tensors_->add(t.bytes));
    dummy_ = tensors_->add(16);
    tensors_->allocate();
    if (!tensors_->host_visible()) {
      readback_ = std::make_unique<BufferPool>(device_, MemoryUse::Readback);
      readback_->add(plan_.tensors[plan_.output].bytes);
      readback_->allocate();
    }
    upload();
    write_descriptors();
    record();
    device_->context().check_validation("compile");
  } catch (...) {
    destroy();
    throw;
  }
}

VulkanExecutable::~VulkanExecutable() { destroy(); }

void VulkanExecutable::destroy() {
  if (!device_) return;
  VkDevice dev = device_->handle();
  if (pending_) vkWaitForFences(dev, 1, &fence_, VK_TRUE, UINT64_MAX);  // errors: nothing to do
  pending_ = false;
  if (cb_) vkFreeCommandBuffers(dev, device_->command_pool(), 1, &cb_);
  if (fence_) vkDestroyFence(dev, fence_, nullptr);
  if (queries_) vkDestroyQueryPool(dev, queries_, nullptr);
  if (descriptor_pool_) vkDestroyDescriptorPool(dev, descriptor_pool_, nullptr);
  cb_ = VK_NULL_HANDLE;
  fence_ = VK_NULL_HANDLE;
  queries_ = VK_NULL_HANDLE;
  descriptor_pool_ = VK_NULL_HANDLE;
  readback_.reset();
  tensors_.reset();
}

// Constants are written once: straight into host-visible device memory, or through a staging
// buffer and one copy submission. Every other tensor starts as zeros (never read before written,
// but then no run can depend on what the allocator left there).
void VulkanExecutable::upload() {
  if (tensors_->host_visible()) {
    for (size_t i = 0; i < plan_.tensors.size(); ++i) {
      std::byte* dst = tensors_->host(buffer_[i]);
      if (has_contents(plan_.tensors[i])) {
        store(plan_.tensors[i], dst);
      } else {
        std::memset(dst, 0, tensors_->size(buffer_[i]));
      }
    }
    tensors_->flush();
    return;
  }
  BufferPool staging(device_, MemoryUse::Staging);
  std::map<size_t, size_t> staged;  // plan tensor → staging buffer
  for (size_t i = 0; i < plan_.tensors.size(); ++i)
    if (has_contents(plan_.tensors[i])) staged[i] = staging.add(plan_.tensors[i].bytes);
  staging.allocate();
  for (auto [i, s] : staged) store(plan_.tensors[i], staging.host(s));
  staging.flush();
  device_->run_once([&](VkCommandBuffer cb) {
    for (size_t i = 0; i < plan_.tensors.size(); ++i) {
      if (auto it = staged.find(i); it != staged.end()) {
        const VkBufferCopy region{0, 0, plan_.tensors[i].bytes};
        vkCmdCopyBuffer(cb, staging.buffer(it->second), tensors_->buffer(buffer_[i]), 1, &region);
      } else {
        vkCmdFillBuffer(cb, tensors_->buffer(buffer_[i]), 0, VK_WHOLE_SIZE, 0);
      }
    }
  });
}

void VulkanExecutable::write_descriptors() {
  uint32_t dispatches = 0;
  for (const auto& s : plan_.steps) dispatches += std::holds_alternative<Dispatch>(s.work);
  sets_.assign(plan_.steps.size(), VK_NULL_HANDLE);
  if (dispatches == 0) return;
  VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, dispatches * kMaxBindings};
  auto pi = init<VkDescriptorPoolCreateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO);
  pi.maxSets = dispatches;
  pi.poolSizeCount = 1;
  pi.pPoolSizes = &size;
  VkDevice dev = device_->handle();
  IM_VK_CHECK(vkCreateDescriptorPool(dev, &pi, nullptr, &descriptor_pool_));
  const VkDescriptorSetLayout layout = device_->pipelines().set_layout();
  for (size_t i = 0; i < plan_.steps.size(); ++i) {
    const auto* d = std::get_if<Dispatch>(&plan_.steps[i].work);
    if (!d) continue;
    auto ai = init<VkDescriptorSetAllocateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO);
    ai.descriptorPool = descriptor_pool_;
    ai.descriptorSetCount = 1;
    ai.pSetLayouts = &layout;
    IM_VK_CHECK(vkAllocateDescriptorSets(dev, &ai, &sets_[i]));
    VkDescriptorBufferInfo infos[kMaxBindings];
    VkWriteDescriptorSet writes[kMaxBindings];
    for (uint32_t b = 0; b < kMaxBindings; ++b) {
      const Binding& bind = d->bindings[b];
      infos[b] = bind.tensor < 0
                     ? VkDescriptorBufferInfo{tensors_->buffer(dummy_), 0, VK_WHOLE_SIZE}
                     : VkDescriptorBufferInfo{tensors_->buffer(buffer_[bind.tensor]), bind.offset, bind.range};
      writes[b] = init<VkWriteDescriptorSet>(VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET);
      writes[b].dstSet = sets_[i];
      writes[b].dstBinding = b;
      writes[b].descriptorCount = 1;
      writes[b].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      writes[b].pBufferInfo = &infos[b];
    }
    vkUpdateDescriptorSets(dev, kMaxBindings, writes, 0, nullptr);
  }
}

void VulkanExecutable::record() {
  VkDevice dev = device_->handle();
  auto fi = init<VkFenceCreateInfo>(VK_STRUCTURE_TYPE_FENCE_CREATE_INFO);
  IM_VK_CHECK(vkCreateFence(dev, &fi, nullptr, &fence_));
  if (device_->physical().timestamp_valid_bits > 0) {
    query_count_ = uint32_t(plan_.steps.size()) + 1;
    auto qi = init<VkQueryPoolCreateInfo>(VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO);
    qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qi.queryCount = query_count_;
    IM_VK_CHECK(vkCreateQueryPool(dev, &qi, nullptr, &queries_));
  }
  auto ai = init<VkCommandBufferAllocateInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO);
  ai.commandPool = device_->command_pool();
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  IM_VK_CHECK(vkAllocateCommandBuffers(dev, &ai, &cb_));
  auto bi = init<VkCommandBufferBeginInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO);
  IM_VK_CHECK(vkBeginCommandBuffer(cb_, &bi));

  if (queries_) vkCmdResetQueryPool(cb_, queries_, 0, query_count_);
  // Orders this run after everything the previous submission (or the upload) did.
  memory_barrier(cb_, kWorkStages, kWrites, kWorkStages, kAccesses);
  if (queries_) vkCmdWriteTimestamp(cb_, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queries_, 0);

  // A barrier goes in only where a step reads or writes what an earlier step since the last
  // barrier wrote, or writes what one read: independent steps (Q, K, V projections) may overlap.
  std::set<int> written, read;
  VkPipeline bound = VK_NULL_HANDLE;
  const VkPipelineLayout layout = device_->pipelines().layout();
  for (size_t i = 0; i < plan_.steps.size(); ++i) {
    const Step& s = plan_.steps[i];
    bool hazard = false;
    for (int t : s.reads) hazard |= written.count(t) > 0;
    for (int t : s.writes) hazard |= written.count(t) > 0 || read.count(t) > 0;
    if (hazard) {
      memory_barrier(cb_, kWorkStages, kWrites, kWorkStages, kAccesses);
      ++barriers_;
      written.clear();
      read.clear();
    }
    read.insert(s.reads.begin(), s.reads.end());
    written.insert(s.writes.begin(), s.writes.end());
    if (const auto* d = std::get_if<Dispatch>(&s.work)) {
      const VkPipeline p = device_->pipelines().get(d->pipeline);
      if (p != bound) vkCmdBindPipeline(cb_, VK_PIPELINE_BIND_POINT_COMPUTE, p);
      bound = p;
      vkCmdBindDescriptorSets(cb_, VK_PIPELINE_BIND_POINT_COMPUTE, layout, 0, 1, &sets_[i], 0, nullptr);
      if (!d->push.empty()) {
        vkCmdPushConstants(cb_, layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
                           uint32_t(d->push.size() * sizeof(uint32_t)), d->push.data());
      }
      vkCmdDispatch(cb_, d->groups[0], d->groups[1], d->groups[2]);
    } else {
      const auto& c = std::get<Copy>(s.work);
      vkCmdCopyBuffer(cb_, tensors_->buffer(buffer_[c.src]), tensors_->buffer(buffer_[c.dst]),
                      uint32_t(c.regions.size()), c.regions.data());
    }
    if (queries_) vkCmdWriteTimestamp(cb_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_, uint32_t(i + 1));
  }

  if (readback_) {
    memory_barrier(cb_, kWorkStages, kWrites, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
    const VkBufferCopy region{0, 0, plan_.tensors[plan_.output].bytes};
    vkCmdCopyBuffer(cb_, tensors_->buffer(buffer_[plan_.output]), readback_->buffer(0), 1, &region);
  }
  // Results become visible to the host once the fence signals.
  memory_barrier(cb_, kWorkStages, kWrites, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
  IM_VK_CHECK(vkEndCommandBuffer(cb_));
}

void VulkanExecutable::run() {
  if (pending_) sync();  // a command buffer may not be resubmitted while it is pending
  IM_VK_CHECK(vkResetFences(device_->handle(), 1, &fence_));
  auto si = init<VkSubmitInfo>(VK_STRUCTURE_TYPE_SUBMIT_INFO);
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cb_;
  IM_VK_CHECK(vkQueueSubmit(device_->queue(), 1, &si, fence_));
  pending_ = true;
}

void VulkanExecutable::sync() {
  if (!pending_) return;
  pending_ = false;
  device_->wait(fence_);
  if (queries_) {
    ticks_.assign(query_count_, 0);
    IM_VK_CHECK(vkGetQueryPoolResults(device_->handle(), queries_, 0, query_count_,
                                      ticks_.size() * sizeof(uint64_t), ticks_.data(), sizeof(uint64_t),
                                      VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT));
    const uint32_t bits = device_->physical().timestamp_valid_bits;
    const uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;
    const uint64_t ticks = (ticks_.back() - ticks_.front()) & mask;  // wraps modulo 2^bits
    device_seconds_ = double(ticks) * double(device_->physical().timestamp_period_ns) * 1e-9;
  }
  device_->context().check_validation("run");
}

std::vector<std::pair<std::string, double>> VulkanExecutable::step_seconds_last() const {
  std::vector<std::pair<std::string, double>> out;
  if (ticks_.size() != plan_.steps.size() + 1) return out;
  const uint32_t bits = device_->physical().timestamp_valid_bits;
  const uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;
  const double ns = device_->physical().timestamp_period_ns;
  for (size_t i = 0; i < plan_.steps.size(); ++i)
    out.push_back({plan_.steps[i].op, double((ticks_[i + 1] - ticks_[i]) & mask) * ns * 1e-9});
  return out;
}

std::vector<std::pair<std::string, double>> VulkanExecutable::op_seconds_last() const {
  std::vector<std::pair<std::string, double>> out;
  for (auto& [op, s] : step_seconds_last()) {
    if (!out.empty() && out.back().first == op) {
      out.back().second += s;
    } else {
      out.push_back({op, s});
    }
  }
  return out;
}

HostTensor VulkanExecutable::output() {
  sync();
  const PlanTensor& t = plan_.tensors[plan_.output];
  const BufferPool& pool = readback_ ? *readback_ : *tensors_;
  const size_t index = readback_ ? 0 : buffer_[plan_.output];
  pool.invalidate();
  const std::byte* src = pool.host(index);
  HostTensor h;
  const size_t n = t.bytes / (t.half ? 2 : 4);
  h.dtype = DType::F32;
  h.f32.resize(n);
  if (t.half) {
    const auto* p = reinterpret_cast<const uint16_t*>(src);
    for (size_t i = 0; i < n; ++i) h.f32[i] = half_to_float(p[i]);
  } else {
    std::memcpy(h.f32.data(), src, n * sizeof(float));
  }
  h.shape = plan_.output_shape;
  return h;
}

MemoryUsage VulkanExecutable::memory_usage() const {
  MemoryUsage u;
  u.measured = true;
  u.source = "vkAllocateMemory sizes of the device-local blocks, split by the buffers bound in them";
  int64_t placed = 0;
  for (size_t i = 0; i < plan_.tensors.size(); ++i) {
    const PlanTensor& t = plan_.tensors[i];
    const int64_t bytes = int64_t(tensors_->size(buffer_[i]));
    placed += bytes;
    if (!t.derived.empty()) u.workspace += bytes;
    else if (t.role == TensorRole::Weight) u.weights += bytes;
    else if (t.role == TensorRole::State) u.kv_cache += bytes;
    else u.activations += bytes;
  }
  u.workspace += int64_t(tensors_->total_bytes()) - placed;  // the dummy binding and padding
  return u;
}

nlohmann::ordered_json VulkanExecutable::implementation() const {
  const PhysicalDevice& pd = device_->physical();
  nlohmann::ordered_json j;
  j["device"] = pd.props.deviceName;
  j["driver"] = pd.driver_name + (pd.driver_info.empty() ? "" : " (" + pd.driver_info + ")");
  j["storage"] = plan_.half ? "f16 (f32 arithmetic)" : "f32";
  j["memory"] = readback_ ? "device-local; constants uploaded once through staging, output read back by a copy"
                          : "device-local and host-visible: constants written once, output read in place";
  j["memory_bytes"] = tensors_->total_bytes();
  j["command_buffer"] = "one per inference, recorded at compile time, resubmitted by run()";
  uint32_t dispatches = 0;
  std::map<PipelineKey, std::vector<std::string>> uses;
  for (const auto& s : plan_.steps) {
    if (const auto* d = std::get_if<Dispatch>(&s.work)) {
      ++dispatches;
      uses[d->pipeline].push_back(s.op);
    }
  }
  j["dispatches"] = dispatches;
  j["copies"] = plan_.steps.size() - dispatches;
  j["barriers"] = barriers_;
  j["timestamps"] = queries_ ? "start, end and after every step" : "none: the queue has no timestamps";
  j["tuning"] = plan_.tuning.basis;
  j["subgroup_reductions"] = plan_.tuning.subgroup;
  j["subgroup_size"] = pd.subgroup_size;
  if (!plan_.quant.precision.empty()) {
    const QuantRecord& q = plan_.quant;
    auto& qj = j["quantization"];
    qj["precision"] = q.precision;
    qj["compute_requested"] = q.compute_requested;
    qj["compute_used"] = q.compute_used;
    if (!q.compute_reason.empty()) qj["compute_reason"] = q.compute_reason;
    qj["matmul_path"] = q.matmul_path;
    qj["quantized_matmuls"] = q.quantized_matmuls;
    qj["weights"] = "quantized on the host at compile time (suites/quantize.hpp), packed in 32-bit words";
  }
  auto& pipes = j["pipelines"] = nlohmann::ordered_json::array();
  for (const auto& [key, ops] : uses) {
    nlohmann::ordered_json p;
    p["shader"] = key.shader;
    const auto names = spec_names(key.shader);
    for (size_t i = 0; i < key.spec.size() && i < names.size(); ++i)
      p["specialization"][names[i]] = key.spec[i];
    p["dispatches"] = ops.size();
    pipes.push_back(std::move(p));
  }
  return j;
}

}  // namespace infermark::vk
