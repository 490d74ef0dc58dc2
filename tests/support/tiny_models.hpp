// The smoke suite's tiny models and workloads over them, shared by the backend tests.
// Small enough for lavapipe and the f64 reference; they cover every family and phase.
#pragma once

#include <string>

#include "suites/model_config.hpp"
#include "suites/workload.hpp"

namespace infermark::testing {

// "tiny-bert", "tiny-gpt2" or "tiny-llama", with the family defaults model_from_json fills in.
ModelConfig tiny_model(const std::string& name);

// A validated workload of a tiny model at its full depth.
Workload tiny_workload(const std::string& model, Phase phase, int batch, int seq, int context,
                       Precision p = Precision::F32);

// The same at a quantized precision (int8 or int4w) with its compute type and group size (the
// tiny models' widths are multiples of 32, not all of 128).
Workload tiny_quantized_workload(const std::string& model, Phase phase, int batch, int seq,
                                 int context, Precision p, Precision compute, int group = 32);

// tiny-llama decode (b2, context 20) with widths that are multiples of 128, for int4w groups
// of 128.
Workload wide_llama_decode(Precision p, Precision compute);

}  // namespace infermark::testing
