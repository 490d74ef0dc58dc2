#include "harness/constants.hpp"

#include "suites/hf_checkpoint.hpp"
#include "suites/quantize.hpp"
#include "suites/synthetic.hpp"

namespace infermark {

TensorSet make_constants(const Graph& g, uint64_t seed, const std::string& weights_path) {
  TensorSet set;
  if (weights_path.empty()) {
    set = synthetic_constants(g, seed);
  } else {
    set = load_hf_weights(weights_path, g);
    add_synthetic_inputs(g, seed, set);
  }
  // Quantized precisions: every consumer (reference included) sees the dequantized weights.
  apply_weight_quantization(g, set);
  return set;
}

}  // namespace infermark
