#include "profilers/perf_event/perf_event_collector.hpp"

#include <linux/perf_event.h>

#include <algorithm>
#include <map>

#include "common/error.hpp"
#include "profilers/perf_event/perf_counter.hpp"

namespace infermark {

namespace {

const std::vector<PerfEventSpec>& software_events() {
  static const std::vector<PerfEventSpec> e = {
      {"task_clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, "PERF_COUNT_SW_TASK_CLOCK", "s", 1e-9},
      {"context_switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES,
       "PERF_COUNT_SW_CONTEXT_SWITCHES", "1", 1},
      {"page_faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, "PERF_COUNT_SW_PAGE_FAULTS", "1", 1},
      {"cpu_migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS,
       "PERF_COUNT_SW_CPU_MIGRATIONS", "1", 1},
  };
  return e;
}

const std::vector<PerfEventSpec>& hardware_events() {
  static const std::vector<PerfEventSpec> e = {
      {"cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, "PERF_COUNT_HW_CPU_CYCLES", "1", 1},
      {"instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "PERF_COUNT_HW_INSTRUCTIONS", "1", 1},
      {"cache_misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES, "PERF_COUNT_HW_CACHE_MISSES", "1", 1},
      {"branch_misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES, "PERF_COUNT_HW_BRANCH_MISSES", "1", 1},
  };
  return e;
}

// Opens a group, retrying user-space-only when the kernel refuses to count kernel time.
std::optional<std::string> open_group(const std::vector<PerfEventSpec>& events, PerfEventGroup& g) {
  auto err = PerfEventGroup::open(events, false, g);
  if (err && (err->find("EACCES") != std::string::npos || err->find("EPERM") != std::string::npos))
    return PerfEventGroup::open(events, true, g);  // its own reason when it fails too
  return err;
}

// Each hardware event on its own, so a PMU that lacks one event (some hypervisors expose only
// cycles and instructions) still gives the others. Returns event → why, for those that failed.
std::map<std::string, std::string> open_hardware(std::vector<PerfEventGroup>& groups) {
  std::map<std::string, std::string> missing;
  groups.clear();
  for (const auto& e : hardware_events()) {
    PerfEventGroup g;
    if (auto err = open_group({e}, g)) missing[e.name] = *err;
    else groups.push_back(std::move(g));
  }
  return missing;
}

// One "hardware counters" entry when none opened (with the first event's reason), else one per
// missing event.
std::vector<std::pair<std::string, std::string>> describe_missing(
    const std::map<std::string, std::string>& missing) {
  if (missing.empty()) return {};
  if (missing.size() == hardware_events().size())
    return {{"hardware counters", missing.at(hardware_events().front().name)}};
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, why] : missing) out.push_back({name, why});
  return out;
}

// Counted where the kernel switches tasks: with kernel counting forbidden they always read 0, so
// they are reported as unavailable rather than as zeros.
const std::vector<std::string> kKernelOnly = {"context_switches", "cpu_migrations"};
const char* kKernelOnlyWhy =
    "counted in the kernel, and perf_event_paranoid allows this process user space only "
    "(run as root, or sysctl kernel.perf_event_paranoid=1)";

bool kernel_only(const std::string& name) {
  return std::find(kKernelOnly.begin(), kKernelOnly.end(), name) != kKernelOnly.end();
}

class PerfEventCollector final : public Collector {
 public:
  std::string name() const override { return "perf_event"; }

  Probe probe() override {
    Probe p;
    PerfEventGroup sw;
    if (auto err = open_group(software_events(), sw)) {
      p.reason = *err;
      return p;
    }
    p.available = true;
    for (const auto& e : software_events())
      if (!sw.user_only() || !kernel_only(e.name)) p.measures.push_back(e.name);
    std::vector<PerfEventGroup> hw;
    const auto missing = open_hardware(hw);
    for (const auto& e : hardware_events())
      if (!missing.count(e.name)) p.measures.push_back(e.name);
    if (!missing.count("cycles") && !missing.count("instructions")) p.measures.push_back("ipc");
    for (const auto& part : describe_missing(missing)) p.unavailable_parts.push_back(part);
    if (sw.user_only())
      for (const auto& n : kKernelOnly) p.unavailable_parts.push_back({n, kKernelOnlyWhy});
    return p;
  }

  void begin() override {
    readings_.clear();
    if (auto err = open_group(software_events(), sw_))
      throw Error(ErrorKind::Unavailable, "perf_event: " + *err);
    hw_missing_ = open_hardware(hw_);
    sw_.enable();
    for (auto& g : hw_) g.enable();
  }

  void end() override {
    for (auto& g : hw_) g.disable();
    sw_.disable();
    collect(sw_);
    user_only_ = sw_.user_only();
    if (user_only_)
      readings_.erase(std::remove_if(readings_.begin(), readings_.end(),
                                     [](const Reading& r) { return kernel_only(r.name); }),
                      readings_.end());
    for (const auto& g : hw_) collect(g);
    double cycles = 0, instructions = 0;
    for (const auto& r : readings_) {
      if (r.name == "cycles") cycles = r.value;
      if (r.name == "instructions") instructions = r.value;
    }
    if (cycles > 0 && !hw_missing_.count("instructions"))
      readings_.push_back({"ipc", "1", instructions / cycles,
                           "instructions / cycles (perf_event_open, same window)", false});
    sw_ = PerfEventGroup();
    hw_.clear();
  }

  std::vector<Reading> read() override { return readings_; }

  nlohmann::ordered_json details() override {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const auto& [part, why] : describe_missing(hw_missing_)) j["unavailable"][part] = why;
    if (user_only_)
      for (const auto& n : kKernelOnly) j["unavailable"][n] = kKernelOnlyWhy;
    return j;
  }

 private:
  void collect(const PerfEventGroup& g) {
    const auto values = g.read();
    for (size_t i = 0; i < values.size(); ++i) {
      const auto& e = g.events()[i];
      std::string src = "perf_event_open(" + e.config_name + "), every thread";
      if (g.user_only()) src += ", user space only";
      if (values[i].multiplexed) src += ", multiplexed: scaled by time enabled / time running";
      readings_.push_back({e.name, e.unit, values[i].value, src, true});
    }
  }

  PerfEventGroup sw_;
  std::vector<PerfEventGroup> hw_;
  std::map<std::string, std::string> hw_missing_;  // event → why it could not be opened
  bool user_only_ = false;
  std::vector<Reading> readings_;
};

}  // namespace

std::unique_ptr<Collector> make_perf_event_collector() {
  return std::make_unique<PerfEventCollector>();
}

}  // namespace infermark
