#include "backends/vulkan/vk_plan.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

#include "backends/vulkan/vk_quant_plan.hpp"
#include "common/error.hpp"
#include "suites/constant_data.hpp"

namespace infermark::vk {
namespace {

using Shape = std::vector<int64_t>;
constexpr uint32_t kMaxGroups = 65535;  // the smallest maxComputeWorkGroupCount[x] Vulkan allows

uint32_t div_up(uint64_t a, uint64_t b) { return uint32_t((a + b - 1) / b); }

uint32_t pow2_at_least(uint32_t v) { return std::bit_ceil(v); }

bool is_constant(TensorRole r) {
  return r == TensorRole::Input || r == TensorRole::Weight || r == TensorRole::State;
}

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

// `groups` workgroups as a grid the device can launch: x up to 65535, the rest in y.
std::array<uint32_t, 3> grid(uint64_t groups) {
  groups = std::max<uint64_t>(groups, 1);
  const uint32_t x = uint32_t(std::min<uint64_t>(groups, kMaxGroups));
  return {x, div_up(groups, x), 1};
}

class Planner {
 public:
  Planner(const Graph& g, const TensorSet& constants, const PhysicalDevice& d, const Tuning& t,
          bool half)
      : graph_(g), dev_(d) {
    plan_.tuning = t;
    plan_.half = half;
    if (is_quantized(g.workload.precision)) {
      for (const auto& n : quantized_weight_names(g)) quantized_.insert(n);
      quantized_only_ = quantized_only_weights(g);
      QuantRecord& q = plan_.quant;
      q.precision = to_string(g.workload.precision);
      q.compute_requested = to_string(g.workload.compute);
      q.compute_used = half ? "f16" : "f32";
      q.compute_reason = compute_choice(g.workload, true).reason;
      q.matmul_path = g.workload.precision == Precision::Int8
                          ? "quantize_rows (per token) + matmul_int8 (M > " + std::to_string(t.matvec_max_m) +
                                ": matmul_int8_tiled): " + t.int8_path
                          : "matvec_int4 (M > " + std::to_string(t.matvec_max_m) +
                                ": matmul_int4_tiled, dequantized in shared memory): 4-bit weights dequantized "
                                "in the inner loop, groups of " +
                                std::to_string(g.workload.group_size) + ", f32 arithmetic";
    }
    for (const auto& desc : g.tensors) add_tensor(desc, constants);
    for (const auto& op : g.ops) lower(op);
    auto it = index_.find(g.output);
    if (it == index_.end() || !plan_.tensors[it->second].is_float) {
      throw Error(ErrorKind::Internal, "vulkan: graph output '" + g.output + "' is not a declared f32 tensor");
    }
    plan_.output = it->second;
    plan_.output_shape = descs_[it->second]->shape;
  }
  Plan take() { return std::move(plan_); }

 private:
  [[noreturn]] void fail(const Op& op, const std::string& msg) const {
    throw Error(ErrorKind::Internal, "vulkan backend: op '" + op.name + "' (" + to_string(op.kind) + "): " + msg);
  }
  [[noreturn]] void too_big(const Op& op, const std::string& msg) const {
    throw Error(ErrorKind::Unavailable, "vulkan: op '" + op.name + "' on device " + dev_.id + ": " + msg);
  }

  VkDeviceSize elem(int t) const {
    const auto& pt = plan_.tensors[t];
    return pt.is_float && pt.half ? 2 : 4;
  }

  void add_tensor(const TensorDesc& desc, const TensorSet& constants) {
    PlanTensor t;
    t.name = desc.name;
    t.is_float = desc.dtype == DType::F32;
    t.half = t.is_float && plan_.half;
    t.role = desc.role;
    const int64_t n = numel(desc.shape);
    t.bytes = VkDeviceSize(n) * (t.half ? 2 : 4);
    if (is_constant(desc.role)) {
      t.initial = &constant_data(constants, desc, "vulkan");
      if (quantized_.count(desc.name)) host_[int(plan_.tensors.size())] = t.initial;
      if (quantized_only_.count(desc.name)) {  // only its quantized form goes to the device
        t.initial = nullptr;
        t.bytes = 16;
      }
    }
    if (!index_.emplace(desc.name, int(plan_.tensors.size())).second) {
      throw Error(ErrorKind::Internal, "vulkan backend: tensor '" + desc.name + "' is declared twice");
    }
    plan_.tensors.push_back(std::move(t));
    descs_.push_back(&desc);
  }

