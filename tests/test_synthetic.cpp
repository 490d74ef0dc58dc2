// Synthetic weights and inputs: deterministic from the seed, reproducible from the documented
// formula (by this test's own code and by an outside tool, Python), and scaled as documented.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>
#include <unistd.h>

#include "suites/graph.hpp"
#include "suites/synthetic.hpp"
#include "suites/tensor_names.hpp"

using namespace infermark;

namespace {

// The formula of suites/synthetic.hpp, written again here from the comment, not from the code.
uint64_t my_fnv1a64(const std::string& s) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;  // FNV 64 prime
  return h;
}
uint64_t my_splitmix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
double my_value(uint64_t seed, const std::string& name, uint64_t i, double center, double half) {
  const uint64_t key = my_splitmix64(seed ^ my_fnv1a64(name));
  const double u = double(my_splitmix64(key + i * 0x9e3779b97f4a7c15ull) >> 40) * std::ldexp(1.0, -24);
  return center + half * (2 * u - 1);
}

ModelConfig tiny_llama() {
  ModelConfig m = builtin_models().at("llama-1.1b");
  m.name = "tiny-llama";
  m.hidden = 64;
  m.heads = 4;
  m.kv_heads = 2;
  m.head_dim = 16;
  m.ffn = 160;
  m.layers = 2;
  m.vocab = 97;
  m.max_seq = 64;
  return m;
}

ModelConfig tiny_bert() {
  ModelConfig m = builtin_models().at("bert-base");
  m.name = "tiny-bert";
  m.hidden = 32;
  m.heads = 4;
  m.kv_heads = 4;
  m.head_dim = 8;
  m.ffn = 64;
  m.layers = 1;
  m.vocab = 50;
  m.max_seq = 32;
  return m;
}

Graph graph(const ModelConfig& m, Phase phase, int batch, int seq, int context) {
  Workload w;
  w.model = m;
  w.phase = phase;
  w.batch = batch;
  w.seq = seq;
  w.context = context;
  w.layers = m.layers;
  return lower(w);
}

double sample_std(const std::vector<float>& v) {
  double mean = 0;
  for (float x : v) mean += x;
  mean /= double(v.size());
  double ss = 0;
  for (float x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / double(v.size() - 1));
}

}  // namespace

TEST_CASE("the hash functions match their published test vectors", "[synthetic]") {
  CHECK(fnv1a64("") == 0xcbf29ce484222325ull);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cull);
  CHECK(fnv1a64("foobar") == 0x85944171f73967e8ull);
  // SplitMix64 seeded with 0: its first two outputs (state advanced by φ before each mix).
  CHECK(splitmix64(0) == 0xe220a8397b1dcdafull);
  CHECK(splitmix64(0x9e3779b97f4a7c15ull) == 0x6e789e6aa1b965f4ull);
}

TEST_CASE("synthetic constants are deterministic in the seed", "[synthetic]") {
  const Graph g = graph(tiny_llama(), Phase::Decode, 2, 1, 7);
  const TensorSet a = synthetic_constants(g, 42);
  const TensorSet b = synthetic_constants(g, 42);
  const TensorSet c = synthetic_constants(g, 43);
  CHECK(a.source == "synthetic:seed=42");
  CHECK(c.source == "synthetic:seed=43");

  // Exactly the graph's Weight, Input and State tensors, with their shapes and dtypes.
  size_t constants = 0;
  for (const auto& t : g.tensors) {
    if (t.role == TensorRole::Activation || t.role == TensorRole::Output) {
      CHECK_FALSE(a.has(t.name));
      continue;
    }
    ++constants;
    INFO(t.name);
    REQUIRE(a.has(t.name));
    const HostTensor& h = a.at(t.name);
    CHECK(h.shape == t.shape);
    CHECK(h.dtype == t.dtype);
    CHECK(int64_t(t.dtype == DType::F32 ? h.f32.size() : h.i32.size()) == h.numel());
  }
  CHECK(a.tensors.size() == constants);

  bool all_same = true, weight_differs = false, ids_differ = false;
  for (const auto& [name, t] : a.tensors) {
    all_same = all_same && t.f32 == b.at(name).f32 && t.i32 == b.at(name).i32;
    if (t.dtype == DType::F32 && t.f32 != c.at(name).f32) weight_differs = true;
  }
  ids_differ = a.at(names::token_ids).i32 != c.at(names::token_ids).i32;
  CHECK(all_same);
  CHECK(weight_differs);
  CHECK(ids_differ);
  // Every float tensor depends on the seed.
  for (const auto& [name, t] : a.tensors)
    if (t.dtype == DType::F32) {
      INFO(name);
      CHECK(t.f32 != c.at(name).f32);
    }
}

