// The collector registry: every collector compiled into this binary, by explicit registration.
// The profilers issue fills it; `infermark list` and result files report each one's availability.
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

}  // namespace infermark
