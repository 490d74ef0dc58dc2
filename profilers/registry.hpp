// The collector registry: every collector compiled into this binary, by explicit registration.
// `infermark list` and result files report each one's availability, with the reason when absent.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "profilers/collector.hpp"

namespace infermark {

struct CollectorEntry {
  std::string name;
  std::function<std::unique_ptr<Collector>()> make;
};

const std::vector<CollectorEntry>& collector_registry();

// Collectors the project plans but this binary lacks, with the reason (for `list` and results).
std::vector<std::pair<std::string, std::string>> collectors_compiled_out();

// Checks the events named with --counters before anything runs: throws BadInput for a name no
// collector can ever count (a misspelt PAPI preset). Events known but not countable here pass,
// and are reported as unavailable in each result.
void check_counter_events(const std::vector<std::string>& events);

}  // namespace infermark