  int tensor(const Op& op, const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end()) fail(op, "tensor '" + name + "' is not declared in the graph");
    return it->second;
  }
  const Shape& shape(int t) const { return descs_[t]->shape; }
  void expect(const Op& op, int t, const Shape& s, DType dtype = DType::F32) const {
    if (shape(t) != s || descs_[t]->dtype != dtype) {
      fail(op, "tensor '" + plan_.tensors[t].name + "' is " + shape_to_string(shape(t)) + ", expected " +
                   shape_to_string(s) + (dtype == DType::I32 ? " i32" : " f32"));
    }
  }
  std::pair<int64_t, int64_t> matrix(const Op& op, int t) const {
    if (shape(t).size() != 2) fail(op, "tensor '" + plan_.tensors[t].name + "' must be 2-D");
    return {shape(t)[0], shape(t)[1]};
  }
  std::vector<int> inputs(const Op& op, size_t lo, size_t hi) const {
    if (op.inputs.size() < lo || op.inputs.size() > hi) {
      fail(op, "has " + std::to_string(op.inputs.size()) + " inputs, expected " + std::to_string(lo) +
                   (lo == hi ? "" : "–" + std::to_string(hi)));
    }
    std::vector<int> in;
    for (const auto& n : op.inputs) in.push_back(tensor(op, n));
    return in;
  }
  int output(const Op& op) const {
    const int o = tensor(op, op.output);
    if (is_constant(descs_[o]->role)) fail(op, "writes to constant tensor '" + op.output + "'");
    return o;
  }

  // A MatMul's tensors, checked: a [M, K], w [N, K], optional bias [N], out [M, N].
  struct MatmulOperands {
    std::vector<int> in;
    int out;
    int64_t m, k, n;
    bool bias;
  };
  MatmulOperands matmul_operands(const Op& op) const {
    MatmulOperands o{inputs(op, 2, 3), output(op), 0, 0, 0, false};
    std::tie(o.m, o.k) = matrix(op, o.in[0]);
    o.n = matrix(op, o.in[1]).first;
    expect(op, o.in[1], {o.n, o.k});
    o.bias = o.in.size() == 3;
    if (o.bias) expect(op, o.in[2], {o.n});
    expect(op, o.out, {o.m, o.n});
    return o;
  }

  // A whole-tensor binding; the tensor must fit one storage-buffer binding.
  Binding whole(const Op& op, int t) const {
    if (plan_.tensors[t].bytes > dev_.props.limits.maxStorageBufferRange) {
      too_big(op, "tensor '" + plan_.tensors[t].name + "' has " + std::to_string(plan_.tensors[t].bytes) +
                      " bytes, more than one binding can hold (maxStorageBufferRange " +
                      std::to_string(dev_.props.limits.maxStorageBufferRange) + ")");
    }
    return {t, 0, VK_WHOLE_SIZE};
  }

