#include "profilers/nvml/nvml_api.hpp"

#include <dlfcn.h>

namespace infermark::nvml {

std::string Api::error(const char* call, Return r) const {
  const char* s = ErrorString ? ErrorString(r) : nullptr;
  return std::string(call) + ": " + (s ? s : "NVML error " + std::to_string(r));
}

namespace {

template <class F>
bool sym(void* h, const char* name, F& out) {
  out = reinterpret_cast<F>(::dlsym(h, name));
  return out != nullptr;
}

}  // namespace

bool load(const std::string& library, Api& api, std::string& why) {
  api = Api{};
  void* h = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = ::dlerror();
    why = "dlopen(" + library + "): " + (e ? e : "failed") + " (no NVIDIA driver on this machine)";
    return false;
  }
  api.handle = h;
  const char* missing = nullptr;
  auto need = [&](const char* name, auto& f) {
    if (!missing && !sym(h, name, f)) missing = name;
  };
  need("nvmlInit_v2", api.Init);
  need("nvmlShutdown", api.Shutdown);
  need("nvmlErrorString", api.ErrorString);
  need("nvmlSystemGetDriverVersion", api.SystemGetDriverVersion);
  need("nvmlDeviceGetCount_v2", api.DeviceGetCount);
  need("nvmlDeviceGetHandleByIndex_v2", api.DeviceGetHandleByIndex);
  need("nvmlDeviceGetName", api.DeviceGetName);
  need("nvmlDeviceGetUUID", api.DeviceGetUUID);
  need("nvmlDeviceGetTotalEnergyConsumption", api.DeviceGetTotalEnergyConsumption);
  need("nvmlDeviceGetPowerUsage", api.DeviceGetPowerUsage);
  need("nvmlDeviceGetClockInfo", api.DeviceGetClockInfo);
  need("nvmlDeviceGetTemperature", api.DeviceGetTemperature);
  if (!sym(h, "nvmlDeviceGetCurrentClocksEventReasons", api.DeviceGetCurrentClocksEventReasons))
    need("nvmlDeviceGetCurrentClocksThrottleReasons", api.DeviceGetCurrentClocksEventReasons);
  if (missing) {
    why = library + " lacks " + missing + " (driver too old for infermark's NVML use)";
    ::dlclose(h);
    api = Api{};
    return false;
  }
  if (const Return r = api.Init(); r != kSuccess) {
    why = api.error("nvmlInit_v2", r);
    ::dlclose(h);
    api = Api{};
    return false;
  }
  return true;
}

void unload(Api& api) {
  if (!api.handle) return;
  api.Shutdown();
  ::dlclose(api.handle);
  api = Api{};
}

}  // namespace infermark::nvml
