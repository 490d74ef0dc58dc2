#include "support/tiny_models.hpp"

#include <nlohmann/json.hpp>

namespace infermark::testing {

ModelConfig tiny_model(const std::string& name) {
  static const nlohmann::json defs = nlohmann::json::parse(R"({
    "tiny-bert": {"family": "encoder", "hidden": 64, "heads": 4, "ffn": 128, "layers": 2,
      "vocab": 512, "norm": "layernorm", "activation": "gelu", "position": "learned",
      "max_seq": 128},
    "tiny-gpt2": {"family": "decoder", "hidden": 64, "heads": 4, "ffn": 256, "layers": 2,
      "vocab": 512, "norm": "layernorm", "activation": "gelu_tanh", "position": "learned",
      "max_seq": 128, "tied_embeddings": true},
    "tiny-llama": {"family": "decoder", "hidden": 64, "heads": 4, "kv_heads": 2, "ffn": 160,
      "layers": 2, "vocab": 512, "norm": "rmsnorm", "activation": "silu_glu",
      "position": "rope", "max_seq": 256}
  })");
  return model_from_json(name, defs.at(name), "tiny_models", "/models/" + name);
}

Workload tiny_workload(const std::string& model, Phase phase, int batch, int seq, int context,
                       Precision p) {
  Workload w;
  w.model = tiny_model(model);
  w.phase = phase;
  w.batch = batch;
  w.seq = seq;
  w.context = context;
  w.precision = p;
  w.layers = w.model.layers;
  validate_workload(w, "tiny_models", "/workload");
  return w;
}

Workload tiny_quantized_workload(const std::string& model, Phase phase, int batch, int seq,
                                 int context, Precision p, Precision compute, int group) {
  Workload w = tiny_workload(model, phase, batch, seq, context, Precision::F32);
  w.precision = p;
  w.compute = compute;
  w.group_size = group;
  validate_workload(w, "tiny_models", "/workload");
  return w;
}

Workload wide_llama_decode(Precision p, Precision compute) {
  Workload w = tiny_workload("tiny-llama", Phase::Decode, 2, 1, 20, Precision::F32);
  w.model.name = "tiny-llama-wide";
  w.model.hidden = 128;
  w.model.head_dim = 32;
  w.model.ffn = 256;
  w.precision = p;
  w.compute = compute;
  w.group_size = 128;
  validate_workload(w, "tiny_models", "/workload");
  return w;
}

}  // namespace infermark::testing