  // Row ranges [first, first + count) of a [rows, …] tensor, each small enough for one binding and
  // starting at an offset the device accepts: one range unless the tensor exceeds a binding (an
  // embedding table or LM head larger than maxStorageBufferRange, as GPT-2's on lavapipe).
  std::vector<std::pair<uint32_t, uint32_t>> slices(const Op& op, int t, int64_t rows) const {
    const VkDeviceSize row_bytes = plan_.tensors[t].bytes / VkDeviceSize(rows);
    const VkDeviceSize max_range = plan_.tuning.slice_bytes;
    if (plan_.tensors[t].bytes <= max_range) return {{0u, uint32_t(rows)}};
    const VkDeviceSize align = std::max<VkDeviceSize>(dev_.props.limits.minStorageBufferOffsetAlignment, 1);
    const VkDeviceSize unit = align / std::gcd(align, row_bytes);  // rows per aligned offset step
    const VkDeviceSize per = max_range / row_bytes / unit * unit;
    if (per == 0) too_big(op, "one row of '" + plan_.tensors[t].name + "' exceeds maxStorageBufferRange");
    std::vector<std::pair<uint32_t, uint32_t>> out;
    for (int64_t r = 0; r < rows; r += int64_t(per))
      out.push_back({uint32_t(r), uint32_t(std::min<int64_t>(int64_t(per), rows - r))});
    return out;
  }
  Binding slice(int t, std::pair<uint32_t, uint32_t> s, int64_t rows) const {
    const VkDeviceSize row_bytes = plan_.tensors[t].bytes / VkDeviceSize(rows);
    if (s.first == 0 && s.second == rows) return {t, 0, VK_WHOLE_SIZE};
    return {t, s.first * row_bytes, s.second * row_bytes};
  }

  std::string variant(const std::string& base, bool subgroup) const {
    return base + (subgroup && plan_.tuning.subgroup ? "_sg" : "") + (plan_.half ? "_f16" : "");
  }

  void dispatch(const Op& op, PipelineKey key, std::vector<Binding> bindings,
                std::vector<uint32_t> push, std::array<uint32_t, 3> groups,
                std::vector<int> reads, std::vector<int> writes) {
    Dispatch d;
    d.pipeline = std::move(key);
    std::copy(bindings.begin(), bindings.end(), d.bindings.begin());
    d.push = std::move(push);
    d.groups = groups;
    plan_.steps.push_back({op.name, std::move(d), std::move(reads), std::move(writes)});
  }

  void copy(const Op& op, int src, int dst, std::vector<VkBufferCopy> regions) {
    plan_.steps.push_back({op.name, Copy{src, dst, std::move(regions)}, {src}, {dst}});
  }

  static uint32_t bits(double v) { return std::bit_cast<uint32_t>(float(v)); }

