// Shared pieces of the libFuzzer targets: the input as a file (the readers take paths) and the
// rule that only infermark::Error may escape a reader — anything else is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace infermark::fuzz {

// Writes the input to one private file per process and returns its path; the file is rewritten
// for every input, so the readers see exactly these bytes.
inline const std::string& as_file(const uint8_t* data, size_t size, const char* suffix) {
  static const std::string path = [&] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir ? dir : "/tmp") + "/infermark-fuzz-" + std::to_string(::getpid()) +
           suffix;
  }();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace infermark::fuzz
