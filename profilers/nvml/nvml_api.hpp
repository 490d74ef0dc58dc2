// The few NVML entry points infermark uses, loaded with dlopen (the machines have the driver's
// libnvidia-ml.so.1 at most, never nvml.h). Prototypes and constants follow NVML's documentation.
#pragma once

#include <string>

namespace infermark::nvml {

using Return = int;  // nvmlReturn_t; NVML_SUCCESS = 0
using Device = struct nvmlDevice_st*;
constexpr Return kSuccess = 0;
constexpr Return kNotSupported = 3;  // NVML_ERROR_NOT_SUPPORTED

// nvmlClockType_t
constexpr int kClockGraphics = 0, kClockSm = 1, kClockMem = 2;
// nvmlTemperatureSensors_t
constexpr int kTemperatureGpu = 0;

// nvmlClocksEventReasons bits that mean the GPU runs slower than it could (the idle, application-
// clock, sync-boost and display reasons do not).
struct ThrottleBit {
  unsigned long long bit;
  const char* name;
};
inline constexpr ThrottleBit kThrottleBits[] = {
    {0x4ULL, "sw_power_cap"},
    {0x8ULL, "hw_slowdown"},
    {0x20ULL, "sw_thermal_slowdown"},
    {0x40ULL, "hw_thermal_slowdown"},
    {0x80ULL, "hw_power_brake_slowdown"},
};

struct Api {
  void* handle = nullptr;
  Return (*Init)() = nullptr;                                     // nvmlInit_v2
  Return (*Shutdown)() = nullptr;                                 // nvmlShutdown
  const char* (*ErrorString)(Return) = nullptr;                   // nvmlErrorString
  Return (*SystemGetDriverVersion)(char*, unsigned) = nullptr;
  Return (*DeviceGetCount)(unsigned*) = nullptr;                  // nvmlDeviceGetCount_v2
  Return (*DeviceGetHandleByIndex)(unsigned, Device*) = nullptr;  // nvmlDeviceGetHandleByIndex_v2
  Return (*DeviceGetName)(Device, char*, unsigned) = nullptr;
  Return (*DeviceGetUUID)(Device, char*, unsigned) = nullptr;
  Return (*DeviceGetTotalEnergyConsumption)(Device, unsigned long long*) = nullptr;  // mJ
  Return (*DeviceGetPowerUsage)(Device, unsigned*) = nullptr;                        // mW
  Return (*DeviceGetClockInfo)(Device, int, unsigned*) = nullptr;                    // MHz
  Return (*DeviceGetTemperature)(Device, int, unsigned*) = nullptr;                  // °C
  // nvmlDeviceGetCurrentClocksEventReasons, or the older …ThrottleReasons name.
  Return (*DeviceGetCurrentClocksEventReasons)(Device, unsigned long long*) = nullptr;

  // "nvmlDeviceGetPowerUsage: Not Supported"
  std::string error(const char* call, Return r) const;
};

// dlopen + dlsym + nvmlInit. On failure returns false with `why` (the dlopen or NVML error) and
// leaves nothing loaded. `library` is a parameter so tests can name one that does not exist.
bool load(const std::string& library, Api& api, std::string& why);
void unload(Api& api);  // nvmlShutdown + dlclose

}  // namespace infermark::nvml
