#include "backends/registry.hpp"

#include "backends/reference/reference_backend.hpp"
#include "common/error.hpp"
#include "config.hpp"
#if INFERMARK_HAS_ONEDNN
#include "backends/onednn/onednn_backend.hpp"
#endif
#if INFERMARK_HAS_VULKAN
#include "backends/vulkan/vulkan_backend.hpp"
#endif
#if INFERMARK_HAS_CUDA
#include "backends/cuda/cuda_backend.hpp"
#endif

namespace infermark {

const std::vector<BackendEntry>& backend_registry() {
  static const std::vector<BackendEntry> entries = [] {
    std::vector<BackendEntry> e;
    e.push_back({"reference", [] { return make_reference_backend(); }});
#if INFERMARK_HAS_ONEDNN
    e.push_back({"onednn", [] { return make_onednn_backend(); }});
#endif
#if INFERMARK_HAS_VULKAN
    e.push_back({"vulkan", [] { return make_vulkan_backend(); }});
#endif
#if INFERMARK_HAS_CUDA
    e.push_back({"cuda", [] { return make_cuda_backend(); }});
#endif
    // Later backends register here, each under its own INFERMARK_HAS_<NAME>.
    return e;
  }();
  return entries;
}

std::unique_ptr<Backend> make_backend(const std::string& name) {
  std::string known;
  for (const auto& e : backend_registry()) {
    if (e.name == name) return e.make();
    known += (known.empty() ? "" : ", ") + e.name;
  }
  for (const auto& [n, why] : backends_compiled_out()) {
    if (n == name) throw Error(ErrorKind::BadInput, "backend '" + name + "' is not available: " + why);
  }
  throw Error(ErrorKind::BadInput, "unknown backend '" + name + "' (expected one of: " + known + ")");
}

std::vector<std::pair<std::string, std::string>> backends_compiled_out() {
  std::vector<std::pair<std::string, std::string>> out;
#if !INFERMARK_HAS_ONEDNN
  out.push_back({"onednn", "not built (" INFERMARK_ONEDNN_STATUS ")"});
#endif
#if !INFERMARK_HAS_CUDA
  out.push_back({"cuda", "not built (" INFERMARK_CUDA_STATUS ")"});
#endif
#if !INFERMARK_HAS_VULKAN
  out.push_back({"vulkan", "not built (" INFERMARK_VULKAN_STATUS ")"});
#endif
  return out;
}

}  // namespace infermark
