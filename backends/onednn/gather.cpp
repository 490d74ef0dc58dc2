#include "backends/onednn/gather.hpp"

#include <cstring>

namespace infermark::onednn {
namespace {

[[noreturn]] void fail(const Op& op, const std::string& msg) {
  throw Error(ErrorKind::Internal,
              "onednn backend: op '" + op.name + "' (" + to_string(op.kind) + "): " + msg);
}

// out[r, :] = table[ids[r], :], a row copy: the table is converted to the activation type once
// at compile time. Ids are checked at compile time too, where the executable takes its inputs.
class EmbeddingStep : public Step {
 public:
  EmbeddingStep(AlignedBuffer table, int64_t hidden, const int32_t* ids, Tensor& out)
      : table_(std::move(table)), hidden_(hidden), ids_(ids), out_(out) {}

  void run(dnnl::stream&) override {
    const auto* table = static_cast<const std::byte*>(table_.data());
    auto* out = static_cast<std::byte*>(out_.data());
    const int64_t rows = out_.rows();
    const size_t row = size_t(hidden_) * dt_size(out_.type);
#pragma omp parallel for schedule(static) if (rows * hidden_ >= 65536)
    for (int64_t r = 0; r < rows; ++r) std::memcpy(out + r * row, table + ids_[r] * row, row);
  }

 private:
  AlignedBuffer table_;  // [vocab, hidden] in the activation type
  int64_t hidden_;
  const int32_t* ids_;
  Tensor& out_;
};

class LastTokenStep : public Step {
 public:
  LastTokenStep(Tensor& x, Tensor& out, int64_t seq) : x_(x), out_(out), seq_(seq) {}
  void run(dnnl::stream&) override {
    const size_t row_bytes = size_t(x_.cols()) * dt_size(x_.type);
    auto* src = static_cast<const std::byte*>(x_.data());
    auto* dst = static_cast<std::byte*>(out_.data());
    for (int64_t b = 0; b < out_.rows(); ++b)
      std::memcpy(dst + b * row_bytes, src + (b * seq_ + seq_ - 1) * row_bytes, row_bytes);
  }

 private:
  Tensor& x_;
  Tensor& out_;
  int64_t seq_;
};

}  // namespace

std::unique_ptr<Step> make_embedding_step(const Op& op, BuildEnv& env) {
  if (op.inputs.size() != 2) fail(op, "expected inputs {table, ids}");
  const TensorDesc& td = env.tensors.desc(op.inputs[0]);
  Tensor& ids = env.tensors.get(op.inputs[1]);
  Tensor& out = env.tensors.get(op.output);
  if (td.shape.size() != 2 || td.dtype != DType::F32) fail(op, "table must be 2-D f32");
  if (ids.type != dt::s32 || ids.desc.shape.size() != 1) fail(op, "ids must be 1-D i32");
  const int64_t vocab = td.shape[0], hidden = td.shape[1];
  if (out.desc.shape != std::vector<int64_t>{ids.rows(), hidden}) fail(op, "output shape mismatch");
  if (!env.tensors.is_constant(op.inputs[0])) fail(op, "the table must be a constant (a weight)");
  if (!env.tensors.is_constant(op.inputs[1])) fail(op, "ids must be a graph input");
  const int32_t* id = ids.as<int32_t>();
  for (int64_t r = 0; r < ids.rows(); ++r) {
    if (id[r] < 0 || id[r] >= vocab) {
      fail(op, "id " + std::to_string(id[r]) + " at row " + std::to_string(r) +
                   " is outside the table's " + std::to_string(vocab) + " rows");
    }
  }
  const HostTensor& table = env.tensors.host(op.inputs[0]);
  AlignedBuffer copy(table.f32.size() * dt_size(out.type));
  convert_from_f32(table.f32.data(), out.type, copy.data(), table.f32.size());
  env.tensors.note_weights(copy.bytes());
  env.record.own_kernel("embedding");
  return std::make_unique<EmbeddingStep>(std::move(copy), hidden, id, out);
}

std::unique_ptr<Step> make_last_token_step(const Op& op, BuildEnv& env) {
  if (op.inputs.size() != 1) fail(op, "expected one input");
  Tensor& x = env.tensors.get(op.inputs[0]);
  Tensor& out = env.tensors.get(op.output);
  const auto& a = op.attrs;
  if (x.desc.shape.size() != 2 || a.batch <= 0 || a.seq <= 0 ||
      int64_t(a.batch) * a.seq != x.rows()) {
    fail(op, "attrs batch × seq must equal the input's rows");
  }
  if (out.desc.shape != std::vector<int64_t>{a.batch, x.cols()}) fail(op, "output shape mismatch");
  env.record.own_kernel("last_token");
  return std::make_unique<LastTokenStep>(x, out, a.seq);
}

}  // namespace infermark::onednn
