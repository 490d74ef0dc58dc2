// The steps a serving scenario may run, one compiled executable per bucket, timed on the host
// clock. A step runs on the executable of the smallest batch and bucket that cover it, and every
// run is counted, so the result says exactly which shapes ran how often.
#pragma once

#include <vector>

#include "backends/backend.hpp"
#include "harness/scenario_clock.hpp"
#include "results/model/result.hpp"
#include "suites/workload.hpp"

namespace infermark {

class StepExecutor {
 public:
  explicit StepExecutor(ScenarioClock& clock) : clock_(clock) {}

  // `len`: the prefill's sequence length, or the decode step's context. Not owned.
  void add(Phase phase, int batch, int len, Executable& exe);

  // One step for `batch` sequences: run, wait for it, and copy the logits to the host (as a
  // sampler on the host would need them). Returns its seconds on the clock.
  double prefill(int batch, int prompt) { return run(Phase::Prefill, batch, prompt); }
  double decode(int batch, int context) { return run(Phase::Decode, batch, context); }

  ScenarioClock& clock() { return clock_; }
  // Runs and seconds counted so far are forgotten (after warm-up, before each load point).
  void reset_counts();
  // Every executable: phase, batch, seq, context, runs and seconds since the last reset.
  ojson usage() const;
  // Every executable in the order added (warm-up, checks).
  std::vector<Executable*> executables() const;

 private:
  struct Entry {
    Phase phase;
    int batch;
    int len;
    Executable* exe;
    int64_t runs = 0;
    double seconds = 0;
  };
  double run(Phase phase, int batch, int len);

  ScenarioClock& clock_;
  std::vector<Entry> entries_;
};

}  // namespace infermark
