// libFuzzer target: safetensors headers and data. Any input must open (and each tensor read) or
// be refused with an infermark::Error before allocating what a lying header asks for.
#include <cstdint>

#include "common/error.hpp"
#include "fuzz/fuzz_input.hpp"
#include "suites/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace infermark;
  const std::string& path = fuzz::as_file(data, size, ".safetensors");
  try {
    const SafetensorsFile f(path);
    for (const auto& name : f.names()) {
      try {
        (void)f.read(name);
      } catch (const Error&) {
      }
    }
  } catch (const Error&) {
  }
  return 0;
}
