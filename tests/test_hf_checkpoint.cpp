// Hugging Face checkpoint loading: tiny BERT, GPT-2 and Llama files in HF naming and layout are
// loaded for lowered graphs; every value must land in the right canonical tensor and orientation.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <unistd.h>

#include "common/error.hpp"
#include "suites/graph.hpp"
#include "suites/hf_checkpoint.hpp"
#include "suites/safetensors.hpp"

using namespace infermark;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("im_hf_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

using Tensors = std::map<std::string, HostTensor>;

// Element k of the file's n-th tensor is n·10000 + k: every value in a file is distinct, exact in
// f32, and says where it came from.
struct FileBuilder {
  Tensors tensors;
  int next = 1;
  void add(const std::string& name, std::vector<int64_t> shape) {
    HostTensor t;
    t.shape = std::move(shape);
    for (int64_t k = 0; k < t.numel(); ++k) t.f32.push_back(float(next * 10000 + k));
    ++next;
    tensors[name] = std::move(t);
  }
};

Graph graph_for(const ModelConfig& m, Phase phase, int layers) {
  Workload w;
  w.model = m;
  w.phase = phase;
  w.batch = 1;
  w.seq = 3;
  w.layers = layers;
  return lower(w);
}

std::set<std::string> weight_names(const Graph& g) {
  std::set<std::string> out;
  for (const auto& t : g.tensors)
    if (t.role == TensorRole::Weight) out.insert(t.name);
  return out;
}

std::set<std::string> loaded_names(const TensorSet& s) {
  std::set<std::string> out;
  for (const auto& [name, t] : s.tensors) out.insert(name);
  return out;
}

std::string bad_input_message(const std::string& path, const Graph& g) {
  try {
    load_hf_weights(path, g);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    return e.what();
  }
  FAIL("expected a BadInput error loading " << path);
  return "";
}

ModelConfig tiny_bert() {
  ModelConfig m;
  m.name = "tiny-bert";
  m.family = Family::Encoder;
  m.hidden = 8;
  m.heads = 2;
  m.kv_heads = 2;
  m.head_dim = 4;
  m.ffn = 16;
  m.layers = 2;
  m.vocab = 11;
  m.norm = NormKind::LayerNorm;
  m.activation = Activation::Gelu;
  m.position = Position::Learned;
  m.max_seq = 6;
  m.type_vocab = 2;
  m.attention_bias = true;
  m.mlp_bias = true;
  return m;
}

// HF BERT tensors for tiny_bert; `ln_old` uses the TF-era gamma/beta LayerNorm names.
FileBuilder bert_file(const std::string& prefix, bool ln_old) {
  FileBuilder f;
  const std::string w = ln_old ? ".gamma" : ".weight", b = ln_old ? ".beta" : ".bias";
  f.add(prefix + "embeddings.word_embeddings.weight", {11, 8});
  f.add(prefix + "embeddings.position_embeddings.weight", {6, 8});
  f.add(prefix + "embeddings.token_type_embeddings.weight", {2, 8});
  f.add(prefix + "embeddings.LayerNorm" + w, {8});
  f.add(prefix + "embeddings.LayerNorm" + b, {8});
  for (int i = 0; i < 2; ++i) {
    const std::string L = prefix + "encoder.layer." + std::to_string(i) + ".";
    for (const char* m : {"attention.self.query", "attention.self.key", "attention.self.value",
                          "attention.output.dense"}) {
      f.add(L + m + ".weight", {8, 8});
      f.add(L + m + ".bias", {8});
    }
    f.add(L + "attention.output.LayerNorm" + w, {8});
    f.add(L + "attention.output.LayerNorm" + b, {8});
    f.add(L + "intermediate.dense.weight", {16, 8});
    f.add(L + "intermediate.dense.bias", {16});
    f.add(L + "output.dense.weight", {8, 16});
    f.add(L + "output.dense.bias", {8});
    f.add(L + "output.LayerNorm" + w, {8});
    f.add(L + "output.LayerNorm" + b, {8});
  }
  f.add(prefix + "pooler.dense.weight", {8, 8});  // present in real files, not in the graph
  return f;
}

// Canonical name → HF name for BERT, written out by hand (no transposes in BERT).
std::map<std::string, std::string> bert_pairs(const std::string& prefix, bool ln_old) {
  const std::string w = ln_old ? ".gamma" : ".weight", b = ln_old ? ".beta" : ".bias";
  std::map<std::string, std::string> p = {
      {"embed.token", "embeddings.word_embeddings.weight"},
      {"embed.position", "embeddings.position_embeddings.weight"},
      {"embed.type", "embeddings.token_type_embeddings.weight"},
      {"embed.norm.weight", "embeddings.LayerNorm" + w},
      {"embed.norm.bias", "embeddings.LayerNorm" + b}};
  for (int i = 0; i < 2; ++i) {
    const std::string c = "layer." + std::to_string(i) + ".";
    const std::string h = "encoder.layer." + std::to_string(i) + ".";
    for (const char* s : {".weight", ".bias"}) {
      p[c + "attn.q" + s] = h + "attention.self.query" + s;
      p[c + "attn.k" + s] = h + "attention.self.key" + s;
      p[c + "attn.v" + s] = h + "attention.self.value" + s;
      p[c + "attn.o" + s] = h + "attention.output.dense" + s;
      p[c + "ffn.up" + s] = h + "intermediate.dense" + s;
      p[c + "ffn.down" + s] = h + "output.dense" + s;
    }
    p[c + "attn_norm.weight"] = h + "attention.output.LayerNorm" + w;
    p[c + "attn_norm.bias"] = h + "attention.output.LayerNorm" + b;
    p[c + "ffn_norm.weight"] = h + "output.LayerNorm" + w;
    p[c + "ffn_norm.bias"] = h + "output.LayerNorm" + b;
  }
  for (auto& [c, h] : p) h = prefix + h;
  return p;
}

ModelConfig tiny_gpt2() {
  ModelConfig m;
  m.name = "tiny-gpt2";
  m.family = Family::Decoder;
  m.hidden = 8;
  m.heads = 2;
  m.kv_heads = 2;
  m.head_dim = 4;
  m.ffn = 16;
  m.layers = 2;
  m.vocab = 13;
  m.norm = NormKind::LayerNorm;
  m.activation = Activation::GeluTanh;
  m.position = Position::Learned;
  m.max_seq = 7;
  m.norm_eps = 1e-5;
  m.tied_embeddings = true;
  m.attention_bias = true;
  m.mlp_bias = true;
  return m;
}

// HF GPT-2 tensors: Conv1D weights are [in, out]; c_attn packs q, k, v along out.
FileBuilder gpt2_file(const std::string& prefix) {
  FileBuilder f;
  f.add(prefix + "wte.weight", {13, 8});
  f.add(prefix + "wpe.weight", {7, 8});
  for (int i = 0; i < 2; ++i) {
    const std::string L = prefix + "h." + std::to_string(i) + ".";
    f.add(L + "ln_1.weight", {8});
    f.add(L + "ln_1.bias", {8});
    f.add(L + "attn.c_attn.weight", {8, 24});
    f.add(L + "attn.c_attn.bias", {24});
    f.add(L + "attn.c_proj.weight", {8, 8});
    f.add(L + "attn.c_proj.bias", {8});
    f.add(L + "ln_2.weight", {8});
    f.add(L + "ln_2.bias", {8});
    f.add(L + "mlp.c_fc.weight", {8, 16});
    f.add(L + "mlp.c_fc.bias", {16});
    f.add(L + "mlp.c_proj.weight", {16, 8});
    f.add(L + "mlp.c_proj.bias", {8});
  }
  f.add(prefix + "ln_f.weight", {8});
  f.add(prefix + "ln_f.bias", {8});
  return f;
}

ModelConfig tiny_llama() {
  ModelConfig m;
  m.name = "tiny-llama";
  m.family = Family::Decoder;
  m.hidden = 8;
  m.heads = 4;
  m.kv_heads = 2;
  m.head_dim = 2;
  m.ffn = 12;
  m.layers = 2;
  m.vocab = 10;
  m.norm = NormKind::RMSNorm;
  m.activation = Activation::SiluGlu;
  m.position = Position::Rope;
  m.max_seq = 16;
  m.norm_eps = 1e-5;
  return m;
}

FileBuilder llama_file(bool with_head) {
  FileBuilder f;
  f.add("model.embed_tokens.weight", {10, 8});
  for (int i = 0; i < 2; ++i) {
    const std::string L = "model.layers." + std::to_string(i) + ".";
    f.add(L + "self_attn.q_proj.weight", {8, 8});
    f.add(L + "self_attn.k_proj.weight", {4, 8});
    f.add(L + "self_attn.v_proj.weight", {4, 8});
    f.add(L + "self_attn.o_proj.weight", {8, 8});
    f.add(L + "mlp.gate_proj.weight", {12, 8});
    f.add(L + "mlp.up_proj.weight", {12, 8});
    f.add(L + "mlp.down_proj.weight", {8, 12});
    f.add(L + "input_layernorm.weight", {8});
    f.add(L + "post_attention_layernorm.weight", {8});
    f.add(L + "self_attn.rotary_emb.inv_freq", {1});  // a buffer some files carry; unused
  }
  f.add("model.norm.weight", {8});
  if (with_head) f.add("lm_head.weight", {10, 8});
  return f;
}

void check_same(const TensorSet& s, const std::string& canonical, const HostTensor& hf) {
  INFO(canonical);
  REQUIRE(s.has(canonical));
  CHECK(s.at(canonical).shape == hf.shape);
  CHECK(s.at(canonical).f32 == hf.f32);
}

}  // namespace

