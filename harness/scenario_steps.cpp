#include "harness/scenario_steps.hpp"

#include "common/error.hpp"

namespace infermark {

void StepExecutor::add(Phase phase, int batch, int len, Executable& exe) {
  entries_.push_back({phase, batch, len, &exe});
}

double StepExecutor::run(Phase phase, int batch, int len) {
  // The smallest batch that covers, then the smallest length: padding costs least that way.
  Entry* best = nullptr;
  for (Entry& e : entries_) {
    if (e.phase != phase || e.batch < batch || e.len < len) continue;
    if (!best || e.batch < best->batch || (e.batch == best->batch && e.len < best->len)) best = &e;
  }
  if (!best)
    throw Error(ErrorKind::Internal, "no " + to_string(phase) + " executable covers batch " +
                                         std::to_string(batch) + " at " + std::to_string(len));
  const double t0 = clock_.now();
  best->exe->run();
  best->exe->sync();
  (void)best->exe->output();
  const double dt = clock_.now() - t0;
  ++best->runs;
  best->seconds += dt;
  return dt;
}

void StepExecutor::reset_counts() {
  for (Entry& e : entries_) e.runs = 0, e.seconds = 0;
}

ojson StepExecutor::usage() const {
  ojson out = ojson::array();
  for (const Entry& e : entries_) {
    ojson j;
    j["phase"] = to_string(e.phase);
    j["batch"] = e.batch;
    j["seq"] = e.phase == Phase::Prefill ? e.len : 1;
    j["context"] = e.phase == Phase::Prefill ? 0 : e.len;
    j["runs"] = e.runs;
    j["seconds"] = e.seconds;
    out.push_back(j);
  }
  return out;
}

std::vector<Executable*> StepExecutor::executables() const {
  std::vector<Executable*> out;
  for (const Entry& e : entries_) out.push_back(e.exe);
  return out;
}

}  // namespace infermark
