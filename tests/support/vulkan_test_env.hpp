// The Vulkan environment of the test process, fixed before any test runs (vulkan_test_env.cpp):
// Mesa's lavapipe as the only ICD and the Khronos validation layer on, whatever the machine has.
#pragma once

#include <string>

namespace infermark::testing {

// The lavapipe ICD manifest the tests were pointed at; empty when none was found (then the
// loader's default ICDs are used and the Vulkan tests say what device they ran on).
const std::string& vulkan_test_icd();

}  // namespace infermark::testing
