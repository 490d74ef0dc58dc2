// Loads real weights from a Hugging Face safetensors checkpoint onto a graph's canonical tensors,
// for the BERT, GPT-2 and Llama naming schemes (DESIGN.md §2, `--weights file.safetensors`).
#pragma once

#include <string>

#include "suites/graph.hpp"
#include "suites/tensor.hpp"

namespace infermark {

// The checkpoint naming a model config maps to: encoders use BERT names; decoders with learned
// positions use GPT-2 names (Conv1D [in, out] layouts, packed c_attn); decoders with RoPE use Llama.
enum class HfScheme { Bert, Gpt2, Llama };
HfScheme hf_scheme_for(const ModelConfig& m);
std::string to_string(HfScheme);

// Every Weight tensor of `graph` (and only those: layers 0 … workload.layers−1), read from the
// safetensors file at `path` and converted to the canonical name, orientation ([out, in]) and f32.
// The usual prefixes (`bert.`, `transformer.`, `model.`) are detected. Each shape is checked
// against the graph; a missing tensor, a shape mismatch or a bad file throws BadInput naming the
// file, the Hugging Face tensor and what was expected. source = "safetensors:<path>".
TensorSet load_hf_weights(const std::string& path, const Graph& graph);

}  // namespace infermark
