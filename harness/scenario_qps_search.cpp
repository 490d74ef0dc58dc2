#include "harness/scenario_qps_search.hpp"

#include <cmath>
#include <cstdio>

#include "common/error.hpp"

namespace infermark {

namespace {

std::string qps_text(double q) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", q);
  return buf;
}

}  // namespace

QpsSearchResult search_max_qps(const LoadPointRunner& run, double start_qps,
                               const QpsSearchSettings& s) {
  if (!(start_qps > 0) || s.probe_requests < 1 || s.final_requests < 1 || !(s.tolerance > 0))
    throw Error(ErrorKind::Internal, "search_max_qps: invalid settings");
  QpsSearchResult r;
  int probes = 0;
  auto probe = [&](double q) {
    const bool held = run(q, s.probe_requests, false);
    r.points.push_back({q, s.probe_requests, held, false});
    ++probes;
    return held;
  };

  // Bracket: lo held, hi did not.
  std::optional<double> lo, hi;
  if (probe(start_qps)) {
    lo = start_qps;
    while (probes < s.max_probes && !hi) {
      const double q = *lo * 2;
      if (probe(q)) lo = q;
      else hi = q;
    }
  } else {
    hi = start_qps;
    while (probes < s.max_probes && !lo) {
      const double q = *hi / 2;
      if (probe(q)) lo = q;
      else hi = q;
    }
  }
  if (!lo) {
    r.note = "the bounds did not hold at any probed rate down to " + qps_text(*hi) + " QPS";
    return r;
  }
  // Bisect geometrically, as rates span orders of magnitude.
  while (hi && *hi / *lo > 1 + s.tolerance && probes < s.max_probes) {
    const double mid = std::sqrt(*lo * *hi);
    if (probe(mid)) lo = mid;
    else hi = mid;
  }

  // Confirm with the full count; a short probe may have been lucky.
  double q = *lo;
  for (int k = 0; k < s.max_confirmations; ++k, q /= 1 + s.tolerance) {
    const bool held = run(q, s.final_requests, true);
    r.points.push_back({q, s.final_requests, held, true});
    if (held) {
      r.max_qps = q;
      break;
    }
  }
  if (!r.max_qps) {
    r.note = "no confirmation with " + std::to_string(s.final_requests) + " requests held, down to " +
             qps_text(q * (1 + s.tolerance)) + " QPS";
  } else if (!hi) {
    r.note = "the bounds still held at " + qps_text(*lo) + " QPS after " + std::to_string(probes) +
             " probes: the maximum may be higher";
  } else {
    r.note = "bounds held at " + qps_text(*r.max_qps) + " QPS with " +
             std::to_string(s.final_requests) + " requests; broke at " + qps_text(*hi) +
             " QPS in a probe of " + std::to_string(s.probe_requests);
  }
  return r;
}

}  // namespace infermark
