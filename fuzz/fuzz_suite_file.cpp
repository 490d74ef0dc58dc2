// libFuzzer target: suite files. Any input must give a Suite or an infermark::Error (bad input
// naming the file and key); another exception, a crash or a sanitizer report is a finding.
#include <cstdint>
#include <string>

#include "common/error.hpp"
#include "suites/graph.hpp"
#include "suites/suite_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const infermark::Suite s = infermark::parse_suite(text, "fuzz.json");
    // Lowering every workload is what `run` does next; it must not crash either. The sizes
    // are bounded so the fuzzer does not spend its time allocating huge graphs' descriptors.
    for (const auto& w : s.workloads)
      if (w.layers <= 64) (void)infermark::lower(w);
  } catch (const infermark::Error&) {
  }
  return 0;
}
