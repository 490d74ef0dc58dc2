// The oneDNN executable: a compiled graph as a list of steps (fused primitives and own loops)
// over buffers allocated at compile time; run() executes the steps in order and allocates nothing.
#pragma once

#include <memory>
#include <vector>

#include "backends/backend.hpp"
#include "backends/onednn/plan.hpp"
#include "backends/onednn/step.hpp"

namespace infermark::onednn {

class OnednnExecutable : public Executable {
 public:
  // `threads` > 0. Throws a Backend Error naming the op when oneDNN rejects one, an Internal one
  // when the graph breaks the op contract of suites/graph.hpp.
  OnednnExecutable(const Graph& graph, const TensorSet& constants, int threads,
                   const Tuning& tuning = {});

  void run() override;
  void sync() override;
  std::optional<double> device_seconds_last() override { return std::nullopt; }
  HostTensor output() override;
  nlohmann::ordered_json implementation() const override;
  std::vector<BreakdownEntry> measure_breakdown() override;
  // Tensors, reordered weights and attention tiles by purpose; the scratchpad is workspace.
  MemoryUsage memory_usage() const override;

  const ImplementationRecord& record() const { return record_; }

  // Profiling with the executable's own primitives and buffers (executable_profile.cpp).
  struct StepTime {
    std::string name, kind;
    double seconds;  // median of the step run alone, back to back
  };
  std::vector<StepTime> profile_steps(int reps);
  // Median seconds of running only the GEMMs of every step (projections with their fused
  // post-ops, attention's QKᵀ and PV), in order: the floor a full run() is compared with.
  double gemm_seconds(int reps);
  // Median over `reps` back-to-back pairs of (run() / its GEMMs alone): a ratio of two times
  // taken moments apart, which a busy machine's drift moves alike.
  double paired_floor_ratio(int reps);

 private:
  std::unique_ptr<Step> build(const PlannedStep& planned, BuildEnv& env);

  int threads_;
  dnnl::engine eng_;
  dnnl::stream stream_;
  ImplementationRecord record_;
  Scratchpad scratchpad_;
  std::unique_ptr<TensorTable> tensors_;     // declared before steps_: outlives them
  std::vector<std::unique_ptr<Step>> steps_;
  Tensor* output_ = nullptr;
};

// The activation type of a precision; throws Unavailable for one this backend does not run.
dt activation_type(Precision p);

}  // namespace infermark::onednn