  void lower(const Op& op) {
    const Tuning& tu = plan_.tuning;
    const OpAttrs& a = op.attrs;
    // A tensor this op writes is no longer what an earlier quantize_rows quantized.
    if (auto it = index_.find(op.output); it != index_.end()) quantized_rows_.erase(it->second);
    if (op.kind == OpKind::MatMul && op.inputs.size() >= 2 && quantized_.count(op.inputs[1])) {
      quantized_matmul(op);
      return;
    }
    switch (op.kind) {
      case OpKind::Embedding: {
        auto in = inputs(op, 2, 2);
        const int out = output(op);
        auto [vocab, hidden] = matrix(op, in[0]);
        if (shape(in[1]).size() != 1) fail(op, "ids must be 1-D");
        const int64_t rows = shape(in[1])[0];
        expect(op, in[1], {rows}, DType::I32);
        expect(op, out, {rows, hidden});
        if (const HostTensor* ids = plan_.tensors[in[1]].initial) {
          for (size_t r = 0; r < ids->i32.size(); ++r) {
            if (ids->i32[r] < 0 || ids->i32[r] >= vocab) {
              fail(op, "id " + std::to_string(ids->i32[r]) + " at row " + std::to_string(r) +
                           " is outside the table's " + std::to_string(vocab) + " rows");
            }
          }
        }
        for (auto s : slices(op, in[0], vocab)) {
          dispatch(op, {variant("embedding", false), {tu.eltwise_wg}},
                   {slice(in[0], s, vocab), whole(op, in[1]), whole(op, out)},
                   {uint32_t(rows), uint32_t(hidden), s.first, s.second},
                   grid(div_up(uint64_t(rows * hidden), tu.eltwise_wg)), {in[0], in[1]}, {out});
        }
        break;
      }
      case OpKind::MatMul: {
        const auto [in, out, m, k, n, bias] = matmul_operands(op);
        const Binding b = bias ? whole(op, in[2]) : Binding{};
        std::vector<int> reads{in[0], in[1]};
        if (bias) reads.push_back(in[2]);
        const MatmulTile& t = tu.tile_for(m);
        for (auto s : slices(op, in[1], n)) {
          std::vector<uint32_t> push{uint32_t(m), uint32_t(n), uint32_t(k), s.first, s.second, bias};
          std::vector<Binding> bind{whole(op, in[0]), slice(in[1], s, n), b, whole(op, out)};
          if (m <= int64_t(tu.matvec_max_m)) {
            // Columns per workgroup: COLS for each subgroup the device reports (the shader loops
            // over its real subgroups, so a different count only unbalances, never skips).
            const bool sg = tu.subgroup;
            const uint32_t wg_cols = tu.matvec_cols * (sg ? std::max(1u, tu.matvec_wg / dev_.subgroup_size) : 1u);
            dispatch(op, {variant("matvec", true), {tu.matvec_wg, tu.matvec_cols, wg_cols, uint32_t(k % 4 == 0), uint32_t(m)}},
                     bind, push, grid(div_up(s.second, wg_cols)), reads, {out});
          } else {
            if (div_up(uint64_t(m), t.bm) > kMaxGroups) too_big(op, "too many rows for one dispatch");
            const uint32_t vec4 = k % 4 == 0;  // rows start 16-byte aligned: vec4 global loads
            dispatch(op, {variant("matmul", false), {t.workgroup(), t.bm, t.bn, t.bk, t.tm, t.tn, vec4}},
                     bind, push, {div_up(s.second, t.bn), div_up(uint64_t(m), t.bm), 1}, reads,
                     {out});
          }
        }
        break;
      }
      case OpKind::Add:
      case OpKind::Mul:
      case OpKind::Gelu:
      case OpKind::GeluTanh:
      case OpKind::Silu: {
        const bool binary = op.kind == OpKind::Add || op.kind == OpKind::Mul;
        auto in = inputs(op, binary ? 2 : 1, binary ? 2 : 1);
        const int out = output(op);
        matrix(op, in[0]);
        for (int i : in) expect(op, i, shape(in[0]));
        expect(op, out, shape(in[0]));
        const uint32_t code = op.kind == OpKind::Add ? 0 : op.kind == OpKind::Mul ? 1
                            : op.kind == OpKind::Gelu ? 2 : op.kind == OpKind::GeluTanh ? 3 : 4;
        const uint64_t count = uint64_t(numel(shape(out)));
        dispatch(op, {variant("eltwise", false), {tu.eltwise_wg, code}},
                 {whole(op, in[0]), binary ? whole(op, in[1]) : Binding{}, whole(op, out)},
                 {uint32_t(count)}, grid(div_up(count, tu.eltwise_wg)), in, {out});
        break;
      }
      case OpKind::LayerNorm:
      case OpKind::RMSNorm: {
        const bool layer = op.kind == OpKind::LayerNorm;
        auto in = inputs(op, layer ? 3 : 2, layer ? 3 : 2);
        const int out = output(op);
        auto [rows, cols] = matrix(op, in[0]);
        for (size_t i = 1; i < in.size(); ++i) expect(op, in[i], {cols});
        expect(op, out, {rows, cols});
        dispatch(op, {variant(layer ? "norm_layer" : "norm_rms", true), {tu.row_wg}},
                 {whole(op, in[0]), whole(op, in[1]), layer ? whole(op, in[2]) : Binding{}, whole(op, out)},
                 {uint32_t(rows), uint32_t(cols), bits(a.eps)}, grid(uint64_t(rows)), in, {out});
        break;
      }
      case OpKind::Softmax: {
        auto in = inputs(op, 1, 1);
        const int out = output(op);
        auto [rows, cols] = matrix(op, in[0]);
        expect(op, out, {rows, cols});
        dispatch(op, {variant("softmax", true), {tu.row_wg}}, {whole(op, in[0]), whole(op, out)},
                 {uint32_t(rows), uint32_t(cols)}, grid(uint64_t(rows)), in, {out});
        break;
      }
      case OpKind::Rope: rope(op); break;
      case OpKind::Attention: attention(op); break;
      case OpKind::LastToken: {
        auto in = inputs(op, 1, 1);
        const int out = output(op);
        auto [rows, cols] = matrix(op, in[0]);
        if (a.batch <= 0 || a.seq <= 0 || int64_t(a.batch) * a.seq != rows) {
          fail(op, "attrs batch × seq must equal the input's " + std::to_string(rows) + " rows");
        }
        expect(op, out, {a.batch, cols});
        const VkDeviceSize row = VkDeviceSize(cols) * elem(in[0]);
        std::vector<VkBufferCopy> regions;
        for (int b = 0; b < a.batch; ++b)
          regions.push_back({VkDeviceSize(b * a.seq + a.seq - 1) * row, VkDeviceSize(b) * row, row});
        copy(op, in[0], out, std::move(regions));
        break;
      }
      default: fail(op, "unknown op kind");
    }
  }

