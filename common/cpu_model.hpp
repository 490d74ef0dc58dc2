// The CPU model name as the kernel reports it, shared by every backend that runs on the CPU.
// "cpu" where /proc/cpuinfo has no "model name" line (e.g. some ARM kernels).
#pragma once

#include <string>

namespace infermark {

std::string cpu_model_name();

}  // namespace infermark
