#include "suites/model_config.hpp"

namespace infermark {

std::string to_string(Family f) { return f == Family::Encoder ? "encoder" : "decoder"; }
std::string to_string(NormKind n) { return n == NormKind::LayerNorm ? "layernorm" : "rmsnorm"; }
std::string to_string(Position p) { return p == Position::Learned ? "learned" : "rope"; }
std::string to_string(Activation a) {
  switch (a) {
    case Activation::Gelu: return "gelu";
    case Activation::GeluTanh: return "gelu_tanh";
    case Activation::SiluGlu: return "silu_glu";
  }
  return "?";
}

namespace {

ModelConfig bert(const std::string& name, int hidden, int heads, int ffn, int layers) {
  ModelConfig m;
  m.name = name;
  m.family = Family::Encoder;
  m.hidden = hidden;
  m.heads = m.kv_heads = heads;
  m.head_dim = hidden / heads;
  m.ffn = ffn;
  m.layers = layers;
  m.vocab = 30522;
  m.norm = NormKind::LayerNorm;
  m.activation = Activation::Gelu;
  m.position = Position::Learned;
  m.max_seq = 512;
  m.norm_eps = 1e-12;
  m.type_vocab = 2;
  m.attention_bias = m.mlp_bias = true;
  return m;
}

ModelConfig llama(const std::string& name, int hidden, int heads, int kv_heads, int ffn, int layers,
                  int vocab, int max_seq, double theta) {
  ModelConfig m;
  m.name = name;
  m.family = Family::Decoder;
  m.hidden = hidden;
  m.heads = heads;
  m.kv_heads = kv_heads;
  m.head_dim = hidden / heads;
  m.ffn = ffn;
  m.layers = layers;
  m.vocab = vocab;
  m.norm = NormKind::RMSNorm;
  m.activation = Activation::SiluGlu;
  m.position = Position::Rope;
  m.max_seq = max_seq;
  m.norm_eps = 1e-5;
  m.rope_theta = theta;
  return m;
}

}  // namespace

const std::map<std::string, ModelConfig>& builtin_models() {
  static const std::map<std::string, ModelConfig> models = [] {
    std::map<std::string, ModelConfig> m;
    m["bert-base"] = bert("bert-base", 768, 12, 3072, 12);
    m["bert-large"] = bert("bert-large", 1024, 16, 4096, 24);
    ModelConfig g;
    g.name = "gpt2";
    g.family = Family::Decoder;
    g.hidden = 768;
    g.heads = g.kv_heads = 12;
    g.head_dim = 64;
    g.ffn = 3072;
    g.layers = 12;
    g.vocab = 50257;
    g.norm = NormKind::LayerNorm;
    g.activation = Activation::GeluTanh;
    g.position = Position::Learned;
    g.max_seq = 1024;
    g.norm_eps = 1e-5;
    g.tied_embeddings = true;
    g.attention_bias = g.mlp_bias = true;
    m["gpt2"] = g;
    // TinyLlama-1.1B dimensions and Llama-3-8B dimensions.
    m["llama-1.1b"] = llama("llama-1.1b", 2048, 32, 4, 5632, 22, 32000, 2048, 10000.0);
    m["llama-8b"] = llama("llama-8b", 4096, 32, 8, 14336, 32, 128256, 8192, 500000.0);
    return m;
  }();
  return models;
}

nlohmann::ordered_json model_to_json(const ModelConfig& m) {
  nlohmann::ordered_json j;
  j["name"] = m.name;
  j["family"] = to_string(m.family);
  j["hidden"] = m.hidden;
  j["heads"] = m.heads;
  j["kv_heads"] = m.kv_heads;
  j["head_dim"] = m.head_dim;
  j["ffn"] = m.ffn;
  j["layers"] = m.layers;
  j["vocab"] = m.vocab;
  j["norm"] = to_string(m.norm);
  j["norm_eps"] = m.norm_eps;
  j["activation"] = to_string(m.activation);
  j["position"] = to_string(m.position);
  j["max_seq"] = m.max_seq;
  if (m.position == Position::Rope) j["rope_theta"] = m.rope_theta;
  if (m.family == Family::Encoder) j["type_vocab"] = m.type_vocab;
  if (m.family == Family::Decoder) j["tied_embeddings"] = m.tied_embeddings;
  j["attention_bias"] = m.attention_bias;
  j["mlp_bias"] = m.mlp_bias;
  return j;
}

}  // namespace infermark
