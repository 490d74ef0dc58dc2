// The `system` block of a result: host, OS, CPU, memory, compiler and library versions, so a
// reader can tell which machine and software produced the numbers (DESIGN.md §6).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace infermark {

// hostname, os, kernel, cpu {model, vendor, sockets, cores, threads, flags, governor, max_mhz},
// memory_bytes, compiler, libraries {openblas, nlohmann_json}. Whatever cannot be read (a file
// absent in a container, a non-x86 CPU) is null; this never throws.
nlohmann::ordered_json collect_system_info();

// The 1-minute load average from /proc/loadavg, or nullopt when unreadable.
std::optional<double> load_average();

// Parsers behind collect_system_info, exposed so tests can feed them known text.
// "OpenBLAS 0.3.21 NO_AFFINITY …" → "0.3.21".
std::optional<std::string> openblas_version_from_config(const std::string& config);
// PRETTY_NAME of an os-release file, unquoted.
std::optional<std::string> os_pretty_name(const std::string& os_release);
// From /proc/cpuinfo text: {model, vendor, sockets, cores, flags}; sockets and cores count
// distinct "physical id" and ("physical id", "core id") pairs, null when those lines are absent.
nlohmann::ordered_json parse_cpuinfo(const std::string& cpuinfo);

}  // namespace infermark
