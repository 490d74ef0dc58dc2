// The data a dashboard draws: result files flattened into what the page needs, with the numbers
// that need the samples (boxes) and the statistics (comparisons) computed here, once, in C++.
#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "config.hpp"
#include "results/export_common.hpp"
#include "results/export_html.hpp"
#include "results/export_html_assets.hpp"
#include "results/export_tradeoff.hpp"
#include "results/model/statistics.hpp"

namespace infermark {

namespace {

using namespace exports;

ojson number_or_null(double v) { return std::isfinite(v) ? ojson(v) : ojson(nullptr); }

ojson summary_value(const BenchmarkResult& b, const char* tag) {
  const Summary* s = find_summary(b, tag);
  return s ? number_or_null(s->value) : ojson(nullptr);
}

// "a.json" → "a"; labels repeat only when file names do, then they are numbered.
std::vector<std::string> run_labels(const std::vector<NamedRun>& runs) {
  std::vector<std::string> labels;
  for (const NamedRun& nr : runs) {
    std::string f = nr.file.substr(nr.file.find_last_of('/') + 1);
    if (f.size() > 5 && f.compare(f.size() - 5, 5, ".json") == 0) f.resize(f.size() - 5);
    labels.push_back(f.empty() ? "run" : f);
  }
  for (size_t i = 0; i < labels.size(); ++i)
    if (std::count(labels.begin(), labels.end(), labels[i]) > 1)
      for (size_t k = 0, n = 0; k < labels.size(); ++k)
        if (labels[k] == labels[i] && k != i) labels[k] += " (" + std::to_string(++n + 1) + ")";
  return labels;
}

// system.ceilings as the page draws them: null when the run has none (older files), else every
// entry with its rates (null where not a positive number) and why a rate is missing, if it said.
ojson ceilings_of(const RunResult& r) {
  if (!r.system.is_object()) return nullptr;
  auto it = r.system.find("ceilings");
  if (it == r.system.end() || !it->is_array()) return nullptr;
  ojson out = ojson::array();
  for (const ojson& c : *it) {
    if (!c.is_object()) continue;
    auto rate = [&c](const char* k) {
      auto f = c.find(k);
      return f != c.end() && f->is_number() && f->get<double>() > 0 ? ojson(f->get<double>())
                                                                      : ojson(nullptr);
    };
    out.push_back({{"backend", string_at(c, "backend")},
                   {"device", string_at(c, "device")},
                   {"precision", string_at(c, "precision")},
                   {"flops_per_s", rate("flops_per_s")},
                   {"bytes_per_s", rate("bytes_per_s")},
                   {"method", string_at(c, "method")},
                   {"unavailable", string_at(c, "unavailable")},
                   {"bytes_unavailable", string_at(c, "bytes_unavailable")}});
  }
  return out;
}

// Quartiles by nearest rank (as every percentile in infermark), the median as compute_stats
// gives it, whiskers at the most extreme samples within 1.5 IQR of the box (Tukey).
ojson box_of(const std::vector<double>& samples) {
  std::vector<double> s;
  for (double v : samples)
    if (std::isfinite(v)) s.push_back(v);
  if (s.empty()) return nullptr;
  std::sort(s.begin(), s.end());
  const SampleStats st = compute_stats(s);
  const double q1 = percentile_nearest_rank(s, 0.25), q3 = percentile_nearest_rank(s, 0.75);
  const double lo_fence = q1 - 1.5 * (q3 - q1), hi_fence = q3 + 1.5 * (q3 - q1);
  double lo = q1, hi = q3;
  ojson outliers = ojson::array();
  for (double v : s) {
    if (v < lo_fence || v > hi_fence) outliers.push_back(v);
    else {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  return {{"n", s.size()},     {"min", s.front()}, {"whisker_lo", lo}, {"q1", q1},
          {"median", st.median}, {"q3", q3},        {"whisker_hi", hi}, {"max", s.back()},
          {"outliers", std::move(outliers)}};
}

// "energy/package-0/joules_per_token" → {domain package-0, phase: the workload's, source: the
// summary's (counter, integrated power)}; "energy/gpu0/joules_per_decode_token" → phase decode.
ojson energy_of(const BenchmarkResult& b, const std::string& phase) {
  ojson out = ojson::array();
  for (const Summary& s : b.summaries) {
    if (s.tag.rfind("energy/", 0) != 0) continue;
    const size_t last = s.tag.find_last_of('/');
    const std::string metric = s.tag.substr(last + 1);
    std::string kind;
    if (metric == "joules_per_token") kind = phase;
    else if (metric.size() > 17 && metric.rfind("joules_per_", 0) == 0 &&
             metric.compare(metric.size() - 6, 6, "_token") == 0)
      kind = metric.substr(11, metric.size() - 17);
    else continue;
    out.push_back({{"tag", s.tag},
                   {"domain", last > 7 ? s.tag.substr(7, last - 7) : ""},
                   {"source", string_at(s.extra, "source")},
                   {"phase", kind},
                   {"value", number_or_null(s.value)},
                   {"unit", s.unit},
                   {"description", s.description}});
  }
  return out;
}

ojson correctness_of(const BenchmarkResult& b) {
  if (!b.correctness) return nullptr;
  const Correctness& c = *b.correctness;
  return {{"verdict", c.verdict},
          {"text", correctness_cell(b)},
          {"checked", c.checked},
          {"checked_layers", c.checked_layers},
          {"reference", c.reference},
          {"max_abs_err", number_or_null(c.max_abs_err)},
          {"max_rel_err", number_or_null(c.max_rel_err)},
          {"nmse", number_or_null(c.nmse)},
          {"tolerance_nmse", number_or_null(c.tolerance_nmse)},
          {"rechecked_after_timing", c.rechecked_after_timing},
          {"recheck", c.recheck}};
}

ojson validity_of(const BenchmarkResult& b) {
  if (!b.validity) return nullptr;
  const Validity& v = *b.validity;
  auto opt = [](const std::optional<double>& d) { return d ? number_or_null(*d) : ojson(nullptr); };
  return {{"valid", v.valid},
          {"reasons", v.reasons},
          {"stopping", v.stopping},
          {"samples", v.samples},
          {"rel_ci95_half_width", number_or_null(v.rel_ci95_half_width)},
          {"rel_stddev", number_or_null(v.rel_stddev)},
          {"throttled", v.throttled},
          {"load_average_before", opt(v.load_average_before)},
          {"load_average_after", opt(v.load_average_after)}};
}

ojson workload_field(const BenchmarkResult& b, const char* key) {
  auto it = b.workload.find(key);
  return it != b.workload.end() && (it->is_number() || it->is_string()) ? *it : ojson(nullptr);
}

ojson benchmark_of(const BenchmarkResult& b, size_t run) {
  std::string model;
  if (auto m = b.workload.find("model"); m != b.workload.end())
    model = m->is_string() ? m->get<std::string>() : string_at(*m, "name");
  const std::string phase = string_at(b.workload, "phase");
  const double flops = workload_number(b, "flops"), bytes = workload_number(b, "min_bytes");

  ojson j;
  j["run"] = run;
  j["id"] = b.id;
  j["workload"] = workload_id(b);
  j["hash"] = workload_hash(b);
  j["model"] = model;
  j["phase"] = phase;
  for (const char* k : {"batch", "seq", "context", "precision", "layers", "tokens"})
    j[k] = workload_field(b, k);
  j["flops"] = number_or_null(flops);
  j["min_bytes"] = number_or_null(bytes);
  j["intensity"] = flops > 0 && bytes > 0 ? ojson(flops / bytes) : ojson(nullptr);
  j["backend"] = b.backend;
  j["device"] = b.device;
  j["state"] = to_string(b.state);
  j["reason"] = b.reason;
  j["correctness"] = correctness_of(b);
  j["validity"] = validity_of(b);
  const Summary* median = find_summary(b, "latency/host/median");
  j["median"] = median ? number_or_null(median->value) : ojson(nullptr);
  j["median_ci95"] = median && median->ci95
                         ? ojson::array({median->ci95->first, median->ci95->second})
                         : ojson(nullptr);
  j["p99"] = summary_value(b, "latency/host/p99");
  j["tokens_per_s"] = summary_value(b, "throughput/tokens_per_s");
  j["flops_per_s"] = summary_value(b, "compute/flops_per_s");
  j["bytes_per_s"] = summary_value(b, "memory/bytes_per_s");
  j["energy"] = energy_of(b, phase);
  // Bytes the backend allocated (its own records) and the child's peak resident memory.
  j["memory"] = {{"device_total", summary_value(b, "memory/device/total")},
                 {"weights", summary_value(b, "memory/device/weights")},
                 {"kv_cache", summary_value(b, "memory/device/kv_cache")},
                 {"activations", summary_value(b, "memory/device/activations")},
                 {"peak_rss", summary_value(b, "memory/host/peak_rss")}};
  // Why there is no energy figure, when the harness said (the benchmark's "energy" block).
  ojson energy_status = nullptr;
  if (auto e = b.extra.find("energy"); e != b.extra.end() && e->is_object())
    energy_status = {{"state", string_at(*e, "state")}, {"reason", string_at(*e, "reason")}};
  j["energy_status"] = std::move(energy_status);
  j["box"] = box_of(b.host_samples);
  ojson sums = ojson::array();
  for (const Summary& s : b.summaries)
    sums.push_back({{"tag", s.tag},
                    {"unit", s.unit},
                    {"value", number_or_null(s.value)},
                    {"ci95", s.ci95 ? ojson::array({s.ci95->first, s.ci95->second}) : ojson(nullptr)},
                    {"per", s.per},
                    {"description", s.description}});
  j["summaries"] = std::move(sums);
  return j;
}

// The precision trade-off groups of run `run` (export_tradeoff.hpp), each point pointing at its
// benchmark in the page's list, which starts this run's benchmarks at `first`.
void add_tradeoff(const RunResult& r, size_t run, size_t first, ojson& out) {
  for (const TradeoffGroup& g : tradeoff_groups(r)) {
    ojson points = ojson::array();
    for (const TradeoffPoint& p : g.points)
      points.push_back({{"bench", first + size_t(p.bench - r.benchmarks.data())},
                        {"precision", p.precision},
                        {"quantized", p.quantized},
                        {"median", number_or_null(p.median)},
                        {"tokens_per_s", number_or_null(p.tokens_per_s)},
                        {"joules_per_token", number_or_null(p.joules_per_token)},
                        {"quant_nmse", number_or_null(p.quant_nmse)},
                        {"quant_max_abs", number_or_null(p.quant_max_abs)},
                        {"top1", number_or_null(p.top1)},
                        {"speedup", number_or_null(p.speedup)},
                        {"pareto", p.pareto}});
    out.push_back({{"run", run},
                   {"device", g.device},
                   {"shape", g.shape},
                   {"baseline", g.baseline},
                   {"points", std::move(points)}});
  }
}

}  // namespace

ojson dashboard_data(const std::vector<NamedRun>& runs, const CompareSettings& settings) {
  ojson d;
  d["schema"] = "infermark-dashboard";
  d["schema_version"] = "1.0";
  d["generator"] = std::string("infermark ") + INFERMARK_VERSION;
  d["chart_library"] = std::string(dashboard_assets::chart_library_status());
  const std::vector<std::string> labels = run_labels(runs);
  ojson rs = ojson::array(), bs = ojson::array(), tradeoff = ojson::array();
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunResult& r = runs[i].run;
    rs.push_back({{"label", labels[i]},
                  {"file", runs[i].file},
                  {"tool", r.tool},
                  {"run", r.run},
                  {"system", r.system},
                  {"collectors", r.collectors},
                  {"ceilings", ceilings_of(r)}});
    add_tradeoff(r, i, bs.size(), tradeoff);
    for (const BenchmarkResult& b : r.benchmarks) bs.push_back(benchmark_of(b, i));
  }
  d["runs"] = std::move(rs);
  d["benchmarks"] = std::move(bs);
  d["tradeoff"] = std::move(tradeoff);

  d["comparison"] = nullptr;
  if (runs.size() > 1) {
    std::vector<Comparison> cs;
    ojson errors = ojson::array();
    for (size_t i = 1; i < runs.size(); ++i) {
      try {
        cs.push_back(compare_runs(runs[0].run, runs[0].file, runs[i].run, runs[i].file, settings));
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::BadInput) throw;
        // A run that cannot be compared still gets its tables and charts; the page says why.
        errors.push_back({{"contender", runs[i].file}, {"reason", e.what()}});
      }
    }
    ojson c = comparisons_to_json(cs, settings, std::nullopt);
    c["errors"] = std::move(errors);
    d["comparison"] = std::move(c);
  }
  return d;
}

}  // namespace infermark
