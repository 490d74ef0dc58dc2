// What the onednn backend reports about its CPU and library: the model name, the instruction
// set oneDNN dispatches to, the oneDNN version, and whether bf16 kernels are native here.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <string>

namespace infermark::onednn {

std::string isa_name(dnnl::cpu_isa isa);     // "avx512_core_amx", …
std::string onednn_version_string();         // "oneDNN 2.6.3 (CPU runtime: OpenMP)"
// bf16 runs on native instructions (AVX512-BF16 or AMX-BF16), not emulated or reference code.
bool native_bf16(dnnl::cpu_isa isa);
// s8 × s8 matmuls run on VNNI dot-product instructions (AVX512-VNNI, or AMX-INT8 which has it).
bool native_int8(dnnl::cpu_isa isa);
int default_threads();                        // all cores OpenMP sees

}  // namespace infermark::onednn
