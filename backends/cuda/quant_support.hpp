// Whether the CUDA backend can run a quantized workload (issue 12) on a device of a given compute
// capability, and why not: the part of supports() that needs no GPU, so it is tested without one.
#pragma once

#include <string>

#include "suites/workload.hpp"

namespace infermark::cuda {

// Empty when `w` (any precision) is within what the quantized path implements on a device of
// compute capability `cc` (major·10 + minor), else the reason. Float precisions: always empty.
std::string quantized_problem(const Workload& w, int cc);

}  // namespace infermark::cuda
