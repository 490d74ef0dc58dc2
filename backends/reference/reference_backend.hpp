// The reference backend: double precision, plain loops and CBLAS dgemm, obviously right.
// It is the oracle every other backend's output is checked against, not a contender.
#pragma once

#include <memory>

#include "backends/backend.hpp"

namespace infermark {

std::unique_ptr<Backend> make_reference_backend();

}  // namespace infermark
