// Profiling of a compiled oneDNN executable: each step alone, and the GEMMs alone.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "backends/onednn/executable.hpp"
#include "suites/tensor_names.hpp"

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

double OnednnExecutable::paired_floor_ratio(int reps) {
  omp_set_num_threads(threads_);
  run();
  std::vector<double> ratios;
  for (int i = 0; i < std::max(reps, 1); ++i) {
    const double whole = median_seconds(1, stream_, [&] { run(); });
    const double gemms = median_seconds(1, stream_, [&] {
      for (auto& st : steps_) st->run_gemms(stream_);
    });
    if (gemms > 0) ratios.push_back(whole / gemms);
  }
  if (ratios.empty()) return 0;
  std::nth_element(ratios.begin(), ratios.begin() + long(ratios.size() / 2), ratios.end());
  return ratios[ratios.size() / 2];
}

std::vector<BreakdownEntry> OnednnExecutable::measure_breakdown() {
  // Enough repetitions for a stable median within about half a second of profiling.
  const auto t0 = std::chrono::steady_clock::now();
  run();
  sync();
  const double once = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int reps = std::clamp(int(0.25 / std::max(once, 1e-6)), 3, 50);

  std::vector<BreakdownEntry> out;
  out.push_back({"gemms_alone", "s", gemm_seconds(reps),
                 "median time of this graph's GEMMs alone (projections with their fused post-ops, "
                 "QK^T and PV), same primitives and buffers, " + std::to_string(reps) + " runs"});
  out.push_back({"gemm_floor_ratio", "1", paired_floor_ratio(reps),
                 "median over " + std::to_string(reps) + " back-to-back pairs of (whole inference "
                 "/ its GEMMs alone), same primitives and buffers: a ratio of two times taken "
                 "moments apart, so a busy machine moves both alike"});
  // Steps alone, summed over layers, in first-seen order.
  std::vector<std::string> order;
  std::map<std::string, double> seconds;
  for (const auto& st : profile_steps(reps)) {
    const std::string key = names::without_layer_index(st.name);
    if (!seconds.count(key)) order.push_back(key);
    seconds[key] += st.seconds;
  }
  for (const auto& key : order)
    out.push_back({"step/" + key, "s", seconds[key],
                   "median time of step " + key + " run alone, summed over layers"});
  return out;
}

}  // namespace infermark::onednn
