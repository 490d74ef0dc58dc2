// The RAPL collector: CPU package, core, uncore, DRAM and platform energy counters from the
// powercap tree (/sys/class/powercap/intel-rapl:*; AMD exposes its RAPL there too).
// The root is a parameter so tests run against a tree they build, wraps included.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "profilers/collector.hpp"

namespace infermark {

inline constexpr const char* kPowercapRoot = "/sys/class/powercap";

// One RAPL zone found under the powercap root.
struct RaplZone {
  std::string domain;          // "cpu-package-0", "cpu-dram-0", "psys"
  std::string energy_path;     // …/intel-rapl:0/energy_uj
  double max_range_j = 0;      // max_energy_range_uj in J (the wrap point)
  std::string error;           // why it cannot be read (permission, missing file); empty: readable
};

// The zones under `root`, in directory order of their sysfs names; empty with `why` set when
// there are none.
std::vector<RaplZone> find_rapl_zones(const std::string& root, std::string& why);

std::unique_ptr<Collector> make_rapl_collector(const std::string& root = kPowercapRoot);

}  // namespace infermark
