// The reference backend's kernels (backends/reference/ops.hpp) on hand-computed cases and
// properties, and the backend itself on tiny hand-built graphs.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "backends/reference/ops.hpp"
#include "backends/reference/reference_backend.hpp"
#include "common/error.hpp"

using namespace infermark;
using Catch::Matchers::Contains;
using Vec = std::vector<double>;

namespace {

Vec random_vec(size_t n, uint64_t seed, double scale = 1.0) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> u(-scale, scale);
  Vec v(n);
  for (auto& x : v) x = u(gen);
  return v;
}

OpAttrs attention_attrs(int batch, int seq, int context, int heads, int kv_heads, int hd,
                        bool causal, bool cached) {
  OpAttrs a;
  a.batch = batch;
  a.seq = seq;
  a.context = context;
  a.heads = heads;
  a.kv_heads = kv_heads;
  a.head_dim = hd;
  a.causal = causal;
  a.cached = cached;
  a.scale = 1.0 / std::sqrt(double(hd));
  return a;
}

// Runs attention without a cache, allocating its own scratch.
Vec attend(const Vec& q, const Vec& k, const Vec& v, const OpAttrs& a) {
  Vec out(q.size()), scores(size_t(ref::attention_scratch(a)));
  ref::attention(q, k, v, {}, {}, a, scores, out);
  return out;
}

HostTensor f32_tensor(std::vector<int64_t> shape, std::vector<float> data) {
  return {std::move(shape), DType::F32, std::move(data), {}};
}

// Compiles and runs `g` on the reference backend once.
HostTensor run_graph(const Graph& g, const TensorSet& constants) {
  auto backend = make_reference_backend();
  auto exe = backend->compile(g, constants, backend->devices().at(0), {});
  exe->run();
  exe->sync();
  return exe->output();
}

// A one-op MatMul graph: out [2, 2] = a [2, 3] · w [2, 3]ᵀ + bias [2].
Graph matmul_graph() {
  Graph g;
  g.tensors = {{"a", {2, 3}, DType::F32, TensorRole::Input},
               {"w", {2, 3}, DType::F32, TensorRole::Weight},
               {"bias", {2}, DType::F32, TensorRole::Weight},
               {"out", {2, 2}, DType::F32, TensorRole::Output}};
  g.ops = {{OpKind::MatMul, "mm", {"a", "w", "bias"}, "out", {}}};
  g.output = "out";
  return g;
}

TensorSet matmul_constants() {
  TensorSet c;
  c.tensors["a"] = f32_tensor({2, 3}, {1, 2, 3, 4, 5, 6});
  c.tensors["w"] = f32_tensor({2, 3}, {1, 0, -1, 2, 1, 0});
  c.tensors["bias"] = f32_tensor({2}, {10, 20});
  return c;
}

}  // namespace

TEST_CASE("matmul with bias matches a hand-computed product", "[reference]") {
  // a·wᵀ = [[1−3, 2+2], [4−6, 8+5]] = [[−2, 4], [−2, 13]]; + bias [10, 20].
  const Vec a{1, 2, 3, 4, 5, 6}, w{1, 0, -1, 2, 1, 0}, bias{10, 20};
  Vec out(4);
  ref::matmul(a, w, bias, 2, 2, 3, out);
  CHECK(out == Vec{8, 24, 8, 33});
  ref::matmul(a, w, {}, 2, 2, 3, out);
  CHECK(out == Vec{-2, 4, -2, 13});

  SECTION("through a compiled graph") {
    const HostTensor t = run_graph(matmul_graph(), matmul_constants());
    CHECK(t.shape == std::vector<int64_t>{2, 2});
    CHECK(t.dtype == DType::F32);
    CHECK(t.f32 == std::vector<float>{8, 24, 8, 33});
  }
}

