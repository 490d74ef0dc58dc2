// What the CPU can do, read from /proc/cpuinfo: an independent view against which the tests
// check what a backend claims and decide which paths they can exercise here.
#pragma once

#include <fstream>
#include <string>

namespace infermark::test {

// Whether the first "flags" line of /proc/cpuinfo lists `flag`.
inline bool cpu_has_flag(const std::string& flag) {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("flags", 0) != 0) continue;
    return (line + " ").find(" " + flag + " ") != std::string::npos;
  }
  return false;
}

}  // namespace infermark::test