  // A packed-words constant (quantized weights, their scales) added to the plan.
  int add_words(const std::string& name, std::vector<uint32_t> words, TensorRole role) {
    PlanTensor t;
    t.name = name;
    t.is_float = false;
    t.bytes = std::max<VkDeviceSize>(words.size() * sizeof(uint32_t), 16);
    words.resize(t.bytes / sizeof(uint32_t), 0);
    t.words = std::move(words);
    t.role = role;
    plan_.tensors.push_back(std::move(t));
    descs_.push_back(nullptr);
    return int(plan_.tensors.size()) - 1;
  }
  int add_scratch(const std::string& name, VkDeviceSize bytes) {
    PlanTensor t;
    t.name = name;
    t.is_float = false;
    t.bytes = std::max<VkDeviceSize>(bytes, 16);
    plan_.tensors.push_back(std::move(t));
    descs_.push_back(nullptr);
    return int(plan_.tensors.size()) - 1;
  }

  // int8: the weight quantized per output channel on the host, the input quantized per token by
  // quantize_rows (once per input tensor: Q, K and V projections share it), then matmul_int8.
  // int4w: matvec_int4 over the packed 4-bit weights. Both write the MatMul's output directly.
  // Above matvec_max_m rows (prefill) both take their tiled shader instead, with the f32
  // matmul's tile for M: a matvec-style workgroup reuses each weight word for only 4 rows.
  void quantized_matmul(const Op& op) {
    const Tuning& tu = plan_.tuning;
    const auto [in, out, m, k, n, bias] = matmul_operands(op);
    const HostTensor* host = host_.count(in[1]) ? host_.at(in[1]) : nullptr;
    if (!host || host->f32.size() != size_t(n * k)) fail(op, "quantized weight '" + op.inputs[1] + "' has no constant f32 values");
    // ROWS × COLS outputs per workgroup; their partial sums (4 bytes per invocation) in shared memory.
    const uint32_t wg = tu.matvec_wg;
    const uint32_t rows = uint32_t(std::min<int64_t>(m, 4));
    uint32_t cols = tu.matvec_cols;
    while (cols > 1 && uint64_t(rows) * cols * wg * 4 > dev_.props.limits.maxComputeSharedMemorySize) cols /= 2;
    const bool tiled = m > int64_t(tu.matvec_max_m);
    const MatmulTile& tile = tu.tile_for(m);
    const std::vector<uint32_t> tile_spec{tile.workgroup(), tile.bm, tile.bn, tile.bk, tile.tm, tile.tn};
    const std::array<uint32_t, 3> groups =
        tiled ? std::array<uint32_t, 3>{div_up(uint64_t(n), tile.bn), div_up(uint64_t(m), tile.bm), 1}
              : std::array<uint32_t, 3>{div_up(uint64_t(n), cols), div_up(uint64_t(m), rows), 1};
    if (uint64_t(n) > uint64_t(kMaxGroups) * (tiled ? tile.bn : cols) ||
        uint64_t(m) > uint64_t(kMaxGroups) * (tiled ? tile.bm : rows))
      too_big(op, "too many rows or columns for one quantized MatMul dispatch");
    const Binding b = bias ? whole(op, in[2]) : Binding{};
    const Precision p = graph_.workload.precision;
    auto wq = quantized_weights_.find(in[1]);
    if (wq == quantized_weights_.end()) {
      std::pair<int, int> t;
      if (p == Precision::Int8) {
        const Int8Weights q = quantize_int8(host->f32.data(), n, k);
        t = {add_words(op.inputs[1] + ".int8", pack_int8_words(q), TensorRole::Weight),
             add_words(op.inputs[1] + ".scales", float_words(q.scales), TensorRole::Weight)};
      } else {
        const int g = graph_.workload.group_size;
        if (g % 32 != 0 || k % g != 0) fail(op, "K = " + std::to_string(k) + " is not a multiple of the int4w group " + std::to_string(g));
        const Int4Weights q = quantize_int4(host->f32.data(), n, k, g);
        t = {add_words(op.inputs[1] + ".int4", pack_int4_words(q), TensorRole::Weight),
             add_words(op.inputs[1] + ".scales", float_words(q.scales), TensorRole::Weight)};
      }
      wq = quantized_weights_.emplace(in[1], t).first;
    }
    const auto [w, ws] = wq->second;
    ++plan_.quant.quantized_matmuls;
    std::vector<int> reads{w, ws};
    if (bias) reads.push_back(in[2]);
    if (p == Precision::Int8) {
      const int64_t k4 = (k + 3) / 4;
      auto qa = quantized_rows_.find(in[0]);
      if (qa == quantized_rows_.end()) {
        const std::string base = plan_.tensors[in[0]].name;
        const int q = add_scratch(base + ".int8", VkDeviceSize(m * k4) * 4);
        const int s = add_scratch(base + ".row_scales", VkDeviceSize(m) * 4);
        dispatch(op, {variant("quantize_rows", true), {tu.row_wg}},
                 {whole(op, in[0]), whole(op, q), whole(op, s)},
                 {uint32_t(m), uint32_t(k), uint32_t(k4)}, grid(uint64_t(m)), {in[0]}, {q, s});
        qa = quantized_rows_.emplace(in[0], std::make_pair(q, s)).first;
      }
      const auto [q, s] = qa->second;
      reads.push_back(q);
      reads.push_back(s);
      const std::string shader = std::string(tiled ? "matmul_int8_tiled" : "matmul_int8") +
                                 ((tiled ? tu.int_dot_tiled : tu.int_dot) ? "_dot" : "");
      dispatch(op, {variant(shader, false), tiled ? tile_spec : std::vector<uint32_t>{wg, rows, cols}},
               {whole(op, q), whole(op, w), whole(op, s), whole(op, ws), b, whole(op, out)},
               {uint32_t(m), uint32_t(n), uint32_t(k4), bias}, groups, reads, {out});
    } else {
      const int g = graph_.workload.group_size;
      reads.push_back(in[0]);
      dispatch(op, {variant(tiled ? "matmul_int4_tiled" : "matvec_int4", false), tiled ? tile_spec : std::vector<uint32_t>{wg, rows, cols}},
               {whole(op, in[0]), whole(op, w), whole(op, ws), b, whole(op, out)},
               {uint32_t(m), uint32_t(n), uint32_t(k / 8), uint32_t(g / 32), uint32_t(k / g), bias},
               groups, reads, {out});
    }
  }

