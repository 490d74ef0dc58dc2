#include "suites/hf_checkpoint.hpp"

#include <map>
#include <optional>

#include "common/error.hpp"
#include "suites/safetensors.hpp"
#include "suites/tensor_names.hpp"

namespace infermark {
namespace {

// How a canonical tensor is found in a checkpoint.
struct Source {
  std::vector<std::string> names;  // alternatives, first present wins (e.g. weight | gamma)
  bool prefixed = true;            // under the model prefix ("bert.", …); lm_head.weight is not
  bool conv1d = false;             // GPT-2 Conv1D: 2-D weights stored [in, out]
  int split = -1;                  // c_attn: part 0, 1, 2 (q, k, v) of the packed output axis
};

Source one(std::string name) { return {{std::move(name)}}; }

// Canonical "<prefix>.weight|bias" → the same suffix on an HF module; LayerNorms may also use
// TF-era gamma/beta names (older BERT checkpoints).
std::optional<Source> module(const std::string& canonical, const std::string& prefix,
                             const std::string& hf_module, bool layernorm = false) {
  if (canonical == prefix + ".weight") {
    Source s = one(hf_module + ".weight");
    if (layernorm) s.names.push_back(hf_module + ".gamma");
    return s;
  }
  if (canonical == prefix + ".bias") {
    Source s = one(hf_module + ".bias");
    if (layernorm) s.names.push_back(hf_module + ".beta");
    return s;
  }
  return std::nullopt;
}

// Splits "layer.<i>.<rest>"; false for tensors outside the layers.
bool split_layer(const std::string& name, int& index, std::string& rest) {
  if (name.rfind("layer.", 0) != 0) return false;
  const size_t dot = name.find('.', 6);
  if (dot == std::string::npos) return false;
  try {
    index = std::stoi(name.substr(6, dot - 6));
  } catch (const std::exception&) {
    return false;
  }
  rest = name.substr(dot + 1);
  return true;
}

std::optional<Source> bert_source(const std::string& c) {
  if (c == names::embed_token) return one("embeddings.word_embeddings.weight");
  if (c == names::embed_position) return one("embeddings.position_embeddings.weight");
  if (c == names::embed_type) return one("embeddings.token_type_embeddings.weight");
  if (auto s = module(c, names::embed_norm, "embeddings.LayerNorm", true)) return s;
  int i;
  std::string r;
  if (!split_layer(c, i, r)) return std::nullopt;
  const std::string L = "encoder.layer." + std::to_string(i) + ".";
  const std::pair<const char*, const char*> linear[] = {
      {"attn.q", "attention.self.query"},   {"attn.k", "attention.self.key"},
      {"attn.v", "attention.self.value"},   {"attn.o", "attention.output.dense"},
      {"ffn.up", "intermediate.dense"},     {"ffn.down", "output.dense"}};
  for (const auto& [canon, hf] : linear)
    if (auto s = module(r, canon, L + hf)) return s;
  if (auto s = module(r, "attn_norm", L + "attention.output.LayerNorm", true)) return s;
  if (auto s = module(r, "ffn_norm", L + "output.LayerNorm", true)) return s;
  return std::nullopt;
}

std::optional<Source> gpt2_source(const std::string& c) {
  if (c == names::embed_token) return one("wte.weight");
  if (c == names::embed_position) return one("wpe.weight");
  if (auto s = module(c, names::final_norm, "ln_f")) return s;
  int i;
  std::string r;
  if (!split_layer(c, i, r)) return std::nullopt;
  const std::string L = "h." + std::to_string(i) + ".";
  if (auto s = module(r, "attn_norm", L + "ln_1")) return s;
  if (auto s = module(r, "ffn_norm", L + "ln_2")) return s;
  const char* qkv[] = {"attn.q", "attn.k", "attn.v"};
  for (int part = 0; part < 3; ++part)
    if (auto s = module(r, qkv[part], L + "attn.c_attn")) {
      s->conv1d = true;
      s->split = part;
      return s;
    }
  const std::pair<const char*, const char*> linear[] = {
      {"attn.o", "attn.c_proj"}, {"ffn.up", "mlp.c_fc"}, {"ffn.down", "mlp.c_proj"}};
  for (const auto& [canon, hf] : linear)
    if (auto s = module(r, canon, L + hf)) {
      s->conv1d = true;
      return s;
    }
  return std::nullopt;
}

std::optional<Source> llama_source(const std::string& c) {
  if (c == names::embed_token) return one("embed_tokens.weight");
  if (auto s = module(c, names::final_norm, "norm")) return s;
  int i;
  std::string r;
  if (!split_layer(c, i, r)) return std::nullopt;
  const std::string L = "layers." + std::to_string(i) + ".";
  const std::pair<const char*, const char*> modules[] = {
      {"attn.q", "self_attn.q_proj"},  {"attn.k", "self_attn.k_proj"},
      {"attn.v", "self_attn.v_proj"},  {"attn.o", "self_attn.o_proj"},
      {"ffn.gate", "mlp.gate_proj"},   {"ffn.up", "mlp.up_proj"},
      {"ffn.down", "mlp.down_proj"},   {"attn_norm", "input_layernorm"},
      {"ffn_norm", "post_attention_layernorm"}};
  for (const auto& [canon, hf] : modules)
    if (auto s = module(r, canon, L + hf)) return s;
  return std::nullopt;
}

std::optional<Source> source_for(HfScheme scheme, const std::string& c) {
  if (c == names::lm_head) {  // only untied models have one; it sits outside the model prefix
    Source s = one("lm_head.weight");
    s.prefixed = false;
    return s;
  }
  switch (scheme) {
    case HfScheme::Bert: return bert_source(c);
    case HfScheme::Gpt2: return gpt2_source(c);
    case HfScheme::Llama: return llama_source(c);
  }
  return std::nullopt;
}

// Prefixes a checkpoint may put before the model body: a task head class (BertForMaskedLM,
// GPT2LMHeadModel, LlamaForCausalLM) saves under one, the bare model class without.
std::vector<std::string> prefixes_for(HfScheme scheme) {
  switch (scheme) {
    case HfScheme::Bert: return {"", "bert."};
    case HfScheme::Gpt2: return {"", "transformer."};
    case HfScheme::Llama: return {"model.", ""};
  }
  return {""};
}

std::string why_scheme(const ModelConfig& m) {
  if (m.family == Family::Encoder) return "the model config is an encoder";
  return m.position == Position::Learned ? "the model config is a decoder with learned positions"
                                         : "the model config is a decoder with RoPE";
}

}  // namespace

HfScheme hf_scheme_for(const ModelConfig& m) {
  if (m.family == Family::Encoder) return HfScheme::Bert;
  return m.position == Position::Learned ? HfScheme::Gpt2 : HfScheme::Llama;
}

std::string to_string(HfScheme s) {
  switch (s) {
    case HfScheme::Bert: return "BERT";
    case HfScheme::Gpt2: return "GPT-2";
    case HfScheme::Llama: return "Llama";
  }
  return "?";
}

TensorSet load_hf_weights(const std::string& path, const Graph& graph) {
  const ModelConfig& m = graph.workload.model;
  const HfScheme scheme = hf_scheme_for(m);
  const SafetensorsFile file(path);
  const std::string naming = to_string(scheme) + " naming, because " + why_scheme(m);

  // The prefix under which the token embedding exists; if none, every prefix is tried per tensor
  // so a missing-tensor message lists all the names that were looked for.
  std::vector<std::string> prefixes = prefixes_for(scheme);
  if (auto anchor = source_for(scheme, names::embed_token))
    for (const auto& p : prefixes)
      if (file.has(p + anchor->names.front())) {
        prefixes = {p};
        break;
      }

  auto width_of = [&](const std::string& name) -> int64_t {
    for (const auto& t : graph.tensors)
      if (t.name == name && !t.shape.empty()) return t.shape[0];
    throw Error(ErrorKind::Internal, "hf_checkpoint: graph has no tensor " + name);
  };

  struct Plan {
    const TensorDesc* desc;
    Source src;
    std::string hf;  // the name found in the file
  };
  std::vector<Plan> plans;
  std::map<std::string, int> uses;  // a packed c_attn serves three tensors: read it once
  for (const auto& t : graph.tensors) {
    if (t.role != TensorRole::Weight) continue;
    std::optional<Source> src = source_for(scheme, t.name);
    if (!src)
      throw_bad_input(path, "",
                      "the graph needs " + t.name + ", which " + to_string(scheme) +
                          " checkpoints do not have (" + naming + ")");
    std::vector<std::string> tried;
    for (const auto& p : src->prefixed ? prefixes : std::vector<std::string>{""})
      for (const auto& n : src->names) tried.push_back(p + n);
    std::string found;
    for (const auto& n : tried)
      if (file.has(n)) {
        found = n;
        break;
      }
    if (found.empty()) {
      std::string list;
      for (const auto& n : tried) list += (list.empty() ? "" : ", ") + n;
      std::string hint;
      if (t.name == names::lm_head)
        hint = "; if this checkpoint ties its LM head to the token embedding, set "
               "\"tied_embeddings\": true in the model config";
      throw_bad_input(path, json_pointer_for(tried.front()),
                      "missing tensor for " + t.name + ": tried " + list + " (" + naming + ")" +
                          hint);
    }
    ++uses[found];
    plans.push_back({&t, *src, found});
  }

  TensorSet out;
  out.source = "safetensors:" + path;
  std::map<std::string, HostTensor> cache;
  for (const Plan& p : plans) {
    const TensorDesc& d = *p.desc;
    auto it = cache.find(p.hf);
    if (it == cache.end()) it = cache.emplace(p.hf, file.read(p.hf)).first;
    HostTensor& src = it->second;
    const std::string ptr = json_pointer_for(p.hf);
    if (src.dtype != DType::F32)
      throw_bad_input(path, ptr + "/dtype",
                      "expected a floating-point tensor for " + d.name + ", got an integer one");

    // The shape the file must have, in its own layout.
    const bool transpose = p.src.conv1d && d.shape.size() == 2;
    std::vector<int64_t> expected = d.shape;
    int64_t offset = 0;  // along the packed output axis
    if (p.src.split >= 0) {
      const int i = std::stoi(d.name.substr(6));
      const int64_t w[3] = {width_of(names::layer(i, "attn.q.weight")),
                            width_of(names::layer(i, "attn.k.weight")),
                            width_of(names::layer(i, "attn.v.weight"))};
      for (int k = 0; k < p.src.split; ++k) offset += w[k];
      const int64_t total = w[0] + w[1] + w[2];
      expected = d.shape.size() == 2 ? std::vector<int64_t>{d.shape[1], total}
                                     : std::vector<int64_t>{total};
    } else if (transpose) {
      expected = {d.shape[1], d.shape[0]};
    }
    if (src.shape != expected)
      throw_bad_input(path, ptr + "/shape",
                      d.name + " ← " + p.hf + ": expected " + shape_to_string(expected) +
                          " (from the model config), file has " + shape_to_string(src.shape));

    HostTensor t;
    t.shape = d.shape;
    t.dtype = DType::F32;
    if (!transpose && p.src.split < 0) {
      if (uses[p.hf] == 1) t.f32 = std::move(src.f32);  // last user: no copy of a big table
      else t.f32 = src.f32;
    } else if (d.shape.size() == 1) {  // a packed bias: a slice
      t.f32.assign(src.f32.begin() + offset, src.f32.begin() + offset + d.shape[0]);
    } else {
      // Conv1D [in, out_total] → canonical [out, in]: out[o, i] = src[i, offset + o].
      const int64_t rows = d.shape[0], cols = d.shape[1], stride = expected[1];
      t.f32.resize(size_t(rows * cols));
      for (int64_t i = 0; i < cols; ++i)
        for (int64_t o = 0; o < rows; ++o)
          t.f32[size_t(o * cols + i)] = src.f32[size_t(i * stride + offset + o)];
    }
    out.tensors.emplace(d.name, std::move(t));
    if (--uses[p.hf] == 0) cache.erase(p.hf);
  }
  return out;
}

}  // namespace infermark
