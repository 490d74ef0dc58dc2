// ModelConfig: the dimensions and conventions of one transformer family member (DESIGN.md §2).
// Built-in configs cover BERT, GPT-2 and Llama-style models; suites may define their own inline.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace infermark {

enum class Family { Encoder, Decoder };
enum class NormKind { LayerNorm, RMSNorm };
enum class Activation { Gelu, GeluTanh, SiluGlu };
enum class Position { Learned, Rope };

struct ModelConfig {
  std::string name;
  Family family = Family::Encoder;
  int hidden = 0;
  int heads = 0;
  int kv_heads = 0;   // GQA: each KV head serves heads / kv_heads consecutive query heads
  int head_dim = 0;   // hidden / heads unless given
  int ffn = 0;
  int layers = 0;
  int vocab = 0;
  NormKind norm = NormKind::LayerNorm;
  Activation activation = Activation::Gelu;
  Position position = Position::Learned;
  int max_seq = 0;
  double norm_eps = 1e-12;
  double rope_theta = 10000.0;
  int type_vocab = 0;          // encoders only (token type embeddings); 0 for decoders
  bool tied_embeddings = false;  // LM head reads the token embedding (GPT-2)
  bool attention_bias = false;   // q/k/v/o projections carry biases (BERT, GPT-2), not Llama
  bool mlp_bias = false;         // FFN projections carry biases (BERT, GPT-2), not Llama
};

std::string to_string(Family);
std::string to_string(NormKind);
std::string to_string(Activation);
std::string to_string(Position);

// The built-in models by name: bert-base, bert-large, gpt2, llama-1.1b, llama-8b.
const std::map<std::string, ModelConfig>& builtin_models();

// Parses an inline model definition; `file` and `pointer` locate it for error messages.
// Unknown keys, wrong types and inconsistent dimensions throw a BadInput Error.
ModelConfig model_from_json(const std::string& name, const nlohmann::json& j,
                            const std::string& file, const std::string& pointer);

// Throws BadInput when dimensions are inconsistent (heads ∤ hidden, kv_heads ∤ heads, …).
void validate_model(const ModelConfig& m, const std::string& file, const std::string& pointer);

nlohmann::ordered_json model_to_json(const ModelConfig& m);

}  // namespace infermark
