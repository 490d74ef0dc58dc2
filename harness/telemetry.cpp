#include "harness/telemetry.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include "common/error.hpp"
#include "profilers/registry.hpp"

namespace infermark {

namespace {

struct Range {
  double min = 0, max = 0, sum = 0;
  int64_t n = 0;
  void add(double x) {
    min = n ? std::min(min, x) : x;
    max = n ? std::max(max, x) : x;
    sum += x;
    ++n;
  }
  ojson json() const { return {{"min", min}, {"max", max}, {"mean", n ? sum / double(n) : 0.0}}; }
};

struct DeviceSeen {
  int64_t samples = 0;
  Range sm, mem, temp, power;
  std::map<std::string, int64_t> throttle;
};

std::vector<CollectorChoice> registry_choices() {
  std::vector<CollectorChoice> out;
  for (const auto& e : collector_registry()) out.push_back({e.name, e.make});
  return out;
}

}  // namespace

TelemetryRecord summarize_telemetry(const std::vector<TelemetrySample>& samples,
                                    const std::vector<std::string>& sources) {
  TelemetryRecord t;
  std::map<std::string, DeviceSeen> seen;
  for (const auto& s : samples) {
    DeviceSeen& d = seen[s.device];
    d.samples += 1;
    if (s.sm_clock_hz) d.sm.add(*s.sm_clock_hz);
    if (s.mem_clock_hz) d.mem.add(*s.mem_clock_hz);
    if (s.temperature_c) d.temp.add(*s.temperature_c);
    if (s.power_w) d.power.add(*s.power_w);
    for (const auto& r : s.throttle) d.throttle[r] += 1;
  }
  ojson devices = ojson::array();
  for (const auto& [name, d] : seen) {
    ojson j = {{"device", name}, {"samples", d.samples}};
    if (d.sm.n) {
      j["sm_clock_hz"] = d.sm.json();
      t.clock_changes = t.clock_changes.value_or(false) || d.sm.min != d.sm.max;
    }
    if (d.mem.n) j["mem_clock_hz"] = d.mem.json();
    if (d.temp.n) j["temperature_c"] = d.temp.json();
    if (d.power.n) j["power_w"] = d.power.json();
    ojson th = ojson::object();
    for (const auto& [reason, count] : d.throttle) {
      th[reason] = count;
      t.throttling.push_back(name + ": " + reason + " in " + std::to_string(count) + " of " +
                             std::to_string(d.samples) + " samples");
    }
    j["throttle"] = th;
    devices.push_back(j);
  }
  t.block = {{"state", "measured"}, {"sources", sources}, {"samples", int64_t(samples.size())},
             {"devices", devices}};
  return t;
}

void apply_telemetry(Validity& v, const TelemetryRecord& t) {
  v.extra["telemetry"] = t.block;
  v.extra["clock_changes"] = t.clock_changes ? ojson(*t.clock_changes) : ojson(nullptr);
  if (t.throttling.empty()) return;
  v.throttled = true;
  std::string why = "the device throttled during the latency pass (";
  for (size_t i = 0; i < t.throttling.size(); ++i) why += (i ? "; " : "") + t.throttling[i];
  v.reasons.push_back(why + ")");
  v.valid = false;
}

TelemetryRecorder::TelemetryRecorder(const CollectorTarget& target, double period_s)
    : TelemetryRecorder(target, registry_choices(), period_s) {}

TelemetryRecorder::TelemetryRecorder(const CollectorTarget& target,
                                     const std::vector<CollectorChoice>& collectors, double period_s) {
  std::string reasons;
  for (const auto& choice : collectors) {
    try {
      auto c = choice.make();
      if (c->role() != CollectorRole::Energy) continue;  // the telemetry sources are the device meters
      const Probe p = c->probe();
      std::string why = p.available ? c->select(target) : p.reason;
      if (why.empty() && !c->telemetry_sample()) why = "no telemetry for this device";
      if (!why.empty()) {
        reasons += (reasons.empty() ? "" : "; ") + choice.name + ": " + why;
        continue;
      }
      names_.push_back(choice.name);
      sources_.push_back(std::move(c));
    } catch (const Error& e) {
      reasons += (reasons.empty() ? "" : "; ") + choice.name + ": " + e.what();
    }
  }
  if (sources_.empty()) {
    none_reason_ = "no collector reports clocks, temperature or throttling for this device" +
                   (reasons.empty() ? std::string() : ": " + reasons);
    return;
  }
  running_ = true;
  sample();
  thread_ = std::thread([this, period_s] {
    while (running_) {
      std::this_thread::sleep_for(std::chrono::duration<double>(period_s));
      if (running_) sample();
    }
  });
}

TelemetryRecorder::~TelemetryRecorder() {
  running_ = false;
  if (thread_.joinable()) thread_.join();
}

void TelemetryRecorder::sample() {
  for (auto& c : sources_) {
    std::optional<TelemetrySample> s;
    try {
      s = c->telemetry_sample();
    } catch (const Error&) {
      continue;  // one missed look; the count of samples says how many were taken
    }
    if (!s) continue;
    std::lock_guard<std::mutex> lock(mu_);
    samples_.push_back(*s);
  }
}

TelemetryRecord TelemetryRecorder::stop() {
  if (sources_.empty()) {
    TelemetryRecord t;
    t.block = {{"state", "unavailable"}, {"reason", none_reason_}};
    return t;
  }
  running_ = false;
  if (thread_.joinable()) thread_.join();
  sample();  // the state at the end of the pass
  std::lock_guard<std::mutex> lock(mu_);
  return summarize_telemetry(samples_, names_);
}

}  // namespace infermark
