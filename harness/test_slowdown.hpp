// Test-only slowdown injection: INFERMARK_TEST_FAULT="slow:REGEX:FACTOR" makes every inference of
// the benchmarks whose id matches REGEX take FACTOR times as long (tests of `rerun`'s verdict).
#pragma once

#include <memory>
#include <string>

#include "backends/backend.hpp"

namespace infermark {

// `exe` itself when INFERMARK_TEST_FAULT does not ask to slow `benchmark_id` down; otherwise an
// executable that, after each inference, sleeps (FACTOR − 1) × the time it took. Sleeping only
// adds time, so a test that expects "slower" stays robust on a loaded machine.
std::unique_ptr<Executable> slow_down_if_requested(const std::string& benchmark_id,
                                                   std::unique_ptr<Executable> exe);

}  // namespace infermark
