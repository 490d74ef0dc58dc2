#include "results/compare.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "common/error.hpp"
#include "suites/synthetic.hpp"

namespace infermark {

namespace {

// A benchmark with where it came from, for error messages and names.
struct Entry {
  const BenchmarkResult* b;
  std::string file;
  size_t index;  // in the file's "benchmarks" array
};

std::string workload_string(const Entry& e, const char* key) {
  auto it = e.b->workload.find(key);
  if (it == e.b->workload.end() || !it->is_string())
    throw_bad_input(e.file, "/benchmarks/" + std::to_string(e.index) + "/workload/" + key,
                    std::string("expected a string (the workload ") + key +
                        "); compare needs it to match benchmarks");
  return it->get<std::string>();
}

std::optional<Summary> summary_copy(const BenchmarkResult& b, const std::string& tag) {
  if (const Summary* s = find_summary(b, tag)) return *s;
  return std::nullopt;
}

// The first "energy/<source>/joules_per_token" summary, whatever the source.
std::optional<Summary> joules_per_token(const BenchmarkResult& b) {
  for (const Summary& s : b.summaries)
    if (s.tag.rfind("energy/", 0) == 0 && s.tag.size() > 17 &&
        s.tag.compare(s.tag.size() - 17, 17, "/joules_per_token") == 0)
      return s;
  return std::nullopt;
}

const std::vector<double>* samples_of(const BenchmarkResult& b, bool device) {
  if (!device) return &b.host_samples;
  return b.device_samples ? &*b.device_samples : nullptr;
}

bool measured(State s) { return s == State::Passed || s == State::Mistrusted; }

SideInfo side_info(const Entry& e, const CompareSettings& s) {
  SideInfo i;
  i.id = e.b->id;
  i.workload_id = workload_string(e, "id");
  i.workload_hash = workload_string(e, "hash");
  i.backend = e.b->backend;
  i.device = e.b->device;
  i.state = e.b->state;
  i.reason = e.b->reason;
  const Summary* m = find_summary(*e.b, s.device_time ? "latency/device/median"
                                                      : "latency/host/median");
  const auto* samples = samples_of(*e.b, s.device_time);
  if (m) i.median = m->value;
  else if (samples && !samples->empty()) i.median = median_of(*samples);
  i.tokens_per_s = summary_copy(*e.b, "throughput/tokens_per_s");
  i.joules_per_token = joules_per_token(*e.b);
  return i;
}

// Why these samples cannot be compared, or empty when they can.
std::string unusable(const std::vector<double>* v, const std::string& file, bool device) {
  if (!v) return "no device-timer samples in " + file;
  if (v->empty()) return std::string("no ") + (device ? "device" : "host") + " samples in " + file;
  for (double x : *v)
    if (!std::isfinite(x) || x <= 0) return "a sample in " + file + " is not a positive number";
  return "";
}

std::string short_hash(const std::string& h) {
  const size_t colon = h.find(':');
  const size_t start = colon == std::string::npos ? 0 : colon + 1;
  return h.substr(0, start + 12) + (h.size() > start + 12 ? "…" : "");
}

void pair_up(const Entry& a, const Entry& b, const CompareSettings& s, Comparison& out) {
  SideInfo ia = side_info(a, s), ib = side_info(b, s);
  if (ia.state != ib.state) {
    out.state_changes.push_back({ia, ib, to_string(ia.state) + " → " + to_string(ib.state)});
    return;
  }
  if (!measured(ia.state)) {
    out.unmeasured.push_back({ia, ib, "measured in neither (" + to_string(ia.state) + ")"});
    return;
  }
  const auto* sa = samples_of(*a.b, s.device_time);
  const auto* sb = samples_of(*b.b, s.device_time);
  std::string why = unusable(sa, a.file, s.device_time);
  if (why.empty()) why = unusable(sb, b.file, s.device_time);
  if (!why.empty()) {
    out.incomparable.push_back({ia, ib, why});
    return;
  }
  MatchedPair p;
  p.baseline = ia;
  p.contender = ib;
  p.n_baseline = sa->size();
  p.n_contender = sb->size();
  // A seed per pair, from its ids: pairs resample independently (the geometric mean's interval
  // needs that) and the same pair gets the same interval whatever else is in the files.
  const uint64_t seed = s.seed ^ fnv1a64(ia.id + "|" + ib.id);
  p.ratio = bootstrap_ratio_of_medians(*sa, *sb, s.resamples, seed);
  p.baseline.median = median_of(*sa);
  p.contender.median = median_of(*sb);
  p.utest = mann_whitney_u(*sa, *sb);
  p.significant = significant(p.ratio.lo, p.ratio.hi, p.utest.p_value, s.alpha);
  p.verdict = classify(p.ratio.ratio, p.ratio.lo, p.ratio.hi, p.utest.p_value, s);
  out.matched.push_back(std::move(p));
}

// Each pair's bootstrap replicates are independent, so the geometric mean of the r-th
// replicates across pairs is one bootstrap replicate of the geometric mean.
void add_geomean(Comparison& c) {
  if (c.matched.empty()) return;
  GeomeanRow g;
  g.count = c.matched.size();
  std::vector<double> ratios;
  for (const auto& m : c.matched) ratios.push_back(m.ratio.ratio);
  g.ratio = geometric_mean(ratios);
  const size_t r = c.matched.front().ratio.replicates.size();
  std::vector<double> reps(r);
  for (size_t i = 0; i < r; ++i) {
    double log_sum = 0;
    for (const auto& m : c.matched) log_sum += std::log(m.ratio.replicates[i]);
    reps[i] = std::exp(log_sum / double(c.matched.size()));
  }
  std::sort(reps.begin(), reps.end());
  g.lo = percentile_linear(reps, 0.025);
  g.hi = percentile_linear(reps, 0.975);
  c.geomean = g;
}

// Pairs `as` with `bs`. `with_place`: the match key includes backend and device (two runs);
// without it, only the workload (two backends of one run).
Comparison compare_entries(const std::vector<Entry>& as, const std::vector<Entry>& bs,
                           bool with_place, const CompareSettings& s) {
  Comparison out;
  auto key = [&](const Entry& e) {
    std::string k = workload_string(e, "hash");
    if (with_place) k += "|" + e.b->backend + "|" + e.b->device;
    return k;
  };
  auto name = [&](const Entry& e) {
    std::string k = workload_string(e, "id");
    if (with_place) k += "@" + e.b->backend + ":" + e.b->device;
    return k;
  };
  std::map<std::string, size_t> b_by_key, b_by_name;
  std::vector<bool> b_used(bs.size(), false);
  for (size_t i = 0; i < bs.size(); ++i) {
    if (!b_by_key.emplace(key(bs[i]), i).second) {
      out.incomparable.push_back({std::nullopt, side_info(bs[i], s),
                                  "appears more than once in " + bs[i].file + "; compared once"});
      b_used[i] = true;
      continue;
    }
    b_by_name.emplace(name(bs[i]), i);
  }
  std::map<std::string, bool> a_seen;
  for (const Entry& a : as) {
    const std::string k = key(a);
    if (a_seen[k]) {
      out.incomparable.push_back({side_info(a, s), std::nullopt,
                                  "appears more than once in " + a.file + "; compared once"});
      continue;
    }
    a_seen[k] = true;
    if (auto it = b_by_key.find(k); it != b_by_key.end() && !b_used[it->second]) {
      b_used[it->second] = true;
      pair_up(a, bs[it->second], s, out);
      continue;
    }
    if (auto it = b_by_name.find(name(a)); it != b_by_name.end() && !b_used[it->second]) {
      b_used[it->second] = true;
      const SideInfo ia = side_info(a, s), ib = side_info(bs[it->second], s);
      out.incomparable.push_back(
          {ia, ib,
           "workload hash differs (" + short_hash(ia.workload_hash) + " in " + a.file + ", " +
               short_hash(ib.workload_hash) + " in " + bs[it->second].file +
               "): the workload definition changed, so the numbers measure different work; "
               "rerun both with the same suite version"});
      continue;
    }
    out.only_baseline.push_back({side_info(a, s), std::nullopt, "only in " + a.file});
  }
  for (size_t i = 0; i < bs.size(); ++i)
    if (!b_used[i])
      out.only_contender.push_back({std::nullopt, side_info(bs[i], s), "only in " + bs[i].file});
  add_geomean(out);
  return out;
}

std::vector<Entry> entries_of(const RunResult& r, const std::string& file) {
  std::vector<Entry> v;
  for (size_t i = 0; i < r.benchmarks.size(); ++i) v.push_back({&r.benchmarks[i], file, i});
  return v;
}

}  // namespace

std::string to_string(Verdict v) {
  switch (v) {
    case Verdict::Same: return "same";
    case Verdict::Faster: return "faster";
    case Verdict::Slower: return "slower";
    case Verdict::Noisy: return "noisy";
  }
  return "?";
}

bool significant(double ci_lo, double ci_hi, double p_value, double alpha) {
  return p_value < alpha && (ci_lo > 1 || ci_hi < 1);
}

Verdict classify(double ratio, double ci_lo, double ci_hi, double p_value,
                 const CompareSettings& s) {
  const bool sig = significant(ci_lo, ci_hi, p_value, s.alpha);
  if (sig && ratio > 1 + s.threshold) return Verdict::Slower;
  if (sig && ratio < 1 - s.threshold) return Verdict::Faster;
  if (std::fabs(ratio - 1) <= s.threshold && (ci_hi - ci_lo) / 2 <= s.threshold)
    return Verdict::Same;
  return Verdict::Noisy;
}

Comparison compare_runs(const RunResult& baseline, const std::string& baseline_file,
                        const RunResult& contender, const std::string& contender_file,
                        const CompareSettings& settings) {
  Comparison c = compare_entries(entries_of(baseline, baseline_file),
                                 entries_of(contender, contender_file), true, settings);
  c.baseline_name = baseline_file;
  c.contender_name = contender_file;
  return c;
}

std::vector<Comparison> compare_backends(const RunResult& run, const std::string& file,
                                         const std::string& baseline_side,
                                         const CompareSettings& settings) {
  // The sides, in the order they first appear in the file.
  std::vector<std::string> sides;
  std::map<std::string, std::vector<Entry>> by_side;
  for (const Entry& e : entries_of(run, file)) {
    const std::string side = e.b->backend + ":" + e.b->device;
    if (!by_side.count(side)) sides.push_back(side);
    by_side[side].push_back(e);
  }
  std::string base;
  for (const auto& side : sides)
    if (baseline_side.empty() || side == baseline_side ||
        side.substr(0, side.find(':')) == baseline_side) {
      base = side;
      break;
    }
  if (base.empty()) {
    std::string have;
    for (const auto& side : sides) have += (have.empty() ? "" : ", ") + side;
    throw_bad_input(file, "/benchmarks",
                    "no benchmark ran on '" + baseline_side + "' (backend or backend:device); "
                    "this run has: " + (have.empty() ? "no benchmarks" : have));
  }
  std::vector<Comparison> out;
  for (const auto& side : sides) {
    if (side == base) continue;
    Comparison c = compare_entries(by_side[base], by_side[side], false, settings);
    c.baseline_name = file + " " + base;
    c.contender_name = file + " " + side;
    c.across_sides = true;
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<const MatchedPair*> regressions(const Comparison& c, double fraction) {
  std::vector<const MatchedPair*> out;
  for (const auto& m : c.matched)
    if (m.significant && m.ratio.ratio > 1 + fraction) out.push_back(&m);
  return out;
}

}  // namespace infermark
