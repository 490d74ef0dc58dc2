#include "harness/energy_pass.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "common/error.hpp"
#include "harness/energy_pass_math.hpp"
#include "profilers/registry.hpp"

namespace infermark {

namespace {

using Clock = std::chrono::steady_clock;

struct Source {
  std::string name;
  std::unique_ptr<Collector> collector;
  std::vector<EnergyDomain> domains;
};

// One series per domain and phase (0 idle, 1 active), filled by the sampling thread and by the
// main thread at the window edges, under one lock so readings stay in time order.
class Sampler {
 public:
  Sampler(std::vector<Source>& sources, double period_s) : sources_(sources), period_s_(period_s) {
    for (const auto& s : sources_)
      for (size_t k = 0; k < s.domains.size(); ++k) series_[0].emplace_back(), series_[1].emplace_back();
    t0_ = Clock::now();
  }
  ~Sampler() { stop(); }

  void start(int phase) {
    phase_ = phase;
    sample();
    running_ = true;
    thread_ = std::thread([this] {
      while (running_) {
        std::this_thread::sleep_for(std::chrono::duration<double>(period_s_));
        if (running_) sample();
      }
    });
  }
  void stop() {
    if (!thread_.joinable()) return;
    running_ = false;
    thread_.join();
    sample();
  }
  // Fewest changes seen so far in the current phase, over the cumulative domains (power readings
  // are sampled, not updated, so they count their samples).
  int64_t fewest_updates() {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t fewest = INT64_MAX;
    for (const auto& r : series_[phase_]) {
      int64_t n = 0;
      for (size_t i = 1; i < r.size(); ++i) n += r[i].value != r[i - 1].value;
      fewest = std::min(fewest, n);
    }
    return fewest == INT64_MAX ? 0 : fewest;
  }
  const std::vector<EnergyReading>& series(int phase, size_t domain) const { return series_[phase][domain]; }
  std::string error() {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

 private:
  void sample() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_.empty()) return;
    size_t d = 0;
    for (auto& s : sources_) {
      std::vector<double> v;
      try {
        v = s.collector->energy_sample();
      } catch (const std::exception& e) {
        error_ = e.what();
        return;
      }
      if (v.size() != s.domains.size()) {
        error_ = s.name + ": energy_sample() returned " + std::to_string(v.size()) + " values for " +
                 std::to_string(s.domains.size()) + " domains";
        return;
      }
      const double t = std::chrono::duration<double>(Clock::now() - t0_).count();
      for (double x : v) series_[phase_][d++].push_back({t, x});
    }
  }

  std::vector<Source>& sources_;
  double period_s_;
  Clock::time_point t0_;
  std::mutex mu_;
  std::vector<std::vector<EnergyReading>> series_[2];
  std::atomic<int> phase_{0};
  std::atomic<bool> running_{false};
  std::thread thread_;
  std::string error_;
};

std::vector<CollectorChoice> registry_choices() {
  std::vector<CollectorChoice> out;
  for (const auto& e : collector_registry()) out.push_back({e.name, e.make});
  return out;
}

std::string fmt(const char* f, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

Summary energy_summary(const std::string& domain, const char* what, const char* unit, double value,
                       const char* per, std::string description, const ojson& extra) {
  Summary s;
  s.tag = "energy/" + tag_segment(domain) + "/" + what;
  s.unit = unit;
  s.value = value;
  s.per = per;
  s.description = std::move(description);
  s.extra = extra;
  return s;
}

}  // namespace

PassOutcome run_energy_pass(Executable& exe, const BenchmarkSpec& spec, const CollectorTarget& target) {
  return run_energy_pass(exe, spec, target, registry_choices(), EnergyPassLimits{});
}

PassOutcome run_energy_pass(Executable& exe, const BenchmarkSpec& spec, const CollectorTarget& target,
                            const std::vector<CollectorChoice>& collectors,
                            const EnergyPassLimits& limits) {
  PassOutcome out;
  if (spec.energy == "off") {
    out.block = {{"state", "off"}, {"reason", "turned off with --no-energy"}};
    return out;
  }

  // Which collectors measure this benchmark's energy, and why the others do not.
  std::vector<Source> sources;
  ojson unavailable = ojson::array();
  std::string reasons;
  auto not_used = [&](const std::string& name, const std::string& why) {
    unavailable.push_back({{"collector", name}, {"reason", why}});
    reasons += (reasons.empty() ? "" : "; ") + name + ": " + why;
  };
  for (const auto& choice : collectors) {
    try {
      auto c = choice.make();
      if (c->role() != CollectorRole::Energy) continue;
      const Probe p = c->probe();
      if (!p.available) {
        not_used(choice.name, p.reason);
        continue;
      }
      if (std::string why = c->select(target); !why.empty()) {
        not_used(choice.name, why);
        continue;
      }
      auto domains = c->energy_domains();
      if (domains.empty()) {
        not_used(choice.name, "no energy domain for this device");
        continue;
      }
      sources.push_back({choice.name, std::move(c), std::move(domains)});
    } catch (const Error& e) {
      not_used(choice.name, e.what());
    }
  }
  if (sources.empty()) {
    out.block = {{"state", "unavailable"},
                 {"reason", "no energy collector measures this benchmark: " +
                                (reasons.empty() ? std::string("none is built") : reasons)},
                 {"requested", spec.energy == "on"},
                 {"unavailable", unavailable}};
    return out;
  }

  // The slowest counter sets the windows; sampling at half its period (5 ms … 50 ms) sees
  // every update of slow counters without loading the CPU the benchmark runs on.
  double period = 0;
  for (const auto& s : sources)
    for (const auto& d : s.domains) period = std::max(period, d.update_period_s);
  const double window = energy_window_seconds(period, limits.min_window_s, limits.min_updates);
  const double cap = std::max(limits.max_window_s, 2 * window);
  Sampler sampler(sources, std::clamp(period / 2, 0.005, 0.05));

  // Idle, just before: the device synchronised, nothing running.
  exe.sync();
  sampler.start(0);
  std::this_thread::sleep_for(std::chrono::duration<double>(window));
  sampler.stop();

  // Active: inferences back to back (each synchronised, as in the latency pass) until the window
  // is long enough and every domain has updated often enough.
  exe.sync();
  sampler.start(1);
  const auto t0 = Clock::now();
  int64_t n = 0;
  auto last_check = t0;
  while (true) {
    exe.run();
    exe.sync();
    ++n;
    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - t0).count();
    if (elapsed < window || now - last_check < std::chrono::milliseconds(20)) continue;
    last_check = now;
    const int64_t fewest = sampler.fewest_updates();
    if (fewest >= limits.min_updates || elapsed >= cap) break;
    if (fewest == 0 && elapsed >= 2 * window) break;  // a counter that does not move at all
    if (!sampler.error().empty()) break;
  }
  exe.sync();
  sampler.stop();