TEST_CASE("softmax rows sum to one and match hand values", "[reference]") {
  Vec hand(3);
  ref::softmax(Vec{1, 2, 3}, 1, 3, hand);
  CHECK(hand[0] == Approx(0.09003057317038046).epsilon(1e-14));
  CHECK(hand[1] == Approx(0.24472847105479767).epsilon(1e-14));
  CHECK(hand[2] == Approx(0.6652409557748219).epsilon(1e-14));

  // Large logits must not overflow: two equal maxima share the mass.
  Vec big(2);
  ref::softmax(Vec{1000, 1000}, 1, 2, big);
  CHECK(big == Vec{0.5, 0.5});

  const Vec x = random_vec(4 * 17, 1, 8.0);
  Vec p(x.size());
  ref::softmax(x, 4, 17, p);
  for (int r = 0; r < 4; ++r) {
    double sum = 0;
    for (int c = 0; c < 17; ++c) sum += p[r * 17 + c];
    CHECK(sum == Approx(1.0).epsilon(1e-14));
  }
}

TEST_CASE("layer norm gives mean 0 and variance 1, then applies gamma and beta", "[reference]") {
  Vec out(4);
  ref::layer_norm(Vec{1, 2, 3, 4}, Vec(4, 1.0), Vec(4, 0.0), 1, 4, 0.0, out);
  // mean 2.5, variance 1.25.
  CHECK(out[0] == Approx(-1.3416407864998738).epsilon(1e-14));
  CHECK(out[1] == Approx(-0.4472135954999579).epsilon(1e-14));
  CHECK(out[2] == Approx(0.4472135954999579).epsilon(1e-14));
  CHECK(out[3] == Approx(1.3416407864998738).epsilon(1e-14));

  const int rows = 3, cols = 19;
  Vec x = random_vec(rows * cols, 2, 4.0);
  for (auto& v : x) v += 7.0;  // an offset the normalisation must remove
  Vec plain(x.size()), scaled(x.size());
  ref::layer_norm(x, Vec(cols, 1.0), Vec(cols, 0.0), rows, cols, 0.0, plain);
  for (int r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (int c = 0; c < cols; ++c) mean += plain[r * cols + c] / cols;
    for (int c = 0; c < cols; ++c) var += std::pow(plain[r * cols + c] - mean, 2) / cols;
    CHECK(std::abs(mean) < 1e-14);
    CHECK(var == Approx(1.0).epsilon(1e-13));
  }
  const Vec gamma = random_vec(cols, 3), beta = random_vec(cols, 4);
  ref::layer_norm(x, gamma, beta, rows, cols, 0.0, scaled);
  for (int i = 0; i < rows * cols; ++i) {
    CHECK(scaled[i] == Approx(plain[i] * gamma[i % cols] + beta[i % cols]).margin(1e-14));
  }

  // eps enters under the square root: variance 1.25 + eps 0.75 → divide by √2.
  ref::layer_norm(Vec{1, 2, 3, 4}, Vec(4, 1.0), Vec(4, 0.0), 1, 4, 0.75, out);
  CHECK(out[3] == Approx(1.5 / std::sqrt(2.0)).epsilon(1e-14));
}

TEST_CASE("rms norm matches a hand case", "[reference]") {
  // x = [3, 4]: mean(x²) = 12.5, rms = √12.5; gamma = [1, 2].
  Vec out(2);
  ref::rms_norm(Vec{3, 4}, Vec{1, 2}, 1, 2, 0.0, out);
  CHECK(out[0] == Approx(0.848528137423857).epsilon(1e-14));
  CHECK(out[1] == Approx(2.262741699796952).epsilon(1e-14));
  // With eps = 3.5: √(12.5 + 3.5) = 4.
  ref::rms_norm(Vec{3, 4}, Vec{1, 2}, 1, 2, 3.5, out);
  CHECK(out == Vec{0.75, 2.0});
}

TEST_CASE("gelu, gelu_tanh and silu match known values", "[reference]") {
  Vec g(3);
  ref::gelu(Vec{1, -1, 0}, g);
  CHECK(g[0] == Approx(0.8413447460685429).epsilon(1e-15));
  CHECK(g[1] == Approx(-0.15865525393145707).epsilon(1e-15));
  CHECK(g[2] == 0.0);

  Vec x(1601);
  for (size_t i = 0; i < x.size(); ++i) x[i] = -8.0 + 0.01 * double(i);
  Vec exact(x.size()), approx(x.size());
  ref::gelu(x, exact);
  ref::gelu_tanh(x, approx);
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(exact[i] - approx[i]));
  CHECK(worst < 1e-3);
  CHECK(worst > 0);  // it is a different formula, not the erf one

  Vec s(3);
  ref::silu(Vec{0, 1, -2}, s);
  CHECK(s[0] == 0.0);
  CHECK(s[1] == Approx(0.7310585786300049).epsilon(1e-15));
  CHECK(s[2] == Approx(-0.2384058440442351).epsilon(1e-15));
}

