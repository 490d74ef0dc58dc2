// Small helpers over oneDNN for the onednn backend: error translation, element types, and a
// primitive call whose arguments are bound once at compile time, so run() only executes it.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace infermark::onednn {

using dt = dnnl::memory::data_type;
using dims = dnnl::memory::dims;

// A C API status as text ("out_of_memory", "unimplemented", …).
std::string status_string(dnnl_status_t status);

// oneDNN C calls: a failure throws a Backend Error naming the call, file and line.
#define IM_DNNL_CHECK(call)                                                                    \
  do {                                                                                         \
    const dnnl_status_t im_status_ = (call);                                                   \
    if (im_status_ != dnnl_success)                                                            \
      ::infermark::throw_backend_error(#call, ::infermark::onednn::status_string(im_status_),  \
                                       __FILE__, __LINE__);                                    \
  } while (0)

size_t dt_size(dt type);
const char* dt_name(dt type);

// A plain memory descriptor with explicit strides (element units).
dnnl::memory::desc strided(const dims& shape, dt type, const dims& strides);
// A dense row-major descriptor.
dnnl::memory::desc dense(const dims& shape, dt type);

// One primitive with its arguments bound at compile time. execute() goes through the C API with
// the prebuilt argument array: the C++ wrapper would build a vector on every call.
class PrimitiveCall {
 public:
  PrimitiveCall() = default;
  explicit PrimitiveCall(dnnl::primitive p) : prim_(std::move(p)) {}

  void arg(int id, const dnnl::memory& m);
  void execute(dnnl::stream& s) const {
    IM_DNNL_CHECK(dnnl_primitive_execute(prim_.get(), s.get(), int(args_.size()), args_.data()));
  }

 private:
  dnnl::primitive prim_;
  std::vector<dnnl::memory> mems_;  // keeps the handles in args_ alive
  std::vector<dnnl_exec_arg_t> args_;
};

// One scratchpad shared by every primitive of an executable (they run one after another).
// Primitives are created with scratchpad_mode::user; attach() binds a placeholder memory that
// finalize() points at a buffer of the largest size any of them asked for.
class Scratchpad {
 public:
  explicit Scratchpad(dnnl::engine eng) : eng_(std::move(eng)) {}
  void attach(PrimitiveCall& call, const dnnl::primitive_desc& pd);
  void finalize();
  size_t bytes() const { return max_bytes_; }

 private:
  dnnl::engine eng_;
  std::vector<dnnl::memory> mems_;
  size_t max_bytes_ = 0;
  std::vector<std::byte> storage_;  // max_bytes_ + alignment slack
};

// Primitive attributes every step uses: a user-managed scratchpad.
dnnl::primitive_attr default_attr();

}  // namespace infermark::onednn
