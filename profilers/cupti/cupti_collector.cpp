#include "profilers/cupti/cupti_collector.hpp"

#include <cupti.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>

#include "common/error.hpp"

namespace infermark {

namespace {

std::string cupti_error(const char* call, CUptiResult r) {
  const char* s = nullptr;
  cuptiGetResultString(r, &s);
  return std::string(call) + ": " + (s ? s : "CUPTI error " + std::to_string(int(r)));
}

// Whether the CUDA driver loads and sees a device, asked through the driver's own entry points
// (dlopen, so the binary does not depend on libcuda). Empty when it does; otherwise why not.
std::string cuda_driver_problem() {
  void* h = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = ::dlerror();
    return std::string("CUDA driver: dlopen(libcuda.so.1): ") + (e ? e : "failed");
  }
  using InitFn = int (*)(unsigned);
  using CountFn = int (*)(int*);
  using NameFn = int (*)(int, const char**);
  auto init = reinterpret_cast<InitFn>(::dlsym(h, "cuInit"));
  auto count = reinterpret_cast<CountFn>(::dlsym(h, "cuDeviceGetCount"));
  auto name = reinterpret_cast<NameFn>(::dlsym(h, "cuGetErrorName"));
  auto err = [&](const char* call, int r) {
    const char* s = nullptr;
    if (name) name(r, &s);
    return std::string("CUDA driver: ") + call + ": " + (s ? s : "error " + std::to_string(r));
  };
  if (!init || !count) return "CUDA driver: libcuda.so.1 lacks cuInit/cuDeviceGetCount";
  // libcuda stays loaded: CUDA does not support unloading the driver within a process.
  if (int r = init(0); r != 0) return err("cuInit", r);
  int n = 0;
  if (int r = count(&n); r != 0) return err("cuDeviceGetCount", r);
  if (n == 0) return "CUDA driver: no CUDA device";
  return {};
}

// Activity records arrive in buffers, through C callbacks: one store for the process.
struct KernelTotals {
  uint64_t count = 0;
  double seconds = 0;
};
struct ActivityStore {
  std::mutex mu;
  std::map<std::string, KernelTotals> kernels;
  uint64_t memcpy_count = 0;
  double memcpy_seconds = 0;
  double memcpy_bytes = 0;
  uint64_t other_records = 0;
  bool enabled = false;  // records outside a window are ignored
};

ActivityStore& store() {
  static ActivityStore s;
  return s;
}

constexpr size_t kBufferBytes = 8 << 20;

void CUPTIAPI buffer_requested(uint8_t** buffer, size_t* size, size_t* max_records) {
  *buffer = static_cast<uint8_t*>(std::aligned_alloc(8, kBufferBytes));
  *size = *buffer ? kBufferBytes : 0;
  *max_records = 0;
}

void CUPTIAPI buffer_completed(CUcontext, uint32_t, uint8_t* buffer, size_t, size_t valid) {
  ActivityStore& s = store();
  {
    std::lock_guard<std::mutex> lock(s.mu);
    CUpti_Activity* rec = nullptr;
    while (s.enabled && cuptiActivityGetNextRecord(buffer, valid, &rec) == CUPTI_SUCCESS) {
      if (rec->kind == CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL || rec->kind == CUPTI_ACTIVITY_KIND_KERNEL) {
        const auto* k = reinterpret_cast<const CUpti_ActivityKernel10*>(rec);
        auto& t = s.kernels[k->name ? k->name : "(unnamed)"];
        t.count += 1;
        t.seconds += double(k->end - k->start) * 1e-9;
      } else if (rec->kind == CUPTI_ACTIVITY_KIND_MEMCPY) {
        const auto* m = reinterpret_cast<const CUpti_ActivityMemcpy6*>(rec);
        s.memcpy_count += 1;
        s.memcpy_seconds += double(m->end - m->start) * 1e-9;
        s.memcpy_bytes += double(m->bytes);
      } else {
        s.other_records += 1;
      }
    }
  }
  std::free(buffer);
}

const CUpti_ActivityKind kKinds[] = {CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_MEMCPY};

// Registers the callbacks once and enables the activity kinds; empty on success.
std::string enable_activity() {
  static std::once_flag once;
  static CUptiResult reg = CUPTI_SUCCESS;
  std::call_once(once, [] { reg = cuptiActivityRegisterCallbacks(buffer_requested, buffer_completed); });
  if (reg != CUPTI_SUCCESS) return cupti_error("cuptiActivityRegisterCallbacks", reg);
  for (auto k : kKinds)
    if (CUptiResult r = cuptiActivityEnable(k); r != CUPTI_SUCCESS)
      return cupti_error(k == CUPTI_ACTIVITY_KIND_MEMCPY ? "cuptiActivityEnable(MEMCPY)"
                                                         : "cuptiActivityEnable(CONCURRENT_KERNEL)",
                         r);
  return {};
}

void disable_activity() {
  for (auto k : kKinds) cuptiActivityDisable(k);
}

class CuptiCollector final : public Collector {
 public:
  std::string name() const override { return "cupti"; }

