// System information: the parsers on known text, and the collected block on this machine
// (fields present, right types, values that agree with independent sources).
#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <unistd.h>

#include "harness/system_info.hpp"

using namespace infermark;

TEST_CASE("system_info: OpenBLAS version and os-release parsing") {
  CHECK(openblas_version_from_config("OpenBLAS 0.3.21 NO_AFFINITY Haswell MAX_THREADS=64") ==
        std::optional<std::string>("0.3.21"));
  CHECK(openblas_version_from_config("OpenBLAS 0.3.26.dev DYNAMIC_ARCH") ==
        std::optional<std::string>("0.3.26.dev"));
  CHECK(openblas_version_from_config("OpenBLAS 0.3.8") == std::optional<std::string>("0.3.8"));
  CHECK_FALSE(openblas_version_from_config("BLIS 0.9"));
  CHECK_FALSE(openblas_version_from_config(""));

  CHECK(os_pretty_name("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
                       "VERSION_ID=\"12\"\n") ==
        std::optional<std::string>("Debian GNU/Linux 12 (bookworm)"));
  CHECK(os_pretty_name("PRETTY_NAME=Alpine\n") == std::optional<std::string>("Alpine"));
  CHECK_FALSE(os_pretty_name("NAME=x\n"));
}

TEST_CASE("system_info: /proc/cpuinfo topology and flags") {
  // 2 sockets × 2 cores × 2 threads = 8 processors.
  std::string text;
  int processor = 0;
  for (int socket = 0; socket < 2; ++socket)
    for (int thread = 0; thread < 2; ++thread)
      for (int core = 0; core < 2; ++core) {
        text += "processor\t: " + std::to_string(processor++) + "\n";
        text += "vendor_id\t: GenuineIntel\n";
        text += "model name\t: Intel(R) Xeon(R) Test CPU @ 2.00GHz\n";
        text += "physical id\t: " + std::to_string(socket) + "\n";
        // Core ids repeat across sockets: only (socket, core) pairs are distinct cores.
        text += "core id\t\t: " + std::to_string(core) + "\n";
        text += "flags\t\t: fpu sse2 avx2 fma f16c avx512f avx512_vnni amx_int8 lm\n\n";
      }
  auto j = parse_cpuinfo(text);
  CHECK(j["model"] == "Intel(R) Xeon(R) Test CPU @ 2.00GHz");
  CHECK(j["vendor"] == "GenuineIntel");
  CHECK(j["sockets"] == 2);
  CHECK(j["cores"] == 4);
  // Only the interesting flags, in the documented order.
  CHECK(j["flags"] == nlohmann::ordered_json::array({"avx2", "avx512f", "avx512_vnni", "amx_int8",
                                                     "fma", "f16c"}));

  // An AArch64-style cpuinfo: no model name, no topology lines.
  auto arm = parse_cpuinfo("processor\t: 0\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\n");
  CHECK(arm["model"].is_null());
  CHECK(arm["sockets"].is_null());
  CHECK(arm["cores"].is_null());
  CHECK(arm["flags"].empty());
}

TEST_CASE("system_info: the collected block on this machine") {
  const auto j = collect_system_info();
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"hostname", "os", "kernel", "cpu", "memory_bytes",
                                         "compiler", "libraries"});
  CHECK(j["hostname"].is_string());
  CHECK((j["os"].is_string() || j["os"].is_null()));
  CHECK(j["kernel"].is_string());
  CHECK(j["compiler"].is_string());
  CHECK(std::regex_match(j["compiler"].get<std::string>(),
                         std::regex(R"((GCC|Clang) \d+\.\d+\.\d+)")));

  const auto& cpu = j["cpu"];
  for (const char* k : {"model", "vendor", "sockets", "cores", "threads", "flags", "governor",
                        "max_mhz"})
    CHECK(cpu.contains(k));
  CHECK((cpu["model"].is_string() || cpu["model"].is_null()));
  REQUIRE(cpu["threads"].is_number_integer());
  // sysconf is the other public source for the online CPU count.
  CHECK(cpu["threads"].get<long>() == sysconf(_SC_NPROCESSORS_ONLN));
  if (cpu["cores"].is_number_integer()) {
    CHECK(cpu["cores"].get<int>() >= 1);
    CHECK(cpu["cores"].get<long>() <= cpu["threads"].get<long>());
  }
  if (cpu["sockets"].is_number_integer()) CHECK(cpu["sockets"].get<int>() >= 1);
  REQUIRE(cpu["flags"].is_array());
  const std::set<std::string> allowed = {"avx2",        "avx512f",  "avx512_bf16",
                                         "avx512_fp16", "avx512_vnni", "amx_bf16",
                                         "amx_int8",    "fma",      "f16c"};
  for (const auto& f : cpu["flags"]) CHECK(allowed.count(f.get<std::string>()) == 1);
  CHECK((cpu["governor"].is_string() || cpu["governor"].is_null()));
  CHECK((cpu["max_mhz"].is_number() || cpu["max_mhz"].is_null()));

  // MemTotal against the kernel's page count: the same memory seen through sysconf.
  REQUIRE(j["memory_bytes"].is_number_integer());
  const double pages = double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGESIZE));
  CHECK(j["memory_bytes"].get<double>() == Approx(pages).epsilon(0.01));

  const auto& libs = j["libraries"];
  // The tests link Debian's OpenBLAS, so its version must be found.
  REQUIRE(libs["openblas"].is_string());
  CHECK(std::regex_match(libs["openblas"].get<std::string>(), std::regex(R"(\d+\.\d+\.\d+.*)")));
  REQUIRE(libs["nlohmann_json"].is_string());
  CHECK(std::regex_match(libs["nlohmann_json"].get<std::string>(), std::regex(R"(3\.\d+\.\d+)")));
}

TEST_CASE("system_info: load average") {
  auto load = load_average();
  REQUIRE(load.has_value());
  CHECK(*load >= 0.0);
  CHECK(*load < 1000.0);
}
