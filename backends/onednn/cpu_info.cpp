#include "backends/onednn/cpu_info.hpp"

#include <omp.h>

#include <cstdio>
#include <fstream>

namespace infermark::onednn {

std::string isa_name(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::all: return "all";
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx512_mic: return "avx512_mic";
    case dnnl::cpu_isa::avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
  }
  return "isa 0x" + [&] {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%x", unsigned(isa));
    return std::string(buf);
  }();
}

std::string onednn_version_string() {
  const dnnl_version_t* v = dnnl_version();
  std::string runtime = v->cpu_runtime == DNNL_RUNTIME_OMP        ? "OpenMP"
                        : v->cpu_runtime == DNNL_RUNTIME_THREADPOOL ? "threadpool"
                        : v->cpu_runtime == DNNL_RUNTIME_SEQ        ? "sequential"
                                                                    : "other";
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
         std::to_string(v->patch) + " (CPU runtime: " + runtime + ")";
}

bool native_bf16(dnnl::cpu_isa isa) {
  // cpu_isa values are bit sets: an ISA includes avx512_core_bf16 when it has all of its bits
  // (avx512_core_amx does).
  const unsigned want = unsigned(dnnl::cpu_isa::avx512_core_bf16);
  return (unsigned(isa) & want) == want;
}

bool native_int8(dnnl::cpu_isa isa) {
  const unsigned want = unsigned(dnnl::cpu_isa::avx512_core_vnni);
  return (unsigned(isa) & want) == want;
}

int default_threads() { return omp_get_num_procs(); }

}  // namespace infermark::onednn
