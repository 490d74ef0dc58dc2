#include "suites/synthetic.hpp"

#include <cmath>

#include "suites/tensor_names.hpp"

namespace infermark {

uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

namespace {

uint64_t stream_key(uint64_t seed, const std::string& name) { return splitmix64(seed ^ fnv1a64(name)); }

uint64_t counter_u64(uint64_t key, uint64_t index) {
  return splitmix64(key + index * 0x9e3779b97f4a7c15ull);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Uniform half-widths chosen so activations keep unit scale through every layer: projections
// [out, in] get std 1/√in (half-width √(3/in)), norm gains sit near 1, biases near 0.
void fill_float(const TensorDesc& t, uint64_t seed, HostTensor& out) {
  const uint64_t key = stream_key(seed, t.name);
  double center = 0, half = 1.0;
  const bool norm_param = t.name.find("norm") != std::string::npos;
  if (t.shape.size() == 2 && t.role == TensorRole::Weight && t.name.rfind("embed.", 0) != 0) {
    half = std::sqrt(3.0 / double(t.shape[1]));
  } else if (norm_param && ends_with(t.name, ".weight")) {
    center = 1.0;
    half = 0.1;
  } else if (ends_with(t.name, ".bias")) {
    half = 0.1;
  }
  out.f32.resize(size_t(out.numel()));
  for (size_t i = 0; i < out.f32.size(); ++i) {
    const double u = double(counter_u64(key, i) >> 40) * 0x1p-24;
    out.f32[i] = float(center + half * (2 * u - 1));
  }
}

void fill_input(const Graph& g, const TensorDesc& t, uint64_t seed, HostTensor& out) {
  const Workload& w = g.workload;
  out.i32.resize(size_t(out.numel()));
  for (size_t r = 0; r < out.i32.size(); ++r) {
    const int s = int(r % size_t(w.seq));
    if (t.name == names::position_ids) {
      out.i32[r] = w.context + s;
    } else if (t.name == names::token_type_ids) {
      out.i32[r] = 0;
    } else {
      out.i32[r] = int32_t(counter_u64(stream_key(seed, t.name), r) % uint64_t(w.model.vocab));
    }
  }
}

}  // namespace

double counter_uniform(uint64_t seed, const std::string& name, uint64_t index) {
  return double(counter_u64(stream_key(seed, name), index) >> 40) * 0x1p-24;
}

void add_synthetic_inputs(const Graph& g, uint64_t seed, TensorSet& set) {
  for (const auto& t : g.tensors) {
    if (t.role != TensorRole::Input && t.role != TensorRole::State) continue;
    HostTensor h;
    h.shape = t.shape;
    h.dtype = t.dtype;
    if (t.dtype == DType::I32)
      fill_input(g, t, seed, h);
    else
      fill_float(t, seed, h);
    set.tensors[t.name] = std::move(h);
  }
}

TensorSet synthetic_constants(const Graph& g, uint64_t seed) {
  TensorSet set;
  set.source = "synthetic:seed=" + std::to_string(seed);
  for (const auto& t : g.tensors) {
    if (t.role != TensorRole::Weight) continue;
    HostTensor h;
    h.shape = t.shape;
    h.dtype = t.dtype;
    fill_float(t, seed, h);
    set.tensors[t.name] = std::move(h);
  }
  add_synthetic_inputs(g, seed, set);
  return set;
}

}  // namespace infermark