  void rope(const Op& op) {
    const OpAttrs& a = op.attrs;
    auto in = inputs(op, 2, 2);
    const int out = output(op);
    auto [rows, width] = matrix(op, in[0]);
    if (a.heads <= 0 || a.head_dim <= 0 || a.head_dim % 2 != 0 || int64_t(a.heads) * a.head_dim != width) {
      fail(op, "attrs heads × head_dim (even) must equal the input width " + std::to_string(width));
    }
    expect(op, in[1], {rows}, DType::I32);
    expect(op, out, {rows, width});
    // The table covers the model's positions and every position this graph's input holds.
    int64_t positions = std::max(graph_.workload.model.max_seq, 1);
    if (const HostTensor* pos = plan_.tensors[in[1]].initial) {
      for (int32_t p : pos->i32) {
        if (p < 0) fail(op, "position " + std::to_string(p) + " is negative");
        positions = std::max<int64_t>(positions, int64_t(p) + 1);
      }
    }
    const int half = a.head_dim / 2;
    const auto key = std::make_tuple(a.theta, a.head_dim, positions);
    int table;
    if (auto it = rope_tables_.find(key); it != rope_tables_.end()) {
      table = it->second;
    } else {
      PlanTensor t;
      t.name = op.name + ".cos_sin";
      t.is_float = true;  // always f32, even in an f16 run: it is a vec2 table in the shader
      t.derived.resize(size_t(positions) * half * 2);
      for (int64_t p = 0; p < positions; ++p) {
        for (int i = 0; i < half; ++i) {
          // The reference's formula (backends/reference/ops.cpp), in double.
          const double angle = double(p) * std::pow(a.theta, -2.0 * double(i) / double(a.head_dim));
          t.derived[size_t(p * half + i) * 2] = float(std::cos(angle));
          t.derived[size_t(p * half + i) * 2 + 1] = float(std::sin(angle));
        }
      }
      t.bytes = t.derived.size() * sizeof(float);
      table = int(plan_.tensors.size());
      plan_.tensors.push_back(std::move(t));
      descs_.push_back(nullptr);
      rope_tables_[key] = table;
    }
    const uint64_t count = uint64_t(rows) * a.heads * half;
    dispatch(op, {variant("rope", false), {plan_.tuning.eltwise_wg}},
             {whole(op, in[0]), whole(op, in[1]), whole(op, table), whole(op, out)},
             {uint32_t(rows), uint32_t(a.heads), uint32_t(a.head_dim), uint32_t(positions)},
             grid(div_up(count, plan_.tuning.eltwise_wg)), {in[0], in[1], table}, {out});
  }

