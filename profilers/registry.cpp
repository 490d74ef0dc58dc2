#include "profilers/registry.hpp"

#include "common/error.hpp"
#include "config.hpp"
#include "profilers/nvml/nvml_collector.hpp"
#include "profilers/perf_event/perf_event_collector.hpp"
#include "profilers/rapl/rapl_collector.hpp"
#if INFERMARK_HAS_PAPI
#include "profilers/papi/papi_collector.hpp"
#endif
#if INFERMARK_HAS_CUPTI
#include "profilers/cupti/cupti_collector.hpp"
#endif

namespace infermark {

const std::vector<CollectorEntry>& collector_registry() {
  static const std::vector<CollectorEntry> entries = [] {
    std::vector<CollectorEntry> e;
    e.push_back({"perf_event", [] { return make_perf_event_collector(); }});
#if INFERMARK_HAS_PAPI
    e.push_back({"papi", [] { return make_papi_collector(); }});
#endif
    e.push_back({"rapl", [] { return make_rapl_collector(); }});
    e.push_back({"nvml", [] { return make_nvml_collector(); }});
#if INFERMARK_HAS_CUPTI
    e.push_back({"cupti", [] { return make_cupti_collector(); }});
#endif
    return e;
  }();
  return entries;
}

std::vector<std::pair<std::string, std::string>> collectors_compiled_out() {
  std::vector<std::pair<std::string, std::string>> out;
#if !INFERMARK_HAS_PAPI
  out.push_back({"papi", "not built (" INFERMARK_PAPI_STATUS ")"});
#endif
#if !INFERMARK_HAS_CUPTI
  out.push_back({"cupti", "not built (" INFERMARK_CUPTI_STATUS ")"});
#endif
  return out;
}

void check_counter_events(const std::vector<std::string>& events) {
  if (events.empty()) return;
  for (const auto& e : events)
    if (e.empty()) throw Error(ErrorKind::BadInput, "--counters: an event name is empty");
  for (const auto& entry : collector_registry()) {
    auto c = entry.make();
    if (c->takes_events()) c->request(events);
  }
}

}  // namespace infermark
