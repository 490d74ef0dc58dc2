// Workload: one model + phase + shape + precision, with its canonical id and content hash.
// Results are comparable only when their workload hashes match.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "suites/model_config.hpp"
#include "suites/scenario.hpp"

namespace infermark {

enum class Phase { Encode, Prefill, Decode };
// Int8: int8 weights (per output channel) × int8 activations (per token, dynamic), int32 sums;
// Int4W: 4-bit weights in groups along K, activations in the `compute` float type (suites/quantize).
enum class Precision { F32, BF16, F16, Int8, Int4W };

std::string to_string(Phase);
std::string to_string(Precision);
Phase phase_from_string(const std::string& s);          // throws BadInput (no file context)
Precision precision_from_string(const std::string& s);  // throws BadInput (no file context)
// Bytes of one float element: f32 4, bf16/f16 2. Quantized precisions store activations in their
// `compute` type: ask float_precision(w) first; here they throw an Internal Error.
int bytes_per_element(Precision p);
bool is_quantized(Precision p);

struct Workload {
  ModelConfig model;
  Phase phase = Phase::Encode;
  int batch = 1;
  int seq = 1;       // tokens processed in this step, per sequence
  int context = 0;   // KV-cache entries already present (decode)
  Precision precision = Precision::F32;
  int layers = 0;    // layers actually run (1 … model.layers)
  // Quantized precisions only (part of their id and hash, ignored otherwise): the float type of
  // attention, norms and activations (f32 | bf16 | f16), and int4w's group size along K (32 | 128).
  Precision compute = Precision::BF16;
  int group_size = 128;
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

// The float type activations are held in: the precision itself, or `compute` when quantized.
Precision float_precision(const Workload& w);
// "int8-bf16", "int4w-g128-bf16", or the plain precision name: the id's precision segment.
std::string precision_segment(const Workload& w);

// Throws BadInput naming `file` and `pointer` when the shape is impossible for the model.
void validate_workload(const Workload& w, const std::string& file, const std::string& pointer);

// Full definition, as written into results (model included).
nlohmann::ordered_json workload_to_json(const Workload& w);
// Reads back what workload_to_json wrote (used by --resume and rerun); throws BadInput.
Workload workload_from_json(const nlohmann::json& j, const std::string& file,
                            const std::string& pointer);

}  // namespace infermark
