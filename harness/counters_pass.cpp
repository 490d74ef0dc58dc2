#include "harness/counters_pass.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "common/error.hpp"
#include "profilers/registry.hpp"

namespace infermark {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<CollectorChoice> registry_choices() {
  std::vector<CollectorChoice> out;
  for (const auto& e : collector_registry()) out.push_back({e.name, e.make});
  return out;
}

ojson requested_unavailable(const std::vector<std::string>& events, const std::string& why) {
  ojson u = ojson::object();
  for (const auto& e : events) u[e] = why;
  return u;
}

void add_summaries(const std::string& collector, const std::vector<Reading>& readings,
                   int64_t inferences, int64_t tokens, double window_s,
                   std::vector<Summary>& out) {
  for (const Reading& r : readings) {
    const std::string base = "counter/" + collector + "/" + tag_segment(r.name);
    ojson extra = {{"source", r.source}, {"window_inferences", inferences}, {"window_s", window_s}};
    if (!r.extensive) {
      Summary s;
      s.tag = base;
      s.unit = r.unit;
      s.value = r.value;
      s.description = r.name + " over the counters window (a ratio: not normalised)";
      s.extra = extra;
      out.push_back(s);
      continue;
    }
    Summary per_inf;
    per_inf.tag = base;
    per_inf.unit = r.unit;
    per_inf.value = r.value / double(inferences);
    per_inf.per = "inference";
    per_inf.description = r.name + " per inference, counted over " + std::to_string(inferences) +
                          " inferences separate from the latency pass";
    per_inf.extra = extra;
    out.push_back(per_inf);
    Summary per_tok = per_inf;
    per_tok.tag = base + "/per_token";
    per_tok.value = r.value / double(inferences * tokens);
    per_tok.per = "token";
    per_tok.description = r.name + " per token (" + std::to_string(tokens) + " tokens per inference)";
    out.push_back(per_tok);
  }
}

}  // namespace

std::string tag_segment(const std::string& name) {
  std::string s = name.empty() ? "_" : name;
  for (char& c : s)
    if (c == '/' || std::isspace(static_cast<unsigned char>(c))) c = '_';
  return s;
}

CollectorTarget collector_target(const BenchmarkSpec& spec, const DeviceInfo& device) {
  CollectorTarget t;
  t.backend = spec.backend;
  t.device_id = device.id;
  t.device_name = device.name;
  t.device_kind = device.kind;
  t.device_details = device.details;
  return t;
}

int64_t counters_iterations(double median_s, double window_s, int min_iterations) {
  int64_t n = std::max<int64_t>(min_iterations, 1);
  if (median_s > 0 && std::isfinite(median_s))
    n = std::max<int64_t>(n, int64_t(std::ceil(window_s / median_s)));
  return std::min<int64_t>(n, 100000);
}

PassOutcome run_counters_pass(Executable& exe, const BenchmarkSpec& spec,
                              const CollectorTarget& target, double median_s) {
  return run_counters_pass(exe, spec, target, median_s, registry_choices(), collectors_compiled_out());
}

PassOutcome run_counters_pass(Executable& exe, const BenchmarkSpec& spec,
                              const CollectorTarget& target, double median_s,
                              const std::vector<CollectorChoice>& collectors,
                              const std::vector<std::pair<std::string, std::string>>& not_built) {
  PassOutcome out;
  const int64_t tokens = spec.workload.tokens();
  // The window is the latency pass's minimum time: long enough for counts well above their
  // noise, short next to the latency pass. Counts need no sample statistics, so a few inferences
  // suffice when each is long (min_iterations of a slow workload would multiply the run time).
  const int64_t n = counters_iterations(median_s, spec.settings.min_time_s,
                                        std::min(spec.settings.min_iterations, 3));
  ojson entries = ojson::array();
  bool events_taken = false;

  for (const auto& choice : collectors) {
    ojson e = {{"name", choice.name}};
    std::unique_ptr<Collector> c;
    try {
      c = choice.make();
      if (c->role() != CollectorRole::Counters) continue;
      const bool takes = c->takes_events();
      events_taken = events_taken || takes;
      const Probe p = c->probe();
      if (!p.available) {
        e["state"] = "unavailable";
        e["reason"] = p.reason;
        if (takes && !spec.counters.empty())
          e["unavailable"] = requested_unavailable(spec.counters, p.reason);
        entries.push_back(e);
        continue;
      }
      if (const std::string why = c->select(target); !why.empty()) {
        e["state"] = "not_applicable";
        e["reason"] = why;
        entries.push_back(e);
        continue;
      }
      if (takes) {
        if (spec.counters.empty()) {
          e["state"] = "not_requested";
          e["reason"] = "no events named with --counters";
          entries.push_back(e);
          continue;
        }
        c->request(spec.counters);
      }
    } catch (const Error& err) {
      e["state"] = "unavailable";
      e["reason"] = err.what();
      entries.push_back(e);
      continue;
    }

    // The window: collector on, n inferences, device synchronised at both edges.
    exe.sync();
    bool begun = false;
    double window_s = 0;
    try {
      c->begin();
      begun = true;
      const auto t0 = Clock::now();
      for (int64_t i = 0; i < n; ++i) {
        exe.run();
        exe.sync();
      }
      window_s = std::chrono::duration<double>(Clock::now() - t0).count();
      c->end();
      const std::vector<Reading> readings = c->read();
      e["state"] = readings.empty() ? "unavailable" : "measured";
      if (readings.empty()) e["reason"] = "no requested event could be counted";
      e["inferences"] = n;
      e["window_s"] = window_s;
      add_summaries(choice.name, readings, n, tokens, window_s, out.summaries);
      const ojson details = c->details();
      for (auto it = details.begin(); it != details.end(); ++it) e[it.key()] = it.value();
    } catch (const Error& err) {
      if (err.kind() == ErrorKind::Backend) throw;  // the executable failed, not the collector
      if (begun) {
        try {
          c->end();
        } catch (...) {
        }
      }
      e["state"] = "unavailable";
      e["reason"] = err.what();
      try {  // events it had already found uncountable are still named
        const ojson details = c->details();
        if (details.contains("unavailable")) e["unavailable"] = details["unavailable"];
      } catch (const Error&) {
      }
    }
    entries.push_back(e);
  }
  for (const auto& [name, why] : not_built) {
    ojson e = {{"name", name}, {"state", "unavailable"}, {"reason", why}};
    if (name == "papi" && !spec.counters.empty()) e["unavailable"] = requested_unavailable(spec.counters, why);
    entries.push_back(e);
  }
  out.block = {{"inferences_per_window", n}, {"collectors", entries}};
  if (!spec.counters.empty()) {
    out.block["requested"] = spec.counters;
    if (!events_taken)
      out.block["unavailable"] =
          requested_unavailable(spec.counters, "no collector that counts named events is built");
  }
  return out;
}

}  // namespace infermark
