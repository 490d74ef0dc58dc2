// The CUPTI collector: CUDA kernel and memcpy activity in this process (CUPTI activity API), for
// the CUDA backend: kernels per inference, total kernel time, top kernels by time, memcpy time.
#pragma once

#include <memory>

#include "profilers/collector.hpp"

namespace infermark {

std::unique_ptr<Collector> make_cupti_collector();

}  // namespace infermark
