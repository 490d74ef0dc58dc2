#include "harness/poisson_schedule.hpp"

#include <cmath>

#include "common/error.hpp"
#include "suites/synthetic.hpp"

namespace infermark {

int request_length(const TokenRange& r, uint64_t seed, const char* stream, uint64_t i) {
  if (r.fixed()) return r.min;
  const double u = counter_uniform(seed, stream, i);  // in [0, 1)
  const int span = r.max - r.min + 1;
  return r.min + std::min(span - 1, int(std::floor(u * span)));
}

std::vector<ScheduledRequest> offline_requests(const Scenario& s, int n, uint64_t seed) {
  std::vector<ScheduledRequest> out(size_t(std::max(n, 0)));
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].prompt = request_length(s.prompt, seed, kPromptStream, i);
    out[i].generate = request_length(s.generate, seed, kGenerateStream, i);
  }
  return out;
}

std::vector<ScheduledRequest> poisson_schedule(const Scenario& s, double qps, int n, uint64_t seed) {
  if (!(qps > 0) || !std::isfinite(qps))
    throw Error(ErrorKind::Internal, "poisson_schedule: the rate must be positive and finite");
  std::vector<ScheduledRequest> out = offline_requests(s, n, seed);
  double t = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    // u < 1 always (24 bits), so the gap is finite: at most ln 2²⁴ ≈ 16.6 mean gaps.
    t += -std::log1p(-counter_uniform(seed, kArrivalStream, i)) / qps;
    out[i].arrival_s = t;
  }
  return out;
}

}  // namespace infermark
