#include "harness/system_info.hpp"

#include <cblas.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

namespace infermark {
namespace {

// The CPU features that decide which kernels a backend can use (oneDNN ISA, bf16/f16 paths);
// the full flag list is hundreds of entries nobody compares.
const char* const kInterestingFlags[] = {"avx2",        "avx512f",  "avx512_bf16",
                                         "avx512_fp16", "avx512_vnni", "amx_bf16",
                                         "amx_int8",    "fma",      "f16c"};

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

nlohmann::ordered_json string_or_null(const std::optional<std::string>& s) {
  return s ? nlohmann::ordered_json(*s) : nlohmann::ordered_json(nullptr);
}

// "key<spaces>: value" lines of /proc/cpuinfo and /proc/meminfo.
std::pair<std::string, std::string> key_value(const std::string& line) {
  const size_t colon = line.find(':');
  if (colon == std::string::npos) return {trim(line), ""};
  return {trim(line.substr(0, colon)), trim(line.substr(colon + 1))};
}

// Socket and core counts from sysfs, for CPUs whose /proc/cpuinfo has no topology (AArch64).
std::pair<nlohmann::ordered_json, nlohmann::ordered_json> sysfs_topology() {
  namespace fs = std::filesystem;
  std::set<std::string> packages;
  std::set<std::pair<std::string, std::string>> cores;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/sys/devices/system/cpu", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 4 || name.compare(0, 3, "cpu") != 0 ||
        name.find_first_not_of("0123456789", 3) != std::string::npos)
      continue;
    auto pkg = read_file(entry.path().string() + "/topology/physical_package_id");
    auto core = read_file(entry.path().string() + "/topology/core_id");
    if (!pkg || !core) continue;
    packages.insert(trim(*pkg));
    cores.insert({trim(*pkg), trim(*core)});
  }
  if (packages.empty()) return {nullptr, nullptr};
  return {int(packages.size()), int(cores.size())};
}

std::string compiler() {
#if defined(__clang__)
  return "Clang " + std::to_string(__clang_major__) + "." + std::to_string(__clang_minor__) + "." +
         std::to_string(__clang_patchlevel__);
#elif defined(__GNUC__)
  return "GCC " + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
         std::to_string(__GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

}  // namespace

std::optional<std::string> openblas_version_from_config(const std::string& config) {
  const std::string tag = "OpenBLAS ";
  const size_t p = config.find(tag);
  if (p == std::string::npos) return std::nullopt;
  const size_t b = p + tag.size();
  const size_t e = config.find_first_of(" \t\n", b);
  std::string v = config.substr(b, e == std::string::npos ? std::string::npos : e - b);
  if (v.empty() || !std::isdigit(static_cast<unsigned char>(v[0]))) return std::nullopt;
  return v;
}

std::optional<std::string> os_pretty_name(const std::string& os_release) {
  std::istringstream in(os_release);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
    std::string v = trim(line.substr(12));
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
      v = v.substr(1, v.size() - 2);
    return v;
  }
  return std::nullopt;
}

nlohmann::ordered_json parse_cpuinfo(const std::string& cpuinfo) {
  std::optional<std::string> model, vendor;
  std::set<std::string> flags, packages;
  std::set<std::pair<std::string, std::string>> cores;
  std::string package;  // "physical id" of the processor block being read
  std::istringstream in(cpuinfo);
  for (std::string line; std::getline(in, line);) {
    auto [key, value] = key_value(line);
    if (key == "processor") package.clear();
    else if (key == "model name" && !model) model = value;
    else if (key == "vendor_id" && !vendor) vendor = value;
    else if (key == "physical id") packages.insert(package = value);
    else if (key == "core id") cores.insert({package, value});
    else if (key == "flags" || key == "Features") {
      std::istringstream f(value);
      for (std::string flag; f >> flag;) flags.insert(flag);
    }
  }
  nlohmann::ordered_json j;
  j["model"] = string_or_null(model);
  j["vendor"] = string_or_null(vendor);
  j["sockets"] = packages.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(int(packages.size()));
  j["cores"] = cores.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(int(cores.size()));
  j["flags"] = nlohmann::ordered_json::array();
  for (const char* f : kInterestingFlags)
    if (flags.count(f)) j["flags"].push_back(f);
  return j;
}

std::optional<double> load_average() {
  auto text = read_file("/proc/loadavg");
  if (!text) return std::nullopt;
  try {
    return std::stod(*text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

nlohmann::ordered_json collect_system_info() {
  nlohmann::ordered_json j;
  char host[256] = {};
  j["hostname"] = gethostname(host, sizeof host - 1) == 0 ? nlohmann::ordered_json(host)
                                                          : nlohmann::ordered_json(nullptr);
  auto os_release = read_file("/etc/os-release");
  j["os"] = string_or_null(os_release ? os_pretty_name(*os_release) : std::nullopt);
  struct utsname u {};
  j["kernel"] = uname(&u) == 0 ? nlohmann::ordered_json(u.release) : nlohmann::ordered_json(nullptr);

  nlohmann::ordered_json parsed = parse_cpuinfo(read_file("/proc/cpuinfo").value_or(""));
  if (parsed["sockets"].is_null() || parsed["cores"].is_null()) {
    auto [sockets, cores] = sysfs_topology();
    if (parsed["sockets"].is_null()) parsed["sockets"] = sockets;
    if (parsed["cores"].is_null()) parsed["cores"] = cores;
  }
  nlohmann::ordered_json cpu;
  cpu["model"] = parsed["model"];
  cpu["vendor"] = parsed["vendor"];
  cpu["sockets"] = parsed["sockets"];
  cpu["cores"] = parsed["cores"];
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  cpu["threads"] = online > 0 ? nlohmann::ordered_json(online) : nlohmann::ordered_json(nullptr);
  cpu["flags"] = parsed["flags"];
  auto governor = read_file("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  cpu["governor"] = governor ? nlohmann::ordered_json(trim(*governor)) : nlohmann::ordered_json(nullptr);
  cpu["max_mhz"] = nullptr;
  if (auto khz = read_file("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")) {
    try {
      cpu["max_mhz"] = std::stod(*khz) / 1000.0;
    } catch (const std::exception&) {
    }
  }
  j["cpu"] = cpu;

  j["memory_bytes"] = nullptr;
  if (auto meminfo = read_file("/proc/meminfo")) {
    std::istringstream in(*meminfo);
    for (std::string line; std::getline(in, line);) {
      auto [key, value] = key_value(line);
      if (key != "MemTotal") continue;
      try {
        j["memory_bytes"] = int64_t(std::stoll(value)) * 1024;  // the kernel reports kB
      } catch (const std::exception&) {
      }
      break;
    }
  }
  j["compiler"] = compiler();

  nlohmann::ordered_json libs;
  const char* config = openblas_get_config();
  libs["openblas"] = string_or_null(config ? openblas_version_from_config(config) : std::nullopt);
  libs["nlohmann_json"] = std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                          std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                          std::to_string(NLOHMANN_JSON_VERSION_PATCH);
  j["libraries"] = libs;
  return j;
}

}  // namespace infermark
