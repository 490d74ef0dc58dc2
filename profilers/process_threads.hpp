// The ids of this process's threads, from /proc/self/task, so counters can follow every thread
// (OpenMP pools start before a counting window opens and are not children of the counting thread).
#pragma once

#include <sys/types.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace infermark {

inline std::vector<pid_t> process_thread_ids() {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    const auto name = e.path().filename().string();
    char* end = nullptr;
    const long tid = std::strtol(name.c_str(), &end, 10);
    if (end && *end == '\0' && tid > 0) out.push_back(pid_t(tid));
  }
  return out;
}

}  // namespace infermark
