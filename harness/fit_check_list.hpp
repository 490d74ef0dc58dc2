// `infermark list --fits SUITE`: every workload of a suite against each device's memory limits
// as they are now, with the numbers: what a deployment team wants to know before running anything.
#pragma once

#include <string>
#include <vector>

#include "suites/suite_file.hpp"

namespace infermark {

// The listing as text. `backends`: names to check; empty: every backend compiled in.
// Throws BadInput for an unknown backend name.
std::string fits_listing(const Suite& suite, const std::vector<std::string>& backends);

}  // namespace infermark