TEST_CASE("add, mul, embedding and last_token move the right values", "[reference]") {
  Vec out(3);
  ref::add(Vec{1, 2, 3}, Vec{10, 20, 30}, out);
  CHECK(out == Vec{11, 22, 33});
  ref::mul(Vec{1, 2, 3}, Vec{10, 20, 30}, out);
  CHECK(out == Vec{10, 40, 90});

  const Vec table{0, 1, 10, 11, 20, 21};  // [3, 2]
  Vec emb(8);
  ref::embedding(table, 3, 2, std::vector<int32_t>{2, 0, 2, 1}, emb);
  CHECK(emb == Vec{20, 21, 0, 1, 20, 21, 10, 11});
  CHECK_THROWS_AS(
      ref::embedding(table, 3, 2, std::vector<int32_t>{3}, std::span<double>(emb).first(2)), Error);

  // x [2*3, 2], row r = [r, 100 + r]: the last tokens are rows 2 and 5.
  Vec x;
  for (int r = 0; r < 6; ++r) x.insert(x.end(), {double(r), 100.0 + r});
  Vec last(4);
  ref::last_token(x, 2, 3, 2, last);
  CHECK(last == Vec{2, 102, 5, 105});
}

TEST_CASE("rope is the identity at position 0, keeps norms, and rotates pairs (i, i+hd/2)",
          "[reference]") {
  const int heads = 3, hd = 8, rows = 4;
  const Vec x = random_vec(rows * heads * hd, 5);
  const std::vector<int32_t> pos{0, 1, 17, 500};
  Vec out(x.size());
  ref::rope(x, pos, heads, hd, 10000.0, out);
  for (int i = 0; i < heads * hd; ++i) CHECK(out[i] == x[i]);
  for (int r = 0; r < rows; ++r) {
    for (int h = 0; h < heads; ++h) {
      double before = 0, after = 0;
      for (int d = 0; d < hd; ++d) {
        before += std::pow(x[(r * heads + h) * hd + d], 2);
        after += std::pow(out[(r * heads + h) * hd + d], 2);
      }
      CHECK(after == Approx(before).epsilon(1e-13));
    }
  }

  // hd = 4 at position 1: pair (0, 2) turns by 1 rad, pair (1, 3) by 10000^(−1/2) = 0.01 rad.
  Vec one(4);
  ref::rope(Vec{1, 2, 3, 4}, std::vector<int32_t>{1}, 1, 4, 10000.0, one);
  CHECK(one[0] == Approx(-1.9841106485555495).epsilon(1e-14));  // 1·cos 1 − 3·sin 1
  CHECK(one[1] == Approx(1.959900667496664).epsilon(1e-14));    // 2·cos .01 − 4·sin .01
  CHECK(one[2] == Approx(2.4623779024123156).epsilon(1e-14));   // 3·cos 1 + 1·sin 1
  CHECK(one[3] == Approx(4.019799668334994).epsilon(1e-14));    // 4·cos .01 + 2·sin .01
}

TEST_CASE("causal attention at position 0 returns V[0] of each head", "[reference]") {
  const auto a = attention_attrs(2, 3, 0, 2, 2, 4, true, false);
  const Vec q = random_vec(6 * 8, 6), k = random_vec(6 * 8, 7), v = random_vec(6 * 8, 8);
  const Vec out = attend(q, k, v, a);
  for (int b = 0; b < 2; ++b) {
    for (int c = 0; c < 8; ++c) CHECK(out[(b * 3) * 8 + c] == v[(b * 3) * 8 + c]);
  }
}

