// Workload: one model + phase + shape + precision, with its canonical id and content hash.
// Results are comparable only when their workload hashes match.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "suites/model_config.hpp"
#include "suites/scenario.hpp"

namespace infermark {

enum class Phase { Encode, Prefill, Decode };
enum class Precision { F32, BF16, F16 };

std::string to_string(Phase);
std::string to_string(Precision);
Phase phase_from_string(const std::string& s);          // throws BadInput (no file context)
Precision precision_from_string(const std::string& s);  // throws BadInput (no file context)
int bytes_per_element(Precision p);

struct Workload {
  ModelConfig model;
  Phase phase = Phase::Encode;
  int batch = 1;
  int seq = 1;       // tokens processed in this step, per sequence
  int context = 0;   // KV-cache entries already present (decode)
  Precision precision = Precision::F32;
  int layers = 0;    // layers actually run (1 … model.layers)
  // Step (default): the step above, repeated. A serving scenario (generate, server, offline)
  // runs requests of its own prompt and generate lengths; phase, seq and context then describe
  // its widest prefill step (prefill, the longest prompt, context 0) and batch its batch.
  Scenario scenario;

  // Canonical id, e.g. "bert-base/encode/b1/s128/f32/l1" (decode adds "/c<context>"); serving
  // scenarios: "gpt2/server/b4/p32/g16/q4/f32/l2" (see scenario_id_segment).
  std::string id() const;
  // "sha256:…" of the canonical JSON of the full definition (model included).
  std::string hash() const;
  int64_t tokens() const { return int64_t(batch) * seq; }
  // Whether the graph keeps a KV cache: decoders in prefill and decode do.
  bool has_kv_cache() const { return phase != Phase::Encode; }
};

// Throws BadInput naming `file` and `pointer` when the shape is impossible for the model.
void validate_workload(const Workload& w, const std::string& file, const std::string& pointer);

// Full definition, as written into results (model included).
nlohmann::ordered_json workload_to_json(const Workload& w);
// Reads back what workload_to_json wrote (used by --resume and rerun); throws BadInput.
Workload workload_from_json(const nlohmann::json& j, const std::string& file,
                            const std::string& pointer);

}  // namespace infermark
