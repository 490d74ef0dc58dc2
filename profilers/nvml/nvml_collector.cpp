#include "profilers/nvml/nvml_collector.hpp"

#include <algorithm>
#include <cctype>

#include "common/error.hpp"
#include "profilers/nvml/nvml_api.hpp"

namespace infermark {

namespace {

std::string normalized_uuid(std::string s) {
  if (s.rfind("GPU-", 0) == 0) s = s.substr(4);
  std::string out;
  for (char c : s)
    if (c != '-') out += char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class NvmlCollector final : public Collector {
 public:
  explicit NvmlCollector(std::string library) : library_(std::move(library)) {}
  ~NvmlCollector() override { nvml::unload(api_); }

  std::string name() const override { return "nvml"; }
  CollectorRole role() const override { return CollectorRole::Energy; }

  Probe probe() override {
    Probe p;
    if (!load()) {
      p.reason = load_error_;
      return p;
    }
    unsigned n = 0;
    if (auto r = api_.DeviceGetCount(&n); r != nvml::kSuccess) {
      p.reason = api_.error("nvmlDeviceGetCount_v2", r);
      return p;
    }
    if (n == 0) {
      p.reason = "NVML (driver " + driver_version() + ") finds no NVIDIA GPU";
      return p;
    }
    p.available = true;
    for (unsigned i = 0; i < n; ++i) {
      nvml::Device d = nullptr;
      if (api_.DeviceGetHandleByIndex(i, &d) != nvml::kSuccess) continue;
      unsigned long long mj = 0;
      unsigned mw = 0;
      std::string what = "gpu" + std::to_string(i) + " (" + device_name(d) + ", driver " +
                         driver_version() + "): ";
      if (api_.DeviceGetTotalEnergyConsumption(d, &mj) == nvml::kSuccess) what += "energy counter, ";
      else if (api_.DeviceGetPowerUsage(d, &mw) == nvml::kSuccess) what += "power (no energy counter), ";
      what += "SM/memory clocks, temperature, throttle reasons";
      p.measures.push_back(what);
    }
    return p;
  }

  std::string select(const CollectorTarget& t) override {
    device_ = nullptr;
    if (!load()) return load_error_;
    if (t.device_kind != "gpu")
      return "NVML measures NVIDIA GPUs; this benchmark runs on a " + t.device_kind + " device";
    const bool nvidia = t.backend == "cuda" || t.device_name.find("NVIDIA") != std::string::npos;
    if (!nvidia) return "the benchmark's device (" + t.device_name + ") is not an NVIDIA GPU";
    unsigned n = 0;
    if (auto r = api_.DeviceGetCount(&n); r != nvml::kSuccess) return api_.error("nvmlDeviceGetCount_v2", r);
    std::string want;
    if (t.device_details.contains("uuid") && t.device_details["uuid"].is_string())
      want = normalized_uuid(t.device_details["uuid"].get<std::string>());
    for (unsigned i = 0; i < n; ++i) {
      nvml::Device d = nullptr;
      if (api_.DeviceGetHandleByIndex(i, &d) != nvml::kSuccess) continue;
      char uuid[96] = {};
      api_.DeviceGetUUID(d, uuid, sizeof uuid);
      if ((!want.empty() && normalized_uuid(uuid) == want) || (want.empty() && n == 1)) {
        device_ = d;
        device_label_ = "gpu" + std::to_string(i) + " " + device_name(d) + " (" + uuid + ")";
        break;
      }
    }
    if (!device_)
      return want.empty() ? "cannot tell which of the " + std::to_string(n) +
                                " NVIDIA GPUs the benchmark uses (its device has no uuid)"
                          : "no NVIDIA GPU has the benchmark device's uuid";
    unsigned long long mj = 0;
    unsigned mw = 0;
    has_counter_ = api_.DeviceGetTotalEnergyConsumption(device_, &mj) == nvml::kSuccess;
    has_power_ = api_.DeviceGetPowerUsage(device_, &mw) == nvml::kSuccess;
    if (!has_counter_ && !has_power_)
      return "NVML reports neither energy nor power for " + device_label_;
    return {};
  }

  std::vector<EnergyDomain> energy_domains() override {
    if (!device_) return {};
    if (has_counter_)
      return {{"gpu", true, 0, 0.1,
               "nvmlDeviceGetTotalEnergyConsumption (mJ since driver load), " + device_label_}};
    return {{"gpu", false, 0, 0.1, "nvmlDeviceGetPowerUsage (mW), " + device_label_}};
  }

  std::vector<double> energy_sample() override {
    if (!device_) return {};
    if (has_counter_) {
      unsigned long long mj = 0;
      if (auto r = api_.DeviceGetTotalEnergyConsumption(device_, &mj); r != nvml::kSuccess)
        throw Error(ErrorKind::Unavailable, "nvml: " + api_.error("nvmlDeviceGetTotalEnergyConsumption", r));
      return {double(mj) * 1e-3};
    }
    unsigned mw = 0;
    if (auto r = api_.DeviceGetPowerUsage(device_, &mw); r != nvml::kSuccess)
      throw Error(ErrorKind::Unavailable, "nvml: " + api_.error("nvmlDeviceGetPowerUsage", r));
    return {double(mw) * 1e-3};
  }

  std::optional<TelemetrySample> telemetry_sample() override {
    if (!device_) return std::nullopt;
    TelemetrySample s;
    s.device = device_label_;
    unsigned v = 0;
    if (api_.DeviceGetClockInfo(device_, nvml::kClockSm, &v) == nvml::kSuccess) s.sm_clock_hz = v * 1e6;
    if (api_.DeviceGetClockInfo(device_, nvml::kClockMem, &v) == nvml::kSuccess) s.mem_clock_hz = v * 1e6;
    if (api_.DeviceGetTemperature(device_, nvml::kTemperatureGpu, &v) == nvml::kSuccess)
      s.temperature_c = v;
    if (api_.DeviceGetPowerUsage(device_, &v) == nvml::kSuccess) s.power_w = v * 1e-3;
    unsigned long long reasons = 0;
    if (api_.DeviceGetCurrentClocksEventReasons(device_, &reasons) == nvml::kSuccess)
      for (const auto& b : nvml::kThrottleBits)
        if (reasons & b.bit) s.throttle.push_back(b.name);
    return s;
  }

  void begin() override { start_ = energy_sample(); }
  void end() override { stop_ = energy_sample(); }
  std::vector<Reading> read() override {
    if (!has_counter_ || start_.empty() || stop_.empty()) return {};
    return {{"gpu_energy", "J", stop_[0] - start_[0],
             "nvmlDeviceGetTotalEnergyConsumption, " + device_label_, true}};
  }

 private:
  bool load() {
    if (!tried_) {
      tried_ = true;
      loaded_ = nvml::load(library_, api_, load_error_);
    }
    return loaded_;
  }
  std::string driver_version() {
    char buf[96] = {};
    if (api_.SystemGetDriverVersion(buf, sizeof buf) != nvml::kSuccess) return "unknown";
    return buf;
  }
  std::string device_name(nvml::Device d) {
    char buf[96] = {};
    if (api_.DeviceGetName(d, buf, sizeof buf) != nvml::kSuccess) return "unknown GPU";
    return buf;
  }

  std::string library_;
  nvml::Api api_;
  bool tried_ = false, loaded_ = false;
  std::string load_error_;
  nvml::Device device_ = nullptr;
  std::string device_label_;
  bool has_counter_ = false, has_power_ = false;
  std::vector<double> start_, stop_;
};

}  // namespace

std::unique_ptr<Collector> make_nvml_collector(const std::string& library) {
  return std::make_unique<NvmlCollector>(library);
}

}  // namespace infermark
