#include "backends/onednn/dnnl_util.hpp"

#include <algorithm>

namespace infermark::onednn {

std::string status_string(dnnl_status_t status) {
  switch (status) {
    case dnnl_success: return "success";
    case dnnl_out_of_memory: return "out_of_memory";
    case dnnl_invalid_arguments: return "invalid_arguments";
    case dnnl_unimplemented: return "unimplemented";
    case dnnl_iterator_ends: return "iterator_ends";
    case dnnl_runtime_error: return "runtime_error";
    case dnnl_not_required: return "not_required";
  }
  return "status " + std::to_string(int(status));
}

size_t dt_size(dt type) {
  switch (type) {
    case dt::f32:
    case dt::s32: return 4;
    case dt::bf16:
    case dt::f16: return 2;
    case dt::s8:
    case dt::u8: return 1;
    default: break;
  }
  throw Error(ErrorKind::Internal, "onednn backend: unexpected data type");
}

const char* dt_name(dt type) {
  switch (type) {
    case dt::f32: return "f32";
    case dt::bf16: return "bf16";
    case dt::f16: return "f16";
    case dt::s32: return "s32";
    default: return "other";
  }
}

dnnl::memory::desc strided(const dims& shape, dt type, const dims& strides) {
  return dnnl::memory::desc(shape, type, strides);
}

dnnl::memory::desc dense(const dims& shape, dt type) {
  dims strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return dnnl::memory::desc(shape, type, strides);
}

void PrimitiveCall::arg(int id, const dnnl::memory& m) {
  mems_.push_back(m);
  args_.push_back({id, m.get()});
}

void Scratchpad::attach(PrimitiveCall& call, const dnnl::primitive_desc& pd) {
  const dnnl::memory::desc md = pd.scratchpad_desc();
  if (md.get_size() == 0) return;
  dnnl::memory m(md, eng_, DNNL_MEMORY_NONE);
  call.arg(DNNL_ARG_SCRATCHPAD, m);
  mems_.push_back(m);
  max_bytes_ = std::max(max_bytes_, md.get_size());
}

void Scratchpad::finalize() {
  constexpr size_t kAlign = 64;
  storage_.assign(max_bytes_ + kAlign, std::byte{0});
  auto addr = reinterpret_cast<uintptr_t>(storage_.data());
  void* aligned = storage_.data() + ((kAlign - addr % kAlign) % kAlign);
  for (auto& m : mems_) m.set_data_handle(aligned);
}

dnnl::primitive_attr default_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

}  // namespace infermark::onednn