TEST_CASE("hf: BERT names load one-to-one, with or without the bert. prefix and gamma/beta") {
  TempDir dir;
  const Graph g = graph_for(tiny_bert(), Phase::Encode, 2);
  for (auto [prefix, ln_old] : {std::pair<std::string, bool>{"", false}, {"bert.", false},
                                {"bert.", true}}) {
    INFO("prefix '" << prefix << "', gamma/beta " << ln_old);
    FileBuilder f = bert_file(prefix, ln_old);
    const std::string path = dir.file("bert.safetensors");
    write_safetensors(path, f.tensors);
    TensorSet s = load_hf_weights(path, g);
    CHECK(s.source == "safetensors:" + path);
    const auto pairs = bert_pairs(prefix, ln_old);
    CHECK(loaded_names(s) == weight_names(g));
    CHECK(pairs.size() == weight_names(g).size());
    for (const auto& [canonical, hf] : pairs) check_same(s, canonical, f.tensors.at(hf));
  }
}

TEST_CASE("hf: GPT-2 Conv1D weights are transposed and c_attn is split into q, k, v") {
  TempDir dir;
  for (const std::string prefix : {"", "transformer."}) {
    INFO("prefix '" << prefix << "'");
    FileBuilder f = gpt2_file(prefix);
    const std::string path = dir.file("gpt2.safetensors");
    write_safetensors(path, f.tensors);
    // One layer of the two in the file: layer 1 must not be loaded.
    const Graph g = graph_for(tiny_gpt2(), Phase::Prefill, 1);
    TensorSet s = load_hf_weights(path, g);
    CHECK(loaded_names(s) == weight_names(g));
    CHECK_FALSE(s.has("layer.1.attn.q.weight"));
    CHECK_FALSE(s.has("lm_head.weight"));  // tied to wte

    auto hf = [&](const std::string& n) { return f.tensors.at(prefix + n).f32; };
    auto at = [&](const std::string& n) { return s.at(n).f32; };
    check_same(s, "embed.token", f.tensors.at(prefix + "wte.weight"));
    check_same(s, "embed.position", f.tensors.at(prefix + "wpe.weight"));
    check_same(s, "layer.0.attn_norm.weight", f.tensors.at(prefix + "h.0.ln_1.weight"));
    check_same(s, "layer.0.attn_norm.bias", f.tensors.at(prefix + "h.0.ln_1.bias"));
    check_same(s, "layer.0.ffn_norm.weight", f.tensors.at(prefix + "h.0.ln_2.weight"));
    check_same(s, "layer.0.ffn_norm.bias", f.tensors.at(prefix + "h.0.ln_2.bias"));
    check_same(s, "final_norm.weight", f.tensors.at(prefix + "ln_f.weight"));
    check_same(s, "final_norm.bias", f.tensors.at(prefix + "ln_f.bias"));

    // c_attn is [in = 8, out = 24]; q takes out 0..7, k 8..15, v 16..23; canonical is [out, in].
    const auto c_attn = hf("h.0.attn.c_attn.weight"), c_attn_b = hf("h.0.attn.c_attn.bias");
    const auto q = at("layer.0.attn.q.weight"), k = at("layer.0.attn.k.weight"),
               v = at("layer.0.attn.v.weight");
    for (const auto& name : {"layer.0.attn.q.weight", "layer.0.attn.k.weight",
                             "layer.0.attn.v.weight", "layer.0.attn.o.weight"})
      CHECK(s.at(name).shape == std::vector<int64_t>{8, 8});
    for (int o = 0; o < 8; ++o) {
      for (int i = 0; i < 8; ++i) {
        CHECK(q[o * 8 + i] == c_attn[i * 24 + o]);
        CHECK(k[o * 8 + i] == c_attn[i * 24 + 8 + o]);
        CHECK(v[o * 8 + i] == c_attn[i * 24 + 16 + o]);
      }
      CHECK(at("layer.0.attn.q.bias")[o] == c_attn_b[o]);
      CHECK(at("layer.0.attn.k.bias")[o] == c_attn_b[8 + o]);
      CHECK(at("layer.0.attn.v.bias")[o] == c_attn_b[16 + o]);
    }
    // Spot values from the generator: file tensor n, element k = n·10000 + k.
    CHECK(q[1 * 8 + 2] == c_attn[2 * 24 + 1]);
    CHECK(q[1 * 8 + 2] - c_attn[0] == 2 * 24 + 1);

    const auto c_proj = hf("h.0.attn.c_proj.weight"), o_w = at("layer.0.attn.o.weight");
    for (int o = 0; o < 8; ++o)
      for (int i = 0; i < 8; ++i) CHECK(o_w[o * 8 + i] == c_proj[i * 8 + o]);
    CHECK(at("layer.0.attn.o.bias") == hf("h.0.attn.c_proj.bias"));

    const auto c_fc = hf("h.0.mlp.c_fc.weight"), up = at("layer.0.ffn.up.weight");
    REQUIRE(s.at("layer.0.ffn.up.weight").shape == std::vector<int64_t>{16, 8});
    for (int o = 0; o < 16; ++o)
      for (int i = 0; i < 8; ++i) CHECK(up[o * 8 + i] == c_fc[i * 16 + o]);
    CHECK(at("layer.0.ffn.up.bias") == hf("h.0.mlp.c_fc.bias"));

    const auto mlp_proj = hf("h.0.mlp.c_proj.weight"), down = at("layer.0.ffn.down.weight");
    REQUIRE(s.at("layer.0.ffn.down.weight").shape == std::vector<int64_t>{8, 16});
    for (int o = 0; o < 8; ++o)
      for (int i = 0; i < 16; ++i) CHECK(down[o * 16 + i] == mlp_proj[i * 8 + o]);
    CHECK(at("layer.0.ffn.down.bias") == hf("h.0.mlp.c_proj.bias"));
  }
}

