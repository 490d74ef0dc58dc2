// The NVML collector: an NVIDIA GPU's energy counter (mJ since driver load), power, SM and memory
// clocks, temperature and throttle reasons, through the driver's libnvidia-ml.so.1 (dlopen).
#pragma once

#include <memory>
#include <string>

#include "profilers/collector.hpp"

namespace infermark {

inline constexpr const char* kNvmlLibrary = "libnvidia-ml.so.1";

std::unique_ptr<Collector> make_nvml_collector(const std::string& library = kNvmlLibrary);

}  // namespace infermark
