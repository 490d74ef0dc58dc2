#include "harness/energy_pass_math.hpp"

#include <algorithm>
#include <cstdio>

#include "common/error.hpp"
#include "profilers/energy_counter.hpp"

namespace infermark {

namespace {

void need_two(const std::vector<EnergyReading>& r, const char* what) {
  if (r.size() < 2)
    throw Error(ErrorKind::Internal, std::string(what) + ": a window needs at least two readings");
}

int64_t changes(const std::vector<EnergyReading>& r) {
  int64_t n = 0;
  for (size_t i = 1; i < r.size(); ++i) n += r[i].value != r[i - 1].value;
  return n;
}

}  // namespace

EnergyWindow counter_window(const std::vector<EnergyReading>& r, double wrap_joules) {
  need_two(r, "counter_window");
  EnergyWindow w;
  w.source = "counter";
  w.seconds = r.back().t - r.front().t;
  for (size_t i = 1; i < r.size(); ++i) {
    const double step = counter_delta(r[i - 1].value, r[i].value, wrap_joules);
    if (step < 0)
      throw Error(ErrorKind::Unavailable,
                  "the energy counter went backwards (" + std::to_string(r[i - 1].value) + " J → " +
                      std::to_string(r[i].value) + " J) and has no known wrap point");
    w.joules += step;
  }
  w.updates = changes(r);
  return w;
}

EnergyWindow integrated_power_window(const std::vector<EnergyReading>& r) {
  need_two(r, "integrated_power_window");
  EnergyWindow w;
  w.source = "integrated power";
  w.seconds = r.back().t - r.front().t;
  for (size_t i = 1; i < r.size(); ++i)
    w.joules += 0.5 * (r[i].value + r[i - 1].value) * (r[i].t - r[i - 1].t);
  w.updates = changes(r);
  return w;
}

std::string window_shortfall(const EnergyWindow& w, double min_seconds, int64_t min_updates) {
  char buf[200];
  if (w.seconds < min_seconds) {
    std::snprintf(buf, sizeof buf, "the window lasted %.3f s, less than the %.3g s needed",
                  w.seconds, min_seconds);
    return buf;
  }
  if (w.updates < min_updates) {
    std::snprintf(buf, sizeof buf,
                  "the %s changed %lld times in %.3f s, fewer than the %lld updates needed for its "
                  "resolution",
                  w.source == "counter" ? "energy counter" : "power reading", (long long)w.updates,
                  w.seconds, (long long)min_updates);
    return buf;
  }
  return {};
}

EnergyFigures energy_figures(const EnergyWindow& active, const std::optional<EnergyWindow>& idle,
                             int64_t inferences, int64_t tokens_per_inference) {
  if (inferences <= 0 || tokens_per_inference <= 0 || active.seconds <= 0 ||
      (idle && idle->seconds <= 0))
    throw Error(ErrorKind::Internal, "energy_figures: empty window or no inferences");
  EnergyFigures f;
  const double n = double(inferences);
  const double tokens = n * double(tokens_per_inference);
  f.joules_per_inference = active.joules / n;
  f.joules_per_token = active.joules / tokens;
  f.mean_power_w = active.joules / active.seconds;
  // A reading can lag the true energy by up to one update at each of the two edges.
  const double per_update = active.updates > 0 ? active.joules / double(active.updates) : active.joules;
  f.uncertainty_joules_per_inference = 2 * per_update / n;
  if (idle) {
    f.idle_power_w = idle->joules / idle->seconds;
    const double above = active.joules - *f.idle_power_w * active.seconds;
    f.joules_per_inference_above_idle = above / n;
    f.joules_per_token_above_idle = above / tokens;
  }
  return f;
}

std::string token_kind(Phase phase) {
  switch (phase) {
    case Phase::Prefill: return "prefill (prompt) token";
    case Phase::Decode: return "decode (generated) token";
    case Phase::Encode: return "input token";
  }
  return "token";
}

double energy_window_seconds(double update_period_s, double min_seconds, int64_t min_updates) {
  return std::max(min_seconds, double(min_updates) * update_period_s);
}

}  // namespace infermark