TEST_CASE("non-causal attention with identical keys averages V", "[reference]") {
  const int seq = 5, width = 2 * 4;
  const auto a = attention_attrs(1, seq, 0, 2, 2, 4, false, false);
  const Vec q = random_vec(seq * width, 9), v = random_vec(seq * width, 10);
  const Vec key = random_vec(width, 11);
  Vec k;
  for (int s = 0; s < seq; ++s) k.insert(k.end(), key.begin(), key.end());
  const Vec out = attend(q, k, v, a);
  for (int s = 0; s < seq; ++s) {
    for (int c = 0; c < width; ++c) {
      double mean = 0;
      for (int t = 0; t < seq; ++t) mean += v[t * width + c] / seq;
      CHECK(out[s * width + c] == Approx(mean).margin(1e-14));
    }
  }
}

TEST_CASE("GQA: query head h reads KV head h / (heads / kv_heads)", "[reference]") {
  // 4 query heads, 2 KV heads, head_dim 2, two tokens, scale 1. Every query is [10, 0].
  // KV head 0's key 0 matches the query, KV head 1's key 1 does, so the heads weigh the
  // two values p : 1 − p (KV head 0) or 1 − p : p (KV head 1), p = 1 / (1 + e^−10).
  auto a = attention_attrs(1, 2, 0, 4, 2, 2, false, false);
  a.scale = 1.0;
  const Vec q{10, 0, 10, 0, 10, 0, 10, 0, 10, 0, 10, 0, 10, 0, 10, 0};
  const Vec k{1, 0, 0, 0, /**/ 0, 0, 1, 0};
  const Vec v{1, 2, 5, 6, /**/ 3, 4, 7, 8};
  const Vec out = attend(q, k, v, a);
  const double p = 1.0 / (1.0 + std::exp(-10.0));
  const Vec kv0{p * 1 + (1 - p) * 3, p * 2 + (1 - p) * 4};
  const Vec kv1{(1 - p) * 5 + p * 7, (1 - p) * 6 + p * 8};
  for (int s = 0; s < 2; ++s) {
    for (int h = 0; h < 4; ++h) {
      const Vec& want = h < 2 ? kv0 : kv1;
      CHECK(out[s * 8 + h * 2] == Approx(want[0]).epsilon(1e-14));
      CHECK(out[s * 8 + h * 2 + 1] == Approx(want[1]).epsilon(1e-14));
    }
  }
}

TEST_CASE("cached attention equals the last rows of full causal attention", "[reference]") {
  const int batch = 2, total = 6, heads = 4, kv_heads = 2, hd = 4;
  const int qw = heads * hd, kvw = kv_heads * hd;
  const Vec q = random_vec(batch * total * qw, 12), k = random_vec(batch * total * kvw, 13),
            v = random_vec(batch * total * kvw, 14);
  const Vec full =
      attend(q, k, v, attention_attrs(batch, total, 0, heads, kv_heads, hd, true, false));

  for (int seq : {1, 2}) {  // a decode step, and a two-token continuation
    INFO("seq " << seq);
    const int context = total - seq;
    auto rows = [&](const Vec& src, int width, int from, int count) {
      Vec out;
      for (int b = 0; b < batch; ++b) {
        auto first = src.begin() + (b * total + from) * width;
        out.insert(out.end(), first, first + count * width);
      }
      return out;
    };
    // The cache holds the first `context` rows of each sequence and garbage after them.
    Vec k_cache = k, v_cache = v;
    for (int b = 0; b < batch; ++b) {
      std::fill_n(k_cache.begin() + (b * total + context) * kvw, seq * kvw, 99.0);
      std::fill_n(v_cache.begin() + (b * total + context) * kvw, seq * kvw, -99.0);
    }
    const auto a = attention_attrs(batch, seq, context, heads, kv_heads, hd, true, true);
    Vec out(batch * seq * qw), scores(size_t(ref::attention_scratch(a)));
    ref::attention(rows(q, qw, context, seq), rows(k, kvw, context, seq),
                   rows(v, kvw, context, seq), k_cache, v_cache, a, scores, out);
    const Vec want = rows(full, qw, context, seq);
    for (size_t i = 0; i < out.size(); ++i) CHECK(out[i] == Approx(want[i]).margin(1e-14));
    CHECK(k_cache == k);  // the new keys and values were written into their slots
    CHECK(v_cache == v);
  }
}