  void attention(const Op& op) {
    const OpAttrs& a = op.attrs;
    auto in = inputs(op, a.cached ? 5 : 3, a.cached ? 5 : 3);
    const int out = output(op);
    if (a.heads <= 0 || a.kv_heads <= 0 || a.heads % a.kv_heads != 0 || a.head_dim <= 0 ||
        a.batch <= 0 || a.seq <= 0 || a.context < 0 || (!a.cached && a.context != 0)) {
      fail(op, "attrs need heads a positive multiple of kv_heads, positive head_dim, batch and seq, "
               "and context 0 unless cached");
    }
    const int64_t tokens = int64_t(a.batch) * a.seq;
    const int64_t qw = int64_t(a.heads) * a.head_dim, kvw = int64_t(a.kv_heads) * a.head_dim;
    expect(op, in[0], {tokens, qw});
    expect(op, in[1], {tokens, kvw});
    expect(op, in[2], {tokens, kvw});
    expect(op, out, {tokens, qw});
    // A chunk of 64 keys per workgroup, and at least one invocation per vec4 of the head.
    const uint32_t wg = attention_workgroup(a.head_dim);
    const auto& lim = dev_.props.limits;
    if (wg > lim.maxComputeWorkGroupInvocations || wg > lim.maxComputeWorkGroupSize[0]) {
      too_big(op, "head_dim " + std::to_string(a.head_dim) + " needs a workgroup of " +
                      std::to_string(wg) + " invocations, the device allows " +
                      std::to_string(std::min(lim.maxComputeWorkGroupInvocations, lim.maxComputeWorkGroupSize[0])));
    }
    int keys = in[1], values = in[2];
    uint32_t keys_per_seq = uint32_t(a.seq);
    if (a.cached) {
      const int64_t per_seq = int64_t(a.context) + a.seq;
      for (int i : {3, 4}) {
        expect(op, in[i], {a.batch * per_seq, kvw});
        if (descs_[in[i]]->role != TensorRole::State) fail(op, "cache '" + op.inputs[i] + "' must have role State");
      }
      // The step's keys and values go to cache rows context … context+S−1 of each sequence first.
      const VkDeviceSize row = VkDeviceSize(kvw) * elem(in[1]);
      std::vector<VkBufferCopy> regions;
      for (int b = 0; b < a.batch; ++b) {
        regions.push_back({VkDeviceSize(b) * a.seq * row, VkDeviceSize(b * per_seq + a.context) * row,
                           VkDeviceSize(a.seq) * row});
      }
      copy(op, in[1], in[3], regions);
      copy(op, in[2], in[4], regions);
      keys = in[3];
      values = in[4];
      keys_per_seq = uint32_t(per_seq);
    }
    dispatch(op, {variant("attention", true), {wg, uint32_t(a.head_dim), uint32_t(a.head_dim % 4 == 0)}},
             {whole(op, in[0]), whole(op, keys), whole(op, values), whole(op, out)},
             {uint32_t(a.batch), uint32_t(a.seq), keys_per_seq, uint32_t(a.heads), uint32_t(a.kv_heads),
              uint32_t(a.head_dim), uint32_t(a.context), uint32_t(a.causal), bits(a.scale)},
             // 4 (position, head) rows sharing a sequence and a KV head per workgroup.
             grid(uint64_t(a.batch) * a.kv_heads * div_up(uint64_t(a.seq) * (a.heads / a.kv_heads), 4)),
             {in[0], keys, values}, {out});
  }

