// Profiling of a compiled oneDNN executable: each step alone, and the GEMMs alone.
#include <omp.h>

#include <algorithm>
#include <chrono>

#include "backends/onednn/executable.hpp"

namespace infermark::onednn {
namespace {

template <class F>
double median_seconds(int reps, dnnl::stream& s, F&& f) {
  std::vector<double> t;
  t.reserve(size_t(std::max(reps, 1)));
  for (int i = 0; i < std::max(reps, 1); ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    s.wait();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::nth_element(t.begin(), t.begin() + long(t.size() / 2), t.end());
  return t[t.size() / 2];
}

}  // namespace

std::vector<OnednnExecutable::StepTime> OnednnExecutable::profile_steps(int reps) {
  omp_set_num_threads(threads_);
  run();  // every buffer holds this graph's values, as in a real run
  std::vector<StepTime> out;
  for (auto& st : steps_) {
    const double s = median_seconds(reps, stream_, [&] { st->run(stream_); });
    out.push_back({st->name, st->kind, s});
  }
  return out;
}

double OnednnExecutable::gemm_seconds(int reps) {
  omp_set_num_threads(threads_);
  run();
  return median_seconds(reps, stream_, [&] {
    for (auto& st : steps_) st->run_gemms(stream_);
  });
}

}  // namespace infermark::onednn
