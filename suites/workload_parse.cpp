// Checking workload shapes against their model, and reading a workload back from a result file.
#include "common/error.hpp"
#include "suites/json_fields.hpp"
#include "suites/workload.hpp"

namespace infermark {

namespace jf = json_fields;

void validate_workload(const Workload& w, const std::string& file, const std::string& pointer) {
  const jf::At at{file, pointer};
  const ModelConfig& m = w.model;
  validate_model(m, file, pointer + "/model");

  auto positive = [&](const char* key, int v) {
    if (v <= 0) (at / key).fail("expected a positive integer, got " + std::to_string(v));
  };
  positive("batch", w.batch);
  positive("seq", w.seq);
  if (w.context < 0)
    (at / "context").fail("expected a non-negative integer, got " + std::to_string(w.context));

  if (w.layers < 1 || w.layers > m.layers)
    (at / "layers").fail("expected 1 ≤ layers ≤ " + std::to_string(m.layers) + " (the depth of " +
                         m.name + "), got " + std::to_string(w.layers));

  if (w.precision == Precision::Int4W) {
    // Groups run along K of every quantized matmul: hidden (q, k, v, up, gate, LM head),
    // heads × head_dim (attention output) and ffn (down).
    if (w.group_size != 32 && w.group_size != 128)
      (at / "group_size").fail("expected 32 or 128, got " + std::to_string(w.group_size));
    const std::pair<const char*, int64_t> ks[] = {
        {"hidden", m.hidden}, {"heads × head_dim", int64_t(m.heads) * m.head_dim}, {"ffn", m.ffn}};
    for (const auto& [what, k] : ks)
      if (k % w.group_size != 0)
        (at / "group_size")
            .fail("int4w group size " + std::to_string(w.group_size) + " does not divide " + what +
                  " = " + std::to_string(k) + " of " + m.name + " (workload " + w.id() + ")");
  }
  if (is_quantized(w.precision) && is_quantized(w.compute))
    (at / "compute").fail("expected a float type (f32, bf16 or f16), got " + to_string(w.compute));

  // A serving scenario's phase is derived: its own checks name the keys the user wrote.
  validate_scenario(w.scenario, m, w.batch, file, pointer);

  if (m.family == Family::Encoder && w.phase != Phase::Encode)
    (at / "phase").fail(m.name + " is an encoder: expected phase \"encode\", got \"" +
                        to_string(w.phase) + "\"");
  if (m.family == Family::Decoder && w.phase == Phase::Encode)
    (at / "phase").fail(m.name + " is a decoder: expected phase \"prefill\" or \"decode\", got "
                        "\"encode\"");

  // Encode and prefill start from an empty KV cache; a step after a context is a decode step.
  if (w.phase != Phase::Decode && w.context != 0)
    (at / "context").fail("expected context 0 for phase \"" + to_string(w.phase) +
                          "\" (it starts from an empty KV cache; use phase \"decode\" for a step "
                          "after a context), got " + std::to_string(w.context));

  if (int64_t(w.seq) + w.context > m.max_seq)
    (at / (w.context > 0 ? "context" : "seq"))
        .fail("expected seq + context ≤ max_seq of " + m.name + " (" + std::to_string(m.max_seq) +
              "), got seq " + std::to_string(w.seq) + " + context " + std::to_string(w.context) +
              " = " + std::to_string(int64_t(w.seq) + w.context));
}

Workload workload_from_json(const nlohmann::json& j, const std::string& file,
                            const std::string& pointer) {
  const jf::At at{file, pointer};
  jf::object(j, at);
  // Result files carry derived fields (id, hash, tokens, flops, …) next to the definition;
  // readers ignore fields they do not know, so only the definition is read here.
  Workload w;
  const auto& model = jf::require(j, at, "model", "the model's full definition, or a built-in name");
  if (model.is_string()) {
    std::string name = model.get<std::string>();
    auto it = builtin_models().find(name);
    if (it == builtin_models().end())
      (at / "model").fail("expected a built-in model name or a full definition, got \"" + name +
                          "\"");
    w.model = it->second;
  } else {
    jf::object(model, at / "model");
    std::string name = jf::string(jf::require(model, at / "model", "name", "the model's name"),
                                  at / "model" / "name");
    nlohmann::json definition = model;
    definition.erase("name");  // the name is the key, not part of the definition
    w.model = model_from_json(name, definition, file, pointer + "/model");
  }

  w.phase = jf::enum_value(jf::require(j, at, "phase", "encode, prefill or decode"), at / "phase",
                           {Phase::Encode, Phase::Prefill, Phase::Decode});
  w.scenario = scenarios_from_json(j, file, pointer, false).front();
  w.batch = jf::positive_int(jf::require(j, at, "batch", "a positive integer"), at / "batch");
  w.seq = jf::positive_int(jf::require(j, at, "seq", "a positive integer"), at / "seq");
  w.context = 0;
  if (auto* v = jf::find(j, "context")) w.context = jf::non_negative_int(*v, at / "context");
  w.precision = jf::enum_value(jf::require(j, at, "precision", "f32, bf16, f16, int8 or int4w"),
                               at / "precision",
                               {Precision::F32, Precision::BF16, Precision::F16, Precision::Int8,
                                Precision::Int4W});
  if (auto* v = jf::find(j, "compute"))
    w.compute = jf::enum_value(*v, at / "compute", {Precision::F32, Precision::BF16, Precision::F16});
  if (auto* v = jf::find(j, "group_size")) w.group_size = jf::positive_int(*v, at / "group_size");
  w.layers = w.model.layers;
  if (auto* v = jf::find(j, "layers")) w.layers = jf::positive_int(*v, at / "layers");
  // A serving scenario's phase, seq and context are derived: they must say what they derive from.
  if (!w.scenario.is_step()) {
    if (w.phase != Phase::Prefill)
      (at / "phase").fail("expected \"prefill\" (a " + to_string(w.scenario.kind) +
                          " workload's widest step), got \"" + to_string(w.phase) + "\"");
    if (w.seq != w.scenario.prompt.max)
      (at / "seq").fail("expected seq = the longest prompt (" +
                        std::to_string(w.scenario.prompt.max) + "), got " + std::to_string(w.seq));
  }

  validate_workload(w, file, pointer);
  return w;
}

}  // namespace infermark