  const Graph& graph_;
  const PhysicalDevice& dev_;
  Plan plan_;
  std::map<std::string, int> index_;
  std::vector<const TensorDesc*> descs_;  // parallel to plan_.tensors; nullptr for derived ones
  std::map<std::tuple<double, int, int64_t>, int> rope_tables_;
  std::set<std::string> quantized_, quantized_only_;  // quantized MatMul weights; those with no float copy
  std::map<int, const HostTensor*> host_;             // quantized weight tensor → its f32 values
  std::map<int, std::pair<int, int>> quantized_weights_;  // weight → (packed words, scales)
  std::map<int, std::pair<int, int>> quantized_rows_;     // activation → (int8 words, row scales)
};

}  // namespace

Plan make_plan(const Graph& graph, const TensorSet& constants, const PhysicalDevice& device,
               const Tuning& tuning, bool half) {
  return Planner(graph, constants, device, tuning, half).take();
}

uint32_t attention_workgroup(int head_dim) {
  return std::max(64u, pow2_at_least(uint32_t(std::max(head_dim, 1) + 3) / 4));
}

std::vector<std::string> spec_names(const std::string& shader) {
  if (shader.find("_tiled") != std::string::npos) return {"WG", "BM", "BN", "BK", "TM", "TN"};
  if (shader.rfind("matmul_int8", 0) == 0 || shader.rfind("matvec_int4", 0) == 0) return {"WG", "ROWS", "COLS"};
  if (shader.rfind("matmul_naive", 0) == 0) return {};
  if (shader.rfind("matmul", 0) == 0) return {"WG", "BM", "BN", "BK", "TM", "TN", "VEC4"};
  if (shader.rfind("matvec", 0) == 0) return {"WG", "COLS", "WG_COLS", "VEC4", "ROWS"};
  if (shader.rfind("eltwise", 0) == 0) return {"WG", "OP"};
  if (shader.rfind("attention", 0) == 0) return {"WG", "HD", "VEC4"};
  return {"WG"};
}

}  // namespace infermark::vk