TEST_CASE("a compiled cached-attention graph gives the same output on every run", "[reference]") {
  // One decode step (batch 1, context 2, seq 1); the cache's slot 2 starts as garbage.
  auto a = attention_attrs(1, 1, 2, 1, 1, 2, true, true);
  a.scale = 1.0;
  Graph g;
  g.tensors = {{"q", {1, 2}, DType::F32, TensorRole::Input},
               {"k", {1, 2}, DType::F32, TensorRole::Input},
               {"v", {1, 2}, DType::F32, TensorRole::Input},
               {"kc", {3, 2}, DType::F32, TensorRole::State},
               {"vc", {3, 2}, DType::F32, TensorRole::State},
               {"out", {1, 2}, DType::F32, TensorRole::Output}};
  g.ops = {{OpKind::Attention, "attn", {"q", "k", "v", "kc", "vc"}, "out", a}};
  g.output = "out";
  TensorSet c;
  c.tensors["q"] = f32_tensor({1, 2}, {0, 0});  // zero query: uniform weights over 3 keys
  c.tensors["k"] = f32_tensor({1, 2}, {1, 1});
  c.tensors["v"] = f32_tensor({1, 2}, {6, 9});
  c.tensors["kc"] = f32_tensor({3, 2}, {1, 2, 3, 4, 50, 50});
  c.tensors["vc"] = f32_tensor({3, 2}, {0, 3, 3, 0, 500, 500});

  auto backend = make_reference_backend();
  auto exe = backend->compile(g, c, backend->devices().at(0), {});
  for (int run = 0; run < 3; ++run) {
    exe->run();
    exe->sync();
    CHECK(exe->output().f32 == std::vector<float>{3, 4});  // mean of (0,3), (3,0), (6,9)
  }
  CHECK_FALSE(exe->device_seconds_last().has_value());
}

TEST_CASE("the reference backend describes its device and what ran", "[reference]") {
  auto backend = make_reference_backend();
  CHECK(backend->name() == "reference");
  const auto devices = backend->devices();
  REQUIRE(devices.size() == 1);
  CHECK(devices[0].id == "cpu0");
  CHECK(devices[0].kind == "cpu");
  CHECK_FALSE(devices[0].name.empty());
  CHECK(devices[0].details.at("threads").get<unsigned>() > 0);
  Workload w;
  w.precision = Precision::BF16;  // computed in f64 regardless
  CHECK(backend->supports(w).ok);

  auto exe = backend->compile(matmul_graph(), matmul_constants(), devices[0], {});
  const auto impl = exe->implementation();
  CHECK_THAT(impl.at("gemm").get<std::string>(), Contains("cblas_dgemm") && Contains("OpenBLAS"));
}

TEST_CASE("the reference backend rejects inconsistent graphs with an Internal error",
          "[reference]") {
  auto backend = make_reference_backend();
  const auto device = backend->devices().at(0);
  auto compile_error = [&](const Graph& g, const TensorSet& c) -> std::string {
    try {
      backend->compile(g, c, device, {});
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::Internal);
      return e.what();
    }
    FAIL("compile did not throw");
    return {};
  };

  SECTION("missing constant") {
    TensorSet c = matmul_constants();
    c.tensors.erase("w");
    CHECK_THAT(compile_error(matmul_graph(), c), Contains("'w'") && Contains("missing"));
  }
  SECTION("op input not declared") {
    Graph g = matmul_graph();
    g.ops[0].inputs[1] = "nope";
    CHECK_THAT(compile_error(g, matmul_constants()), Contains("'nope'") && Contains("'mm'"));
  }
  SECTION("constant shape differs from the graph") {
    TensorSet c = matmul_constants();
    c.tensors["w"] = f32_tensor({3, 2}, {1, 0, -1, 2, 1, 0});
    CHECK_THAT(compile_error(matmul_graph(), c), Contains("'w'"));
  }
  SECTION("op shapes do not fit together") {
    Graph g = matmul_graph();
    g.tensors[3].shape = {2, 3};  // out should be [2, 2]
    CHECK_THAT(compile_error(g, matmul_constants()), Contains("'out'") && Contains("[2, 2]"));
  }
}
