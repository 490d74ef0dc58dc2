// Reference outputs, computed by the reference backend and cached on disk by workload hash,
// seed and weights, so a run that checks several backends computes each oracle output once.
#pragma once

#include <cstdint>
#include <string>

#include "suites/tensor.hpp"
#include "suites/workload.hpp"

namespace infermark {

struct ReferenceOutput {
  HostTensor output;
  bool from_cache = false;
  double seconds = 0;  // time the reference took (0 when cached)
};

// The reference output for `w` (its layer count as given). `weights_id` names the weights
// (synthetic seed or file digest); an empty cache_dir disables the cache.
ReferenceOutput reference_output(const Workload& w, uint64_t seed, const std::string& weights_path,
                                 const std::string& weights_id, const std::string& cache_dir);

// Seconds the reference is expected to need for `w`, from its FLOPs at a conservative rate.
double reference_seconds_estimate(const Workload& w);

}  // namespace infermark