TEST_CASE("hf: Llama names load with GQA shapes, untied or tied LM head") {
  TempDir dir;
  FileBuilder f = llama_file(true);
  const std::string path = dir.file("llama.safetensors");
  write_safetensors(path, f.tensors);
  const Graph g = graph_for(tiny_llama(), Phase::Prefill, 2);
  TensorSet s = load_hf_weights(path, g);
  CHECK(loaded_names(s) == weight_names(g));
  check_same(s, "embed.token", f.tensors.at("model.embed_tokens.weight"));
  check_same(s, "final_norm.weight", f.tensors.at("model.norm.weight"));
  check_same(s, "lm_head.weight", f.tensors.at("lm_head.weight"));
  for (int i = 0; i < 2; ++i) {
    const std::string c = "layer." + std::to_string(i) + ".";
    const std::string h = "model.layers." + std::to_string(i) + ".";
    check_same(s, c + "attn.q.weight", f.tensors.at(h + "self_attn.q_proj.weight"));
    check_same(s, c + "attn.k.weight", f.tensors.at(h + "self_attn.k_proj.weight"));
    check_same(s, c + "attn.v.weight", f.tensors.at(h + "self_attn.v_proj.weight"));
    check_same(s, c + "attn.o.weight", f.tensors.at(h + "self_attn.o_proj.weight"));
    check_same(s, c + "ffn.gate.weight", f.tensors.at(h + "mlp.gate_proj.weight"));
    check_same(s, c + "ffn.up.weight", f.tensors.at(h + "mlp.up_proj.weight"));
    check_same(s, c + "ffn.down.weight", f.tensors.at(h + "mlp.down_proj.weight"));
    check_same(s, c + "attn_norm.weight", f.tensors.at(h + "input_layernorm.weight"));
    check_same(s, c + "ffn_norm.weight", f.tensors.at(h + "post_attention_layernorm.weight"));
  }

  // A checkpoint without lm_head.weight: an error with a hint for an untied config, fine for a
  // tied one (whose graph reads the token embedding instead).
  FileBuilder tied = llama_file(false);
  const std::string tied_path = dir.file("tied.safetensors");
  write_safetensors(tied_path, tied.tensors);
  std::string msg = bad_input_message(tied_path, g);
  CHECK_THAT(msg, Catch::Contains("lm_head.weight"));
  CHECK_THAT(msg, Catch::Contains("tied_embeddings"));
  ModelConfig tied_model = tiny_llama();
  tied_model.tied_embeddings = true;
  const Graph tg = graph_for(tied_model, Phase::Prefill, 2);
  TensorSet ts = load_hf_weights(tied_path, tg);
  CHECK_FALSE(ts.has("lm_head.weight"));
  check_same(ts, "embed.token", tied.tensors.at("model.embed_tokens.weight"));
}

