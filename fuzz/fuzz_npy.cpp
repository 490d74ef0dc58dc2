// libFuzzer target: .npy files (as --save-tensors writes and peers read). Any input must be
// read or refused with an infermark::Error, never allocate what a lying header claims.
#include <cstdint>

#include "common/error.hpp"
#include "fuzz/fuzz_input.hpp"
#include "suites/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace infermark;
  const std::string& path = fuzz::as_file(data, size, ".npy");
  try {
    (void)read_npy(path);
  } catch (const Error&) {
  }
  return 0;
}
