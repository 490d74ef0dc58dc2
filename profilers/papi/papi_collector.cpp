#include "profilers/papi/papi_collector.hpp"

#include <papi.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "common/error.hpp"
#include "profilers/process_threads.hpp"

namespace infermark {

namespace {

std::string papi_error(const char* call, int rc) {
  const char* s = PAPI_strerror(rc);
  return std::string(call) + ": " + (s ? s : "error " + std::to_string(rc));
}

// PAPI_library_init once per process; later calls see the first outcome.
struct PapiInit {
  bool ok = false;
  std::string error;
  std::string version;
  std::string cpu_component_error;  // why the CPU (perf_event) component is disabled, if it is
  int cpu_component = -1;
  bool any_counters = false;        // an enabled component with counters
};

const PapiInit& papi_init() {
  static PapiInit init;
  static std::once_flag once;
  std::call_once(once, [] {
    const int rc = PAPI_library_init(PAPI_VER_CURRENT);
    if (rc != PAPI_VER_CURRENT) {
      init.error = rc > 0 ? "PAPI_library_init: the library's version differs from the header's"
                          : papi_error("PAPI_library_init", rc);
      return;
    }
    init.ok = true;
    const int v = PAPI_get_opt(PAPI_LIB_VERSION, nullptr);
    init.version = std::to_string(PAPI_VERSION_MAJOR(v)) + "." + std::to_string(PAPI_VERSION_MINOR(v)) +
                   "." + std::to_string(PAPI_VERSION_REVISION(v)) + "." +
                   std::to_string(PAPI_VERSION_INCREMENT(v));
    init.cpu_component = PAPI_get_component_index("perf_event");
    for (int c = 0; c < PAPI_num_components(); ++c) {
      const PAPI_component_info_t* info = PAPI_get_component_info(c);
      if (!info) continue;
      if (c == init.cpu_component && info->disabled)
        init.cpu_component_error = std::string("component perf_event disabled: ") + info->disabled_reason;
      if (!info->disabled && info->num_cntrs > 0) init.any_counters = true;
    }
    if (init.cpu_component < 0) init.cpu_component_error = "PAPI was built without its perf_event component";
  });
  return init;
}

int available_presets() {
  int code = PAPI_PRESET_MASK, n = 0;
  if (PAPI_enum_event(&code, PAPI_ENUM_FIRST) != PAPI_OK) return 0;
  do {
    if (PAPI_query_event(code) == PAPI_OK) ++n;
  } while (PAPI_enum_event(&code, PAPI_PRESET_ENUM_AVAIL) == PAPI_OK);
  return n;
}

struct Event {
  std::string name;
  int code = 0;
};

class PapiCollector final : public Collector {
 public:
  std::string name() const override { return "papi"; }
  bool takes_events() const override { return true; }

  Probe probe() override {
    Probe p;
    const PapiInit& init = papi_init();
    if (!init.ok) {
      p.reason = init.error;
      return p;
    }
    if (!init.any_counters) {
      p.reason = "PAPI " + init.version + " initialises but finds no hardware events: " +
                 (init.cpu_component_error.empty() ? "no enabled component has counters"
                                                   : init.cpu_component_error);
      return p;
    }
    p.available = true;
    p.measures.push_back("events named with --counters (" + std::to_string(available_presets()) +
                         " PAPI presets available here; papi_avail lists them)");
    if (!init.cpu_component_error.empty()) p.unavailable_parts.push_back({"cpu events", init.cpu_component_error});
    return p;
  }

  void request(const std::vector<std::string>& names) override {
    events_.clear();
    unavailable_.clear();
    const PapiInit& init = papi_init();
    for (const auto& n : names) {
      if (!init.ok) {
        unavailable_[n] = init.error;
        continue;
      }
      int code = 0;
      const int rc = PAPI_event_name_to_code(n.c_str(), &code);
      if (rc != PAPI_OK) {
        if (n.rfind("PAPI_", 0) == 0)
          throw Error(ErrorKind::BadInput,
                      "--counters: '" + n + "' is not a PAPI preset (" +
                          papi_error("PAPI_event_name_to_code", rc) +
                          "); papi_avail lists the presets");
        if (init.cpu_component_error.empty())
          throw Error(ErrorKind::BadInput,
                      "--counters: '" + n + "' is neither a PAPI preset nor a native event of this machine (" +
                          papi_error("PAPI_event_name_to_code", rc) +
                          "); papi_native_avail lists the native events");
        // Without a CPU component PAPI cannot tell a misspelt native name from one this
        // machine lacks: report it as not countable here, with the reason.
        unavailable_[n] = "cannot resolve the native event: " + init.cpu_component_error;
        continue;
      }
      if (const int q = PAPI_query_event(code); q != PAPI_OK) {
        unavailable_[n] = "not countable on this machine (" + papi_error("PAPI_query_event", q) +
                          (init.cpu_component_error.empty() ? "" : "; " + init.cpu_component_error) + ")";
        continue;
      }
      events_.push_back({n, code});
    }
  }

