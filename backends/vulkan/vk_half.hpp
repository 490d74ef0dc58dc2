// IEEE binary16 conversions for uploading f16 tensors and reading them back (round to nearest
// even; overflow to ±inf; subnormals kept), since C++20 has no standard half type.
#pragma once

#include <cstdint>

namespace infermark::vk {

uint16_t float_to_half(float f);
float half_to_float(uint16_t h);

}  // namespace infermark::vk
