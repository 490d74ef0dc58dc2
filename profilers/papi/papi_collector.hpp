// The PAPI collector: preset (PAPI_TOT_INS) and native events the user names with --counters.
// Unknown names are bad input; known events this machine cannot count are listed as unavailable.
#pragma once

#include <memory>

#include "profilers/collector.hpp"

namespace infermark {

std::unique_ptr<Collector> make_papi_collector();

}  // namespace infermark
