#include "backends/onednn/tensors.hpp"

#include "suites/constant_data.hpp"
#include <algorithm>
#include <cstdlib>
#include <cstring>


namespace infermark::onednn {

AlignedBuffer::AlignedBuffer(size_t bytes) : bytes_(bytes) {
  constexpr size_t kAlign = 64;
  const size_t rounded = (std::max<size_t>(bytes, 1) + kAlign - 1) / kAlign * kAlign;
  void* p = std::aligned_alloc(kAlign, rounded);
  if (!p) {
    throw Error(ErrorKind::Backend,
                "onednn backend: out of memory allocating " + std::to_string(bytes) + " bytes");
  }
  std::memset(p, 0, rounded);
  ptr_.reset(p);
}

void AlignedBuffer::Free::operator()(void* p) const { std::free(p); }

void convert_from_f32(const float* src, dt dst_type, void* dst, size_t n) {
  if (dst_type == dt::f32) {
    std::memcpy(dst, src, n * sizeof(float));
    return;
  }
  if (dst_type != dt::bf16) throw Error(ErrorKind::Internal, "onednn backend: bad conversion");
  auto* out = static_cast<bf16_t*>(dst);
  for (size_t i = 0; i < n; ++i) out[i] = to_bf16(src[i]);
}

void convert_to_f32(const void* src, dt src_type, float* dst, size_t n) {
  if (src_type == dt::f32) {
    std::memcpy(dst, src, n * sizeof(float));
    return;
  }
  if (src_type != dt::bf16) throw Error(ErrorKind::Internal, "onednn backend: bad conversion");
  const auto* in = static_cast<const bf16_t*>(src);
  for (size_t i = 0; i < n; ++i) dst[i] = to_f32(in[i]);
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (auto d : desc.shape) n *= d;
  return n;
}

TensorTable::TensorTable(const Graph& graph, const TensorSet& constants, dt act)
    : constants_(&constants), act_(act) {
  for (const auto& d : graph.tensors) {
    if (!descs_.emplace(d.name, d).second) {
      throw Error(ErrorKind::Internal,
                  "onednn backend: tensor '" + d.name + "' is declared twice in the graph");
    }
  }
}

const TensorDesc& TensorTable::desc(const std::string& name) const {
  auto it = descs_.find(name);
  if (it == descs_.end()) {
    throw Error(ErrorKind::Internal,
                "onednn backend: tensor '" + name + "' is not declared in the graph");
  }
  return it->second;
}

bool TensorTable::is_constant(const std::string& name) const {
  const TensorRole r = desc(name).role;
  return r == TensorRole::Input || r == TensorRole::Weight || r == TensorRole::State;
}

const HostTensor& TensorTable::host(const std::string& name) const {
  const TensorDesc& d = desc(name);
  if (!is_constant(name)) {
    throw Error(ErrorKind::Internal, "onednn backend: tensor '" + name + "' is not a constant");
  }
  if (!constants_) {
    throw Error(ErrorKind::Internal,
                "onednn backend: constant '" + name + "' read after compilation");
  }
  return constant_data(*constants_, d, "onednn");
}

MemoryUsage TensorTable::memory_usage() const {
  MemoryUsage u = owned_;
  u.measured = true;
  for (const auto& [name, t] : tensors_) {
    const int64_t bytes = int64_t(t->buffer.bytes());
    switch (t->desc.role) {
      case TensorRole::Weight: u.weights += bytes; break;
      case TensorRole::State: u.kv_cache += bytes; break;
      default: u.activations += bytes; break;
    }
  }
  return u;
}

Tensor& TensorTable::get(const std::string& name) {
  if (auto it = tensors_.find(name); it != tensors_.end()) return *it->second;
  auto t = std::make_unique<Tensor>();
  t->desc = desc(name);
  t->type = t->desc.dtype == DType::I32 ? dt::s32 : act_;
  t->buffer = AlignedBuffer(size_t(t->numel()) * dt_size(t->type));
  if (is_constant(name)) {
    const HostTensor& h = host(name);
    if (h.dtype == DType::I32) {
      std::memcpy(t->data(), h.i32.data(), h.i32.size() * sizeof(int32_t));
    } else {
      convert_from_f32(h.f32.data(), t->type, t->data(), h.f32.size());
    }
  }
  return *tensors_.emplace(name, std::move(t)).first->second;
}

}  // namespace infermark::onednn
