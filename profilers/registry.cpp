#include "profilers/registry.hpp"

#include "config.hpp"

namespace infermark {

const std::vector<CollectorEntry>& collector_registry() {
  static const std::vector<CollectorEntry> entries;  // collectors register here as they land
  return entries;
}

std::vector<std::pair<std::string, std::string>> collectors_compiled_out() {
  return {
      {"perf_event", "not implemented in this version"},
#if INFERMARK_HAS_PAPI
      {"papi", "not implemented in this version"},
#else
      {"papi", "not built (" INFERMARK_PAPI_STATUS ")"},
#endif
      {"rapl", "not implemented in this version"},
      {"nvml", "not implemented in this version"},
      {"cupti", "not implemented in this version"},
  };
}

}  // namespace infermark
