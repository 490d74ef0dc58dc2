#include <algorithm>
#include <cctype>
#include <cmath>

#include "common/error.hpp"
#include "results/compare_stats.hpp"
#include "results/export.hpp"
#include "results/export_common.hpp"

namespace infermark {

namespace {

using namespace exports;

double unit_scale(const std::string& unit) {
  if (unit == "ns") return 1e9;
  if (unit == "us") return 1e6;
  if (unit == "ms") return 1e3;
  if (unit == "s") return 1;
  throw_bad_input("command line", "--time-unit",
                  "expected ns, us, ms or s (Google Benchmark's units), got '" + unit + "'");
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

// Sample standard deviation (n − 1), as Google Benchmark's stddev aggregate; 0 for one value.
double stddev_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double m = mean_of(v);
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / double(v.size() - 1));
}

ojson context_of(const RunResult& r) {
  ojson c;
  // Google Benchmark writes local time with its offset; the result file keeps UTC ("…Z").
  std::string date = string_at(r.run, "started_at");
  if (!date.empty() && date.back() == 'Z') date = date.substr(0, date.size() - 1) + "+00:00";
  c["date"] = date;
  c["host_name"] = host_name(r);
  std::string exe = "infermark";
  if (auto cl = r.run.find("command_line"); r.run.is_object() && cl != r.run.end() &&
                                            cl->is_array() && !cl->empty() && (*cl)[0].is_string())
    exe = (*cl)[0].get<std::string>();
  c["executable"] = exe;
  int64_t cpus = 0, mhz = 0;
  std::string governor;
  if (auto cpu = r.system.find("cpu"); r.system.is_object() && cpu != r.system.end()) {
    for (const char* k : {"threads", "cores"})
      if (auto v = cpu->find(k); cpus == 0 && v != cpu->end() && v->is_number()) cpus = v->get<int64_t>();
    if (auto v = cpu->find("max_mhz"); v != cpu->end() && v->is_number()) mhz = int64_t(v->get<double>());
    governor = string_at(*cpu, "governor");
  }
  c["num_cpus"] = cpus;
  c["mhz_per_cpu"] = mhz;
  // Unknown governor (null): nothing says scaling is on, as Google Benchmark assumes.
  c["cpu_scaling_enabled"] = !governor.empty() && governor != "performance";
  c["caches"] = ojson::array();
  std::string build = string_at(r.tool, "build_type", "release");
  std::transform(build.begin(), build.end(), build.begin(), [](unsigned char ch) { return std::tolower(ch); });
  c["library_build_type"] = build.find("debug") != std::string::npos ? "debug" : "release";
  c["infermark_run_id"] = run_id(r);
  c["infermark_version"] = string_at(r.tool, "version");
  c["infermark_git_revision"] = string_at(r.tool, "git_revision");
  return c;
}

}  // namespace

ojson export_gbench(const NamedRun& nr, const std::string& time_unit) {
  const double scale = unit_scale(time_unit);
  const RunResult& r = nr.run;
  ojson doc;
  doc["context"] = context_of(r);
  ojson benches = ojson::array();
  ojson not_measured = ojson::array();
  int64_t family = 0;
  for (const BenchmarkResult& b : r.benchmarks) {
    const bool measured = (b.state == State::Passed || b.state == State::Mistrusted) &&
                          !b.host_samples.empty();
    if (!measured) {
      not_measured.push_back({{"name", b.id}, {"state", to_string(b.state)}, {"reason", b.reason}});
      continue;
    }
    const double tokens = workload_number(b, "tokens");
    const double flops = workload_number(b, "flops");
    const int64_t n = int64_t(b.host_samples.size());
    auto entry = [&](const std::string& name, const char* run_type) {
      ojson e;
      e["name"] = name;
      e["family_index"] = family;
      e["per_family_instance_index"] = 0;
      e["run_name"] = b.id;
      e["run_type"] = run_type;
      e["repetitions"] = n;
      return e;
    };
    auto add_counters = [&](ojson& e, double tps, double fps) {
      if (std::isfinite(tps)) e["tokens_per_s"] = tps;
      if (std::isfinite(fps)) e["flops_per_s"] = fps;
    };
    const std::string label =
        b.state == State::Mistrusted ? "mistrusted" + (b.reason.empty() ? "" : ": " + b.reason) : "";
    std::vector<double> tps, fps;
    for (int64_t i = 0; i < n; ++i) {
      const double t = b.host_samples[size_t(i)];
      ojson e = entry(b.id, "iteration");
      e["repetition_index"] = i;
      e["threads"] = 1;
      e["iterations"] = 1;
      e["real_time"] = t * scale;
      e["cpu_time"] = t * scale;  // wall time only: infermark has no per-sample CPU time
      e["time_unit"] = time_unit;
      tps.push_back(tokens / t);
      fps.push_back(flops / t);
      add_counters(e, tps.back(), fps.back());
      if (!label.empty()) e["label"] = label;
      benches.push_back(std::move(e));
    }
    // Aggregates over the repetitions, as Google Benchmark computes them (counters included).
    const std::vector<std::pair<const char*, double (*)(const std::vector<double>&)>> aggs = {
        {"mean", mean_of},
        {"median", [](const std::vector<double>& v) { return median_of(v); }},
        {"stddev", stddev_of}};
    for (const auto& [agg, fn] : aggs) {
      ojson e = entry(b.id + "_" + agg, "aggregate");
      e["threads"] = 1;
      e["aggregate_name"] = agg;
      e["aggregate_unit"] = "time";
      e["iterations"] = n;
      const double t = fn(b.host_samples);
      e["real_time"] = t * scale;
      e["cpu_time"] = t * scale;
      e["time_unit"] = time_unit;
      add_counters(e, std::isfinite(tokens) ? fn(tps) : NAN, std::isfinite(flops) ? fn(fps) : NAN);
      if (!label.empty()) e["label"] = label;
      benches.push_back(std::move(e));
    }
    ++family;
  }
  doc["benchmarks"] = std::move(benches);
  doc["infermark_not_measured"] = std::move(not_measured);
  return doc;
}

}  // namespace infermark
