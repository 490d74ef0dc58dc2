// Reading and checking model definitions written by users (inline models in suite files, and the
// model block of a workload read back from a result).
#include <cmath>

#include "common/error.hpp"
#include "suites/json_fields.hpp"
#include "suites/model_config.hpp"

namespace infermark {

namespace jf = json_fields;

namespace {

bool valid_model_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

ModelConfig model_from_json(const std::string& name, const nlohmann::json& j,
                            const std::string& file, const std::string& pointer) {
  const jf::At at{file, pointer};
  jf::object(j, at);
  jf::check_keys(j, at,
                 {"family", "hidden", "heads", "kv_heads", "head_dim", "ffn", "layers", "vocab",
                  "norm", "activation", "position", "max_seq", "norm_eps", "rope_theta",
                  "type_vocab", "tied_embeddings", "attention_bias", "mlp_bias"});

  auto req = [&](const char* key, const char* what) -> const nlohmann::json& {
    return jf::require(j, at, key, what);
  };
  auto size = [&](const char* key) { return jf::positive_int(req(key, "a positive integer"), at / key); };

  ModelConfig m;
  m.name = name;
  m.family = jf::enum_value(req("family", "encoder or decoder"), at / "family",
                            {Family::Encoder, Family::Decoder});
  m.hidden = size("hidden");
  m.heads = size("heads");
  m.ffn = size("ffn");
  m.layers = size("layers");
  m.vocab = size("vocab");
  m.max_seq = size("max_seq");
  m.norm = jf::enum_value(req("norm", "layernorm or rmsnorm"), at / "norm",
                          {NormKind::LayerNorm, NormKind::RMSNorm});
  m.activation = jf::enum_value(req("activation", "gelu, gelu_tanh or silu_glu"), at / "activation",
                                {Activation::Gelu, Activation::GeluTanh, Activation::SiluGlu});
  m.position = jf::enum_value(req("position", "learned or rope"), at / "position",
                              {Position::Learned, Position::Rope});

  const bool encoder = m.family == Family::Encoder;
  const bool decoder = !encoder;

  m.kv_heads = m.heads;
  if (auto* v = jf::find(j, "kv_heads")) m.kv_heads = jf::positive_int(*v, at / "kv_heads");

  if (auto* v = jf::find(j, "head_dim")) {
    m.head_dim = jf::positive_int(*v, at / "head_dim");
  } else {
    if (m.hidden % m.heads != 0)
      (at / "heads").fail("expected heads to divide hidden (" + std::to_string(m.hidden) + " / " +
                          std::to_string(m.heads) + " is not whole); give head_dim to use heads " +
                          "narrower or wider than hidden / heads");
    m.head_dim = m.hidden / m.heads;
  }

  // BERT-style encoders use 1e-12; GPT-2 and Llama-style decoders 1e-5.
  m.norm_eps = encoder ? 1e-12 : 1e-5;
  if (auto* v = jf::find(j, "norm_eps")) m.norm_eps = jf::positive_number(*v, at / "norm_eps");

  // Keys that mean nothing for this kind of model are errors, not silently ignored settings.
  if (auto* v = jf::find(j, "rope_theta")) {
    if (m.position != Position::Rope)
      (at / "rope_theta").fail("rope_theta applies only to models with position \"rope\"; this "
                               "model uses learned positions");
    m.rope_theta = jf::positive_number(*v, at / "rope_theta");
  }

  m.type_vocab = encoder ? 2 : 0;
  if (auto* v = jf::find(j, "type_vocab")) {
    if (!encoder)
      (at / "type_vocab").fail("type_vocab (token type embeddings) applies only to encoders");
    m.type_vocab = jf::positive_int(*v, at / "type_vocab");
  }

  // GPT-2 ties its LM head to the token embedding (no lm_head.weight); Llama-style models do not.
  m.tied_embeddings = decoder && m.position == Position::Learned;
  if (auto* v = jf::find(j, "tied_embeddings")) {
    if (!decoder)
      (at / "tied_embeddings").fail("encoders have no LM head: tied_embeddings applies only to "
                                    "decoders");
    m.tied_embeddings = jf::boolean(*v, at / "tied_embeddings");
  }

  // BERT and GPT-2 (layernorm) carry projection biases; Llama-style (rmsnorm) models do not.
  m.attention_bias = m.mlp_bias = m.norm == NormKind::LayerNorm;
  if (auto* v = jf::find(j, "attention_bias")) m.attention_bias = jf::boolean(*v, at / "attention_bias");
  if (auto* v = jf::find(j, "mlp_bias")) m.mlp_bias = jf::boolean(*v, at / "mlp_bias");

  validate_model(m, file, pointer);
  return m;
}

void validate_model(const ModelConfig& m, const std::string& file, const std::string& pointer) {
  const jf::At at{file, pointer};
  // Names become the first part of workload ids ("name/phase/…") and of file names.
  if (!valid_model_name(m.name))
    at.fail("expected a model name made of letters, digits, '.', '_' and '-', got \"" + m.name +
            "\"");

  auto positive = [&](const char* key, int v) {
    if (v <= 0) (at / key).fail("expected a positive integer, got " + std::to_string(v));
  };
  positive("hidden", m.hidden);
  positive("heads", m.heads);
  positive("kv_heads", m.kv_heads);
  positive("head_dim", m.head_dim);
  positive("ffn", m.ffn);
  positive("layers", m.layers);
  positive("vocab", m.vocab);
  positive("max_seq", m.max_seq);

  if (m.kv_heads > m.heads || m.heads % m.kv_heads != 0)
    (at / "kv_heads").fail("expected kv_heads to divide heads (" + std::to_string(m.heads) +
                           ") so each KV head serves the same number of query heads, got " +
                           std::to_string(m.kv_heads));
  if (m.position == Position::Rope && m.head_dim % 2 != 0)
    (at / "head_dim").fail("rope rotates pairs of dimensions: expected an even head_dim, got " +
                           std::to_string(m.head_dim) + " (hidden / heads unless head_dim is given)");
  if (!(m.norm_eps > 0) || !std::isfinite(m.norm_eps))
    (at / "norm_eps").fail("expected a positive number, got " + std::to_string(m.norm_eps));
  if (m.position == Position::Rope && (!(m.rope_theta > 0) || !std::isfinite(m.rope_theta)))
    (at / "rope_theta").fail("expected a positive number, got " + std::to_string(m.rope_theta));

  if (m.family == Family::Encoder) {
    // Encoders are BERT-style: post-LN LayerNorm, GELU MLP, learned positions, token types.
    if (m.position != Position::Learned)
      (at / "position").fail("encoders are BERT-style: expected position \"learned\", got \"" +
                             to_string(m.position) + "\" (rope is for decoders)");
    if (m.norm != NormKind::LayerNorm)
      (at / "norm").fail("encoders are BERT-style: expected norm \"layernorm\", got \"" +
                         to_string(m.norm) + "\"");
    if (m.activation == Activation::SiluGlu)
      (at / "activation").fail("encoders are BERT-style: expected activation \"gelu\" or "
                               "\"gelu_tanh\", got \"silu_glu\"");
    if (m.type_vocab <= 0)
      (at / "type_vocab").fail("expected a positive integer, got " + std::to_string(m.type_vocab));
    if (m.tied_embeddings)
      (at / "tied_embeddings").fail("encoders have no LM head: expected tied_embeddings false");
  } else if (m.type_vocab != 0) {
    (at / "type_vocab").fail("type_vocab (token type embeddings) applies only to encoders, got " +
                             std::to_string(m.type_vocab) + " for a decoder");
  }
}

}  // namespace infermark
