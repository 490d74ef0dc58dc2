// Deterministic synthetic constants from a seed: a counter-based generator any tool can repeat.
// element i of tensor NAME = scale · (2u − 1), u = (splitmix64(key + i·φ) >> 40) / 2²⁴,
// key = splitmix64(seed ⊕ fnv1a64(NAME)); see README "Synthetic weights" for the scales.
#pragma once

#include <cstdint>
#include <string>

#include "suites/graph.hpp"
#include "suites/tensor.hpp"

namespace infermark {

uint64_t fnv1a64(const std::string& s);
uint64_t splitmix64(uint64_t x);
// Uniform in [0, 1) with 24 bits: element `index` of the stream named `name`.
double counter_uniform(uint64_t seed, const std::string& name, uint64_t index);

// Every Weight, Input and State tensor of the graph, generated from the seed.
TensorSet synthetic_constants(const Graph& g, uint64_t seed);

// Fills only the Input and State tensors (token ids, positions, KV cache) from the seed.
void add_synthetic_inputs(const Graph& g, uint64_t seed, TensorSet& set);

}  // namespace infermark
