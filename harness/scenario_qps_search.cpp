#include "harness/scenario_qps_search.hpp"

#include <algorithm>
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
    while (probes < s.max_probes && !lo && *hi / 2 >= s.min_qps) {
      const double q = *hi / 2;
      if (probe(q)) lo = q;
      else hi = q;
    }
  }
  if (!lo) {
    r.note = "the bounds did not hold at any probed rate down to " + qps_text(*hi) + " QPS";
    if (*hi / 2 < s.min_qps) r.note += " (the floor of this search is " + qps_text(s.min_qps) + " QPS)";
    return r;
  }
  // Bisect geometrically, as rates span orders of magnitude.
  while (hi && *hi / *lo > 1 + s.tolerance && probes < s.max_probes) {
    const double mid = std::sqrt(*lo * *hi);
    if (probe(mid)) lo = mid;
    else hi = mid;
  }

  // Confirm with the full count; a short probe may have been lucky. Each failed confirmation
  // steps further down (by 10%, 20%, 40%, … at a 10% tolerance), then the gap between the
  // confirmed rate and the lowest failed one is bisected with full runs while budget remains.
  double q = *lo;
  std::optional<double> failed;
  int used = 0;
  auto confirm = [&](double rate) {
    const bool held = run(rate, s.final_requests, true);
    r.points.push_back({rate, s.final_requests, held, true});
    ++used;
    if (held) r.max_qps = std::max(r.max_qps.value_or(0.0), rate);
    else failed = std::min(failed.value_or(rate), rate);
    return held;
  };
  for (int k = 0; k < s.max_confirmations && !confirm(q); ++k)
    q /= 1 + s.tolerance * double(1 << std::min(k, 20));
  while (r.max_qps && failed && *failed / *r.max_qps > 1 + s.tolerance && used < s.max_confirmations)
    confirm(std::sqrt(*r.max_qps * *failed));

  if (!r.max_qps) {
    r.note = "no confirmation with " + std::to_string(s.final_requests) + " requests held, down to " +
             qps_text(r.points.back().qps) + " QPS";
  } else if (!hi) {
    r.note = "the bounds still held at " + qps_text(*lo) + " QPS after " + std::to_string(probes) +
             " probes: the maximum may be higher";
  } else {
    // The runner may serve fewer than final_requests at a low rate (a load point's time is
    // capped), so the count is the scenario block's to state, per point.
    r.note = "bounds held at " + qps_text(*r.max_qps) + " QPS in a confirmation; broke at " +
             qps_text(failed ? std::min(*failed, *hi) : *hi) + " QPS";
  }
  return r;
}

}  // namespace infermark