  ojson domains = ojson::array();
  const int64_t tokens = spec.workload.tokens();
  const std::string token = token_kind(spec.workload.phase);
  const std::string sampler_error = sampler.error();
  size_t index = 0;
  bool any = false;
  for (const auto& s : sources) {
    for (const auto& d : s.domains) {
      const size_t i = index++;
      ojson dj = {{"domain", d.name}, {"collector", s.name}, {"provenance", d.provenance}};
      if (!sampler_error.empty()) {
        dj["state"] = "unavailable";
        dj["reason"] = sampler_error;
        domains.push_back(dj);
        continue;
      }
      try {
        auto window_of = [&](int phase) {
          const auto& r = sampler.series(phase, i);
          return d.cumulative ? counter_window(r, d.wrap_joules) : integrated_power_window(r);
        };
        const EnergyWindow active = window_of(1);
        const EnergyWindow idle = window_of(0);
        if (std::string why = window_shortfall(active, limits.min_window_s, limits.min_updates);
            !why.empty()) {
          dj["state"] = "unavailable";
          dj["reason"] = why;
          dj["window_s"] = active.seconds;
          dj["updates"] = active.updates;
          domains.push_back(dj);
          continue;
        }
        const std::string idle_short = window_shortfall(idle, limits.min_window_s, limits.min_updates);
        const EnergyFigures f = energy_figures(
            active, idle_short.empty() ? std::optional<EnergyWindow>(idle) : std::nullopt, n, tokens);
        const ojson extra = {{"source", active.source},
                             {"window_s", active.seconds},
                             {"window_inferences", n},
                             {"counter_updates", active.updates},
                             {"collector", s.name}};
        const std::string over = " over " + fmt("%.3f", active.seconds) + " s (" + std::to_string(n) +
                                 " inferences), from the " + active.source;
        out.summaries.push_back(energy_summary(
            d.name, "joules_per_inference", "J", f.joules_per_inference, "inference",
            "energy per inference" + over + "; includes idle power", extra));
        out.summaries.push_back(energy_summary(
            d.name, "joules_per_token", "J", f.joules_per_token, "token",
            "energy per " + token + " (" + std::to_string(tokens) + " per inference)" + over, extra));
        out.summaries.push_back(energy_summary(d.name, "mean_power_w", "W", f.mean_power_w, "",
                                               "mean power" + over, extra));
        dj["state"] = "measured";
        dj["source"] = active.source;
        dj["window_s"] = active.seconds;
        dj["inferences"] = n;
        dj["updates"] = active.updates;
        dj["joules"] = active.joules;
        dj["token_kind"] = token;
        dj["uncertainty_joules_per_inference"] = f.uncertainty_joules_per_inference;
        if (f.idle_power_w) {
          const ojson idle_extra = {{"source", idle.source},
                                    {"window_s", idle.seconds},
                                    {"counter_updates", idle.updates},
                                    {"collector", s.name}};
          out.summaries.push_back(energy_summary(
              d.name, "idle_power_w", "W", *f.idle_power_w, "",
              "mean power with nothing running, over " + fmt("%.3f", idle.seconds) +
                  " s just before the energy pass, from the " + idle.source,
              idle_extra));
          out.summaries.push_back(energy_summary(
              d.name, "joules_per_inference_above_idle", "J", *f.joules_per_inference_above_idle,
              "inference", "energy per inference minus idle power × time" + over, extra));
          dj["idle_window_s"] = idle.seconds;
          dj["idle_power_w"] = *f.idle_power_w;
        } else {
          dj["idle_reason"] = "idle window: " + idle_short;
        }
        any = true;
      } catch (const Error& e) {
        dj["state"] = "unavailable";
        dj["reason"] = e.what();
      }
      domains.push_back(dj);
    }
  }
  out.block = {{"state", any ? "measured" : "unavailable"}};
  if (!any) {
    std::string why;
    for (const auto& dj : domains)
      why += (why.empty() ? "" : "; ") + dj["domain"].get<std::string>() + ": " +
             dj.value("reason", std::string());
    if (!reasons.empty()) why += "; " + reasons;
    out.block["reason"] = why;
  }
  out.block["domains"] = domains;
  if (!unavailable.empty()) out.block["unavailable"] = unavailable;
  return out;
}

}  // namespace infermark
