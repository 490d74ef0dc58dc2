// Which static-shape steps a serving scenario compiles: backends compile one shape per executable,
// so prompt lengths, decode contexts and decode batch sizes are covered by a few buckets, and a
// step runs on the smallest bucket that covers it (never a smaller one: no step is under-counted).
#pragma once

#include <vector>

#include "suites/workload.hpp"

namespace infermark {

// `k` bucket upper edges spread evenly over [lo, hi]: lo − 1 + ⌈(hi − lo + 1)·i / k⌉ for
// i = 1 … k, duplicates removed (fewer when the range is shorter than k). The last edge is hi.
std::vector<int> bucket_edges(int lo, int hi, int k);

// The smallest edge ≥ n; throws Internal Error when n is beyond the last edge.
int bucket_for(const std::vector<int>& edges, int n);

// Decode batch sizes up to `max_batch`: the powers of two below it, and max_batch itself.
std::vector<int> batch_buckets(int max_batch);

// The step workloads of a scenario workload, each a plain step (scenario Step).
struct StepPlan {
  std::vector<int> prompt_buckets;   // prefill sequence lengths compiled
  std::vector<int> context_buckets;  // decode contexts compiled
  std::vector<int> prefill_batches;  // generate: {batch}; server, offline: {1} (one request each)
  std::vector<int> decode_batches;   // generate: {batch}; server, offline: batch_buckets(batch)
  std::vector<Workload> prefill;     // one per prefill batch × prompt bucket
  std::vector<Workload> decode;      // one per decode batch × context bucket
};

// Prefill covers the prompt lengths [prompt.min, prompt.max]; decode step k (k = 1 … generate − 1)
// of a request feeds the token at position prompt + k − 1, so decode covers the contexts
// [prompt.min, prompt.max + generate.max − 2]. Each range gets `buckets` buckets.
StepPlan step_plan(const Workload& w);

}  // namespace infermark
