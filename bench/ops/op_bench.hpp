// Registration of the op micro-benchmarks: one Google Benchmark per op case × backend × device,
// registered programmatically, each checked once against the reference backend before timing.
#pragma once

#include <string>
#include <vector>

#include "suites/suite_file.hpp"

namespace infermark::ops {

// Registers every case of the suite on every device of the named backends that supports its
// precision; a backend without a device is reported on stderr and skipped. Returns how many
// benchmarks were registered. Throws BadInput for an unknown backend name.
int register_op_benchmarks(const Suite& suite, const std::vector<std::string>& backends,
                           int threads);

// Frees the executable kept for the last benchmark; call before main returns, while the backends'
// device contexts (static objects) still exist.
void release_op_benchmarks();

}  // namespace infermark::ops