TEST_CASE("synthetic values follow the documented formula", "[synthetic]") {
  const ModelConfig m = tiny_llama();
  const Graph g = graph(m, Phase::Prefill, 1, 8, 0);
  const uint64_t seed = 1234567;
  const TensorSet set = synthetic_constants(g, seed);
  struct Case {
    std::string name;
    double center, half;
  };
  // Projections [out, in]: half-width √(3/in); norm gains 1 ± 0.1; the embedding table ±1.
  const std::vector<Case> cases{
      {names::layer(0, "attn.q.weight"), 0, std::sqrt(3.0 / 64)},
      {names::layer(1, "ffn.down.weight"), 0, std::sqrt(3.0 / 160)},
      {names::lm_head, 0, std::sqrt(3.0 / 64)},
      {names::layer(1, "ffn_norm.weight"), 1.0, 0.1},
      {names::embed_token, 0, 1.0},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto& v = set.at(c.name).f32;
    for (uint64_t i : {uint64_t(0), uint64_t(1), uint64_t(2), uint64_t(17), uint64_t(v.size() - 1)}) {
      INFO("element " << i);
      CHECK(double(v[i]) == Approx(my_value(seed, c.name, i, c.center, c.half)).epsilon(1e-6).margin(1e-7));
      CHECK(counter_uniform(seed, c.name, i) ==
            (my_value(seed, c.name, i, 0, 1) + 1) / 2);  // u itself, exactly
    }
  }
}

