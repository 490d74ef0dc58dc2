// Storage of the graph's tensors inside a oneDNN executable: aligned buffers in the activation
// type (f32 or bf16), ids in i32, and conversions between f32 and bf16.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "backends/onednn/dnnl_util.hpp"
#include "suites/graph.hpp"
#include "suites/tensor.hpp"

namespace infermark::onednn {

// bf16 storage: the upper half of an f32. Conversion rounds to nearest even.
struct bf16_t {
  uint16_t bits;
};

// Branch-free, so loops over it vectorise; a NaN stays a (quiet) NaN instead of rounding to inf.
inline bf16_t to_bf16(float f) {
  const uint32_t u = std::bit_cast<uint32_t>(f);
  const uint32_t rounded = u + 0x7fffu + ((u >> 16) & 1u);
  const uint32_t r = (u & 0x7fffffffu) > 0x7f800000u ? (u | 0x400000u) : rounded;
  return {uint16_t(r >> 16)};
}
inline float to_f32(bf16_t h) { return std::bit_cast<float>(uint32_t(h.bits) << 16); }
inline float to_f32(float f) { return f; }

// Loads and stores in f32 whatever the storage type, so one loop template serves both.
template <class T>
inline float load(const T* p, int64_t i) {
  return to_f32(p[i]);
}
inline void store(float* p, int64_t i, float v) { p[i] = v; }
inline void store(bf16_t* p, int64_t i, float v) { p[i] = to_bf16(v); }

// Zero-initialised, 64-byte aligned bytes.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t bytes);
  void* data() { return ptr_.get(); }
  const void* data() const { return ptr_.get(); }
  size_t bytes() const { return bytes_; }

 private:
  struct Free {
    void operator()(void* p) const;
  };
  std::unique_ptr<void, Free> ptr_;
  size_t bytes_ = 0;
};

// f32 → storage type (f32 or bf16); and back.
void convert_from_f32(const float* src, dt dst_type, void* dst, size_t n);
void convert_to_f32(const void* src, dt src_type, float* dst, size_t n);

// One tensor as the executable holds it.
struct Tensor {
  TensorDesc desc;
  dt type = dt::f32;
  AlignedBuffer buffer;

  int64_t numel() const;
  int64_t rows() const { return desc.shape.empty() ? 1 : desc.shape[0]; }
  int64_t cols() const { return desc.shape.size() < 2 ? 1 : desc.shape[1]; }
  void* data() { return buffer.data(); }
  template <class T>
  T* as() {
    return static_cast<T*>(buffer.data());
  }
};

// The graph's tensors, allocated on first use so that intermediates fused away by the plan never
// get a buffer. Activations and states take the activation type; constants are converted to it
// when an op reads them as data (weights that primitives reorder are read from host() instead).
class TensorTable {
 public:
  TensorTable(const Graph& graph, const TensorSet& constants, dt act);

  const TensorDesc& desc(const std::string& name) const;  // Internal Error when undeclared
  bool is_constant(const std::string& name) const;
  // A constant as the harness gave it (f32 or i32), valid while compiling.
  const HostTensor& host(const std::string& name) const;
  // The tensor's storage: act type for float tensors, i32 for ids.
  Tensor& get(const std::string& name);
  dt act() const { return act_; }
  // Compiling is over: the harness's constants may go away, so host() and converting a constant
  // no longer work (they throw an Internal Error instead of reading freed memory).
  void forget_constants() { constants_ = nullptr; }

  // Buffers that steps allocate and own (reordered weights, attention tiles), noted when they
  // allocate them so memory_usage() counts every byte the executable holds.
  void note_weights(size_t bytes) { owned_.weights += int64_t(bytes); }
  void note_workspace(size_t bytes) { owned_.workspace += int64_t(bytes); }
  // The table's buffers by their tensor's role, plus the noted ones (the scratchpad is not here).
  MemoryUsage memory_usage() const;

 private:
  MemoryUsage owned_;
  std::map<std::string, TensorDesc> descs_;
  std::map<std::string, std::unique_ptr<Tensor>> tensors_;
  const TensorSet* constants_;
  dt act_;
};

}  // namespace infermark::onednn