  Probe probe() override {
    Probe p;
    uint32_t version = 0;
    if (CUptiResult r = cuptiGetVersion(&version); r != CUPTI_SUCCESS) {
      p.reason = cupti_error("cuptiGetVersion", r);
      return p;
    }
    const std::string driver = cuda_driver_problem();
    const std::string enable = enable_activity();
    disable_activity();
    if (!driver.empty() || !enable.empty()) {
      p.reason = "CUPTI API " + std::to_string(version) + ": " + enable +
                 (!enable.empty() && !driver.empty() ? "; " : "") + driver;
      return p;
    }
    p.available = true;
    p.measures = {"kernels", "kernel_time", "memcpy_time", "memcpy_bytes", "top kernels by time"};
    return p;
  }

  std::string select(const CollectorTarget& t) override {
    if (t.backend != "cuda")
      return "CUPTI observes CUDA activity; the " + t.backend + " backend does not use CUDA";
    return {};
  }

  void begin() override {
    readings_.clear();
    top_ = nlohmann::ordered_json::array();
    ActivityStore& s = store();
    {
      std::lock_guard<std::mutex> lock(s.mu);
      s.kernels.clear();
      s.memcpy_count = 0;
      s.memcpy_seconds = s.memcpy_bytes = 0;
      s.other_records = 0;
      s.enabled = false;
    }
    cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);  // drop anything from before
    {
      std::lock_guard<std::mutex> lock(s.mu);
      s.enabled = true;
    }
    if (std::string err = enable_activity(); !err.empty()) {
      disable_activity();
      throw Error(ErrorKind::Unavailable, "cupti: " + err);
    }
  }

  void end() override {
    // The harness synchronised the device, so every record of the window is complete.
    const CUptiResult flush = cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
    disable_activity();
    ActivityStore& s = store();
    std::lock_guard<std::mutex> lock(s.mu);
    s.enabled = false;
    if (flush != CUPTI_SUCCESS) {
      flush_error_ = cupti_error("cuptiActivityFlushAll", flush);
      return;
    }
    uint64_t count = 0;
    double seconds = 0;
    std::vector<std::pair<std::string, KernelTotals>> by_time(s.kernels.begin(), s.kernels.end());
    for (const auto& [n, t] : by_time) {
      count += t.count;
      seconds += t.seconds;
    }
    std::sort(by_time.begin(), by_time.end(),
              [](const auto& a, const auto& b) { return a.second.seconds > b.second.seconds; });
    for (size_t i = 0; i < by_time.size() && i < 10; ++i)
      top_.push_back({{"name", by_time[i].first},
                      {"launches", by_time[i].second.count},
                      {"seconds", by_time[i].second.seconds},
                      {"share", seconds > 0 ? by_time[i].second.seconds / seconds : 0.0}});
    const std::string src = "CUPTI activity (CONCURRENT_KERNEL, MEMCPY records)";
    readings_ = {{"kernels", "1", double(count), src, true},
                 {"kernel_time", "s", seconds, src + ": sum of kernel durations", true},
                 {"memcpy_count", "1", double(s.memcpy_count), src, true},
                 {"memcpy_time", "s", s.memcpy_seconds, src + ": sum of copy durations", true},
                 {"memcpy_bytes", "B", s.memcpy_bytes, src, true}};
  }

  std::vector<Reading> read() override {
    if (!flush_error_.empty()) throw Error(ErrorKind::Unavailable, "cupti: " + flush_error_);
    return readings_;
  }

  nlohmann::ordered_json details() override {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    j["top_kernels"] = top_;
    return j;
  }

 private:
  std::vector<Reading> readings_;
  nlohmann::ordered_json top_ = nlohmann::ordered_json::array();
  std::string flush_error_;
};

}  // namespace

std::unique_ptr<Collector> make_cupti_collector() { return std::make_unique<CuptiCollector>(); }

}  // namespace infermark