TEST_CASE("hf: shape mismatches and missing tensors name both sides") {
  TempDir dir;
  const std::string path = dir.file("x.safetensors");

  SECTION("BERT query with the wrong shape") {
    FileBuilder f = bert_file("", false);
    f.add("encoder.layer.1.attention.self.query.weight", {10, 8});  // replaces [8, 8]
    write_safetensors(path, f.tensors);
    std::string msg = bad_input_message(path, graph_for(tiny_bert(), Phase::Encode, 2));
    CHECK_THAT(msg, Catch::Contains(path));
    CHECK_THAT(msg, Catch::Contains("/encoder.layer.1.attention.self.query.weight"));
    CHECK_THAT(msg, Catch::Contains("layer.1.attn.q.weight"));
    CHECK_THAT(msg, Catch::Contains("expected [8, 8] (from the model config), file has [10, 8]"));
  }
  SECTION("GPT-2 packed c_attn too narrow for q, k and v") {
    FileBuilder f = gpt2_file("");
    f.add("h.0.attn.c_attn.weight", {8, 16});
    write_safetensors(path, f.tensors);
    std::string msg = bad_input_message(path, graph_for(tiny_gpt2(), Phase::Prefill, 1));
    CHECK_THAT(msg, Catch::Contains("h.0.attn.c_attn.weight"));
    CHECK_THAT(msg, Catch::Contains("expected [8, 24] (from the model config), file has [8, 16]"));
  }
  SECTION("a GPT-2 Conv1D weight stored as a Linear [out, in]") {
    FileBuilder f = gpt2_file("");
    f.add("h.0.mlp.c_fc.weight", {16, 8});
    write_safetensors(path, f.tensors);
    std::string msg = bad_input_message(path, graph_for(tiny_gpt2(), Phase::Prefill, 1));
    CHECK_THAT(msg, Catch::Contains("layer.0.ffn.up.weight"));
    CHECK_THAT(msg, Catch::Contains("expected [8, 16] (from the model config), file has [16, 8]"));
  }
  SECTION("a missing BERT tensor lists the names tried") {
    FileBuilder f = bert_file("bert.", false);
    f.tensors.erase("bert.encoder.layer.1.output.LayerNorm.bias");
    write_safetensors(path, f.tensors);
    std::string msg = bad_input_message(path, graph_for(tiny_bert(), Phase::Encode, 2));
    CHECK_THAT(msg, Catch::Contains("layer.1.ffn_norm.bias"));
    CHECK_THAT(msg, Catch::Contains("bert.encoder.layer.1.output.LayerNorm.bias"));
    CHECK_THAT(msg, Catch::Contains("bert.encoder.layer.1.output.LayerNorm.beta"));
  }
  SECTION("a file of another family: the embedding is not found under any prefix") {
    write_safetensors(path, llama_file(true).tensors);
    std::string msg = bad_input_message(path, graph_for(tiny_gpt2(), Phase::Prefill, 1));
    CHECK_THAT(msg, Catch::Contains("wte.weight, transformer.wte.weight"));
    CHECK_THAT(msg, Catch::Contains("GPT-2 naming"));
  }
  SECTION("the checkpoint has fewer layers than the workload runs") {
    ModelConfig m = tiny_llama();
    m.layers = 3;
    write_safetensors(path, llama_file(true).tensors);
    std::string msg = bad_input_message(path, graph_for(m, Phase::Prefill, 3));
    CHECK_THAT(msg, Catch::Contains("model.layers.2."));
  }
  SECTION("a truncated file is reported by the reader") {
    write_safetensors(path, gpt2_file("").tensors);
    fs::resize_file(path, fs::file_size(path) - 4);
    std::string msg = bad_input_message(path, graph_for(tiny_gpt2(), Phase::Prefill, 1));
    CHECK_THAT(msg, Catch::Contains("data truncated"));
  }
}

TEST_CASE("hf: naming scheme follows the model config") {
  CHECK(hf_scheme_for(tiny_bert()) == HfScheme::Bert);
  CHECK(hf_scheme_for(tiny_gpt2()) == HfScheme::Gpt2);
  CHECK(hf_scheme_for(tiny_llama()) == HfScheme::Llama);
  ModelConfig m = tiny_gpt2();
  m.activation = Activation::SiluGlu;  // GPT-2 naming has no gate projection
  TempDir dir;
  const std::string path = dir.file("g.safetensors");
  write_safetensors(path, gpt2_file("").tensors);
  std::string msg = bad_input_message(path, graph_for(m, Phase::Prefill, 1));
  CHECK_THAT(msg, Catch::Contains("layer.0.ffn.gate.weight"));
  CHECK_THAT(msg, Catch::Contains("GPT-2 checkpoints do not have"));
}