  void begin() override {
    readings_.clear();
    note_.clear();
    if (events_.empty()) return;
    // One event set per thread, attached to it, so the OpenMP pool's work is counted too; when
    // attaching is refused, the calling thread alone is counted and the source says so.
    if (!start_sets(true)) {
      const std::string why = note_;
      stop_sets(nullptr);
      if (!start_sets(false)) {
        const std::string err = note_;
        stop_sets(nullptr);
        throw Error(ErrorKind::Unavailable, "papi: " + err);
      }
      note_ = "calling thread only (attaching to the other threads failed: " + why + ")";
    } else {
      note_ = "every thread (one attached event set each)";
    }
  }

  void end() override {
    if (sets_.empty()) return;
    std::vector<long long> total(counted_.size(), 0);
    stop_sets(&total);
    for (size_t i = 0; i < counted_.size(); ++i)
      readings_.push_back({counted_[i].name, "1", double(total[i]),
                           "PAPI " + papi_init().version + " " +
                               (IS_PRESET(counted_[i].code) ? "preset " : "native event ") +
                               counted_[i].name + ", " + note_,
                           true});
  }

  std::vector<Reading> read() override { return readings_; }

  nlohmann::ordered_json details() override {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const auto& [n, why] : unavailable_) j["unavailable"][n] = why;
    return j;
  }

 private:
  // Creates, fills and starts the event sets; false (with note_ saying why) on failure.
  bool start_sets(bool attach) {
    counted_.clear();
    std::vector<pid_t> tids = attach ? process_thread_ids() : std::vector<pid_t>{0};
    for (pid_t tid : tids) {
      int es = PAPI_NULL;
      int rc = PAPI_create_eventset(&es);
      if (rc != PAPI_OK) return fail(papi_error("PAPI_create_eventset", rc));
      sets_.push_back(es);
      if (attach) {
        rc = PAPI_assign_eventset_component(es, papi_init().cpu_component);
        if (rc != PAPI_OK) return fail(papi_error("PAPI_assign_eventset_component", rc));
        rc = PAPI_attach(es, (unsigned long)tid);
        if (rc != PAPI_OK) return fail(papi_error("PAPI_attach", rc));
      }
      if (sets_.size() == 1) {
        for (const auto& e : events_) {
          rc = PAPI_add_event(es, e.code);
          if (rc != PAPI_OK) {
            // Known, but not together with the others (too few counters): say so.
            unavailable_[e.name] = "not countable together with the other events (" +
                                   papi_error("PAPI_add_event", rc) + ")";
            continue;
          }
          counted_.push_back(e);
        }
      } else {
        // Every other thread counts the same events, in the same order, so values add up.
        for (const auto& e : counted_)
          if ((rc = PAPI_add_event(es, e.code)) != PAPI_OK) return fail(papi_error("PAPI_add_event", rc));
      }
      if (counted_.empty()) return fail("no requested event could be added");
      rc = PAPI_start(es);
      if (rc != PAPI_OK) return fail(papi_error("PAPI_start", rc));
      started_.push_back(es);
    }
    return true;
  }

  bool fail(const std::string& why) {
    note_ = why;
    return false;
  }

  void stop_sets(std::vector<long long>* total) {
    std::vector<long long> v(events_.size(), 0);
    for (int es : sets_) {
      const bool running = std::find(started_.begin(), started_.end(), es) != started_.end();
      if (running && PAPI_stop(es, v.data()) == PAPI_OK && total)
        for (size_t i = 0; i < total->size(); ++i) (*total)[i] += v[i];
      PAPI_cleanup_eventset(es);
      PAPI_destroy_eventset(&es);
    }
    sets_.clear();
    started_.clear();
  }

  std::vector<Event> events_;     // requested and countable here
  std::vector<Event> counted_;    // added to the running sets, in set order
  std::map<std::string, std::string> unavailable_;
  std::vector<int> sets_, started_;
  std::string note_;
  std::vector<Reading> readings_;
};

}  // namespace

std::unique_ptr<Collector> make_papi_collector() { return std::make_unique<PapiCollector>(); }

}  // namespace infermark
