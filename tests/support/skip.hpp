// Skipping a test executable's run with a reason: exit code 77, which CTest reports as skipped
// (SKIP_RETURN_CODE in tests/CMakeLists.txt), after printing why.
#pragma once

#include <cstdlib>
#include <iostream>
#include <string>

namespace infermark::test {

[[noreturn]] inline void skip(const std::string& why) {
  std::cout << "skipped: " << why << std::endl;
  std::exit(77);
}

}  // namespace infermark::test
