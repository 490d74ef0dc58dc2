#include "backends/vulkan/vk_quant_plan.hpp"

#include <bit>
#include <cstring>

namespace infermark::vk {

ComputeChoice compute_choice(const Workload& w, bool device_has_f16) {
  ComputeChoice c;
  const Precision p = is_quantized(w.precision) ? w.compute : w.precision;
  switch (p) {
    case Precision::F16:
      c.half = true;
      c.used = "f16";
      if (!device_has_f16) {
        c.ok = false;
        c.reason = "compute f16 needs shaderFloat16 and storageBuffer16BitAccess";
      }
      break;
    case Precision::BF16:
      c.used = "f32";
      c.reason = "Vulkan has no bf16 type (VK_KHR_shader_bfloat16 absent): compute bf16 runs in f32";
      if (!is_quantized(w.precision)) c.ok = false;  // a bf16 run is not silently an f32 one
      break;
    default: c.used = "f32"; break;
  }
  return c;
}

std::vector<uint32_t> pack_int8_words(const Int8Weights& q) {
  const int64_t k4 = (q.k + 3) / 4;
  std::vector<uint32_t> out(size_t(q.n * k4), 0);
  for (int64_t n = 0; n < q.n; ++n)
    for (int64_t k = 0; k < q.k; ++k)
      out[size_t(n * k4 + k / 4)] |= uint32_t(uint8_t(q.q[size_t(n * q.k + k)])) << (8 * (k % 4));
  return out;
}

std::vector<uint32_t> pack_int4_words(const Int4Weights& q) {
  std::vector<uint32_t> out(q.packed.size() / 4);
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = uint32_t(q.packed[4 * i]) | uint32_t(q.packed[4 * i + 1]) << 8 |
             uint32_t(q.packed[4 * i + 2]) << 16 | uint32_t(q.packed[4 * i + 3]) << 24;
  return out;
}

std::vector<uint32_t> float_words(const std::vector<float>& v) {
  std::vector<uint32_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = std::bit_cast<uint32_t>(v[i]);
  return out;
}

std::set<std::string> quantized_only_weights(const Graph& g) {
  std::set<std::string> names;
  for (const auto& n : quantized_weight_names(g)) names.insert(n);
  for (const Op& op : g.ops)
    for (size_t i = 0; i < op.inputs.size(); ++i)
      if (!(op.kind == OpKind::MatMul && i == 1)) names.erase(op.inputs[i]);
  if (names.count(g.output)) names.erase(g.output);
  return names;
}

}  // namespace infermark::vk