TEST_CASE("an outside tool regenerates synthetic weights from the documented formula",
          "[synthetic]") {
  if (access("/usr/bin/python3", X_OK) != 0) {
    WARN("skipped: /usr/bin/python3 is not installed");
    return;
  }
  const Graph g = graph(tiny_llama(), Phase::Prefill, 1, 8, 0);
  const uint64_t seed = 42;
  const std::string name = names::layer(0, "attn.k.weight");  // [32, 64]: half-width √(3/64)
  const TensorSet set = synthetic_constants(g, seed);
  const auto& v = set.at(name).f32;

  const std::string script =
      "import math\n"
      "M = (1 << 64) - 1\n"
      "def sm(x):\n"
      "    x = (x + 0x9e3779b97f4a7c15) & M\n"
      "    x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & M\n"
      "    x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & M\n"
      "    return x ^ (x >> 31)\n"
      "def fnv(s):\n"
      "    h = 0xcbf29ce484222325\n"
      "    for c in s.encode():\n"
      "        h = ((h ^ c) * 0x100000001b3) & M\n"
      "    return h\n"
      "key = sm(" + std::to_string(seed) + " ^ fnv(\"" + name + "\"))\n"
      "half = math.sqrt(3 / 64)\n"
      "for i in range(5):\n"
      "    u = (sm((key + i * 0x9e3779b97f4a7c15) & M) >> 40) * 2.0 ** -24\n"
      "    print(\"%.17g\" % (0.0 + half * (2 * u - 1)))\n";
  FILE* p = popen(("/usr/bin/python3 -c '" + script + "'").c_str(), "r");
  REQUIRE(p);
  std::string text;
  char buf[256];
  while (size_t n = fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  REQUIRE(pclose(p) == 0);

  std::istringstream in(text);
  std::vector<double> py;
  for (double x; in >> x;) py.push_back(x);
  REQUIRE(py.size() == 5);
  for (size_t i = 0; i < 5; ++i) {
    INFO("element " << i << ": python " << py[i] << ", infermark " << v[i]);
    CHECK(double(v[i]) == Approx(py[i]).epsilon(1e-6).margin(1e-7));
  }
}

TEST_CASE("projection weights have std 1/sqrt(in)", "[synthetic]") {
  const Graph g = graph(tiny_llama(), Phase::Prefill, 1, 4, 0);
  const TensorSet set = synthetic_constants(g, 7);
  for (const auto& [name, in] : std::vector<std::pair<std::string, double>>{
           {names::layer(0, "ffn.gate.weight"), 64},  // [160, 64]
           {names::layer(0, "ffn.up.weight"), 64},
           {names::layer(1, "ffn.down.weight"), 160},  // [64, 160]
           {names::lm_head, 64}}) {                    // [97, 64]
    INFO(name);
    const double s = sample_std(set.at(name).f32);
    CHECK(s == Approx(1 / std::sqrt(in)).epsilon(0.05));
  }
}

TEST_CASE("synthetic inputs: token ids in range, positions after the context, types zero",
          "[synthetic]") {
  SECTION("decoder, decode step of 4 tokens after a context of 5") {
    const ModelConfig m = tiny_llama();
    const Graph g = graph(m, Phase::Decode, 3, 4, 5);
    const TensorSet set = synthetic_constants(g, 99);
    const auto& ids = set.at(names::token_ids).i32;
    const auto& pos = set.at(names::position_ids).i32;
    REQUIRE(ids.size() == 12);
    REQUIRE(pos.size() == 12);
    std::set<int32_t> distinct;
    for (size_t r = 0; r < 12; ++r) {
      CHECK(ids[r] >= 0);
      CHECK(ids[r] < m.vocab);
      distinct.insert(ids[r]);
      CHECK(pos[r] == 5 + int32_t(r % 4));  // row = b * seq + s sits at context + s
    }
    CHECK(distinct.size() > 1);
    // The KV cache state is generated too, [B*(C+S), kv_width].
    CHECK(set.at(names::cache_k(1)).shape == std::vector<int64_t>{3 * 9, 32});
    CHECK(set.at(names::cache_k(1)).f32.size() == size_t(3 * 9 * 32));
  }
  SECTION("encoder") {
    const ModelConfig m = tiny_bert();
    const Graph g = graph(m, Phase::Encode, 2, 30, 0);
    const TensorSet set = synthetic_constants(g, 5);
    const auto& types = set.at(names::token_type_ids).i32;
    const auto& pos = set.at(names::position_ids).i32;
    const auto& ids = set.at(names::token_ids).i32;
    REQUIRE(types.size() == 60);
    for (size_t r = 0; r < 60; ++r) {
      CHECK(types[r] == 0);
      CHECK(pos[r] == int32_t(r % 30));
      CHECK(ids[r] >= 0);
      CHECK(ids[r] < m.vocab);
    }
  }
}

TEST_CASE("add_synthetic_inputs fills only inputs and state", "[synthetic]") {
  const Graph g = graph(tiny_llama(), Phase::Decode, 1, 1, 3);
  TensorSet set;
  add_synthetic_inputs(g, 42, set);
  const TensorSet full = synthetic_constants(g, 42);
  for (const auto& t : g.tensors) {
    INFO(t.name);
    const bool expected = t.role == TensorRole::Input || t.role == TensorRole::State;
    CHECK(set.has(t.name) == expected);
    if (expected) {
      CHECK(set.at(t.name).f32 == full.at(t.name).f32);
      CHECK(set.at(t.name).i32 == full.at(t.name).i32);
    }
  }
}
