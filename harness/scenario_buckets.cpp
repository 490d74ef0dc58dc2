#include "harness/scenario_buckets.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace infermark {

std::vector<int> bucket_edges(int lo, int hi, int k) {
  if (hi < lo || k < 1) throw Error(ErrorKind::Internal, "bucket_edges: empty range or no bucket");
  const int64_t span = int64_t(hi) - lo + 1;
  std::vector<int> edges;
  for (int i = 1; i <= k; ++i) {
    const int edge = int(lo - 1 + (span * i + k - 1) / k);
    if (edges.empty() || edges.back() != edge) edges.push_back(edge);
  }
  return edges;
}

int bucket_for(const std::vector<int>& edges, int n) {
  auto it = std::lower_bound(edges.begin(), edges.end(), n);
  if (it == edges.end())
    throw Error(ErrorKind::Internal, "no bucket covers " + std::to_string(n) + " (the largest is " +
                                         (edges.empty() ? "none" : std::to_string(edges.back())) + ")");
  return *it;
}

std::vector<int> batch_buckets(int max_batch) {
  std::vector<int> out;
  for (int b = 1; b < max_batch; b *= 2) out.push_back(b);
  out.push_back(max_batch);
  return out;
}

StepPlan step_plan(const Workload& w) {
  const Scenario& s = w.scenario;
  if (s.is_step()) throw Error(ErrorKind::Internal, "step_plan: " + w.id() + " is not a scenario");
  StepPlan p;
  p.prompt_buckets = bucket_edges(s.prompt.min, s.prompt.max, s.buckets);
  p.context_buckets = bucket_edges(s.prompt.min, s.prompt.max + s.generate.max - 2, s.buckets);
  const bool single = s.kind == ScenarioKind::Generate;
  p.prefill_batches = single ? std::vector<int>{w.batch} : std::vector<int>{1};
  p.decode_batches = single ? std::vector<int>{w.batch} : batch_buckets(w.batch);
  Workload step = w;
  step.scenario = Scenario{};
  for (int b : p.prefill_batches)
    for (int seq : p.prompt_buckets) {
      step.phase = Phase::Prefill;
      step.batch = b;
      step.seq = seq;
      step.context = 0;
      p.prefill.push_back(step);
    }
  for (int b : p.decode_batches)
    for (int context : p.context_buckets) {
      step.phase = Phase::Decode;
      step.batch = b;
      step.seq = 1;
      step.context = context;
      p.decode.push_back(step);
    }
  return p;
}

}  // namespace infermark
