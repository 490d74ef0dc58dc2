#include "harness/constants.hpp"

#include "suites/hf_checkpoint.hpp"
#include "suites/synthetic.hpp"

namespace infermark {

TensorSet make_constants(const Graph& g, uint64_t seed, const std::string& weights_path) {
  if (weights_path.empty()) return synthetic_constants(g, seed);
  TensorSet set = load_hf_weights(weights_path, g);
  add_synthetic_inputs(g, seed, set);
  return set;
}

}  // namespace infermark
