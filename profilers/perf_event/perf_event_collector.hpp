// The perf_event collector: the kernel's software counters (task clock, context switches, page
// faults, CPU migrations) always, and hardware counters (cycles, instructions → IPC, cache and
// branch misses) where the kernel exposes a CPU PMU; otherwise it says why, and keeps the rest.
#pragma once

#include <memory>

#include "profilers/collector.hpp"

namespace infermark {

std::unique_ptr<Collector> make_perf_event_collector();

}  // namespace infermark
