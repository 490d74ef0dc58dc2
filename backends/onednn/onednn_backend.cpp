#include "backends/onednn/onednn_backend.hpp"

#include "backends/memory_usage.hpp"
#include "backends/onednn/cpu_info.hpp"
#include "common/cpu_model.hpp"
#include "backends/onednn/executable.hpp"

namespace infermark {
namespace {

using onednn::dt;

class OnednnBackend : public Backend {
 public:
  std::string_view name() const override { return "onednn"; }

  std::vector<DeviceInfo> devices() const override {
    DeviceInfo d{"cpu0", cpu_model_name(), "cpu", nlohmann::ordered_json::object()};
    d.details["threads"] = onednn::default_threads();
    d.details["isa"] = onednn::isa_name(dnnl::get_effective_cpu_isa());
    d.details["library"] = onednn::onednn_version_string();
    d.details["bf16"] = onednn::native_bf16(dnnl::get_effective_cpu_isa());
    return {d};
  }

  Support supports(const Workload& w) const override {
    if (is_quantized(w.precision)) {
      // The float parts run in `compute`; the matmuls in the precision's own steps.
      Workload float_part = w;
      float_part.precision = w.compute;
      if (Support s = supports(float_part); !s.ok)
        return Support::no(to_string(w.precision) + " with compute " + to_string(w.compute) +
                           ": " + s.reason);
      if (w.precision == Precision::Int8) {
        const auto isa = dnnl::get_effective_cpu_isa();
        // s8 × s8 matmuls need VNNI (or AMX) to be worth measuring; older ISAs would emulate.
        if (!onednn::native_int8(isa))
          return Support::no("int8 needs a CPU with AVX512-VNNI or AMX-INT8 (oneDNN's "
                             "ISA here is " + onednn::isa_name(isa) + ")");
      }
      return Support::yes();
    }
    switch (w.precision) {
      case Precision::F32: return Support::yes();
      case Precision::BF16: {
        const auto isa = dnnl::get_effective_cpu_isa();
        if (onednn::native_bf16(isa)) return Support::yes();
        return Support::no("bf16 needs a CPU with AVX512-BF16 or AMX-BF16 (oneDNN's ISA here is " +
                           onednn::isa_name(isa) + "); without them oneDNN would emulate it slowly");
      }
      case Precision::F16:
        // Checked on an avx512_fp16 CPU: oneDNN 2.6 creates no f16 matmul on CPU at all (f16
        // CPU kernels came with oneDNN 3.x).
        return Support::no("oneDNN " + std::to_string(dnnl_version()->major) + "." +
                           std::to_string(dnnl_version()->minor) +
                           " has no f16 matmul on CPU; f16 runs on the GPU backends");
      case Precision::Int8:
      case Precision::Int4W: break;  // handled above
    }
    return Support::no("unknown precision");
  }

  std::unique_ptr<Executable> compile(const Graph& graph, const TensorSet& constants,
                                      const DeviceInfo& device,
                                      const CompileOptions& options) override {
    if (device.id != "cpu0") {
      throw Error(ErrorKind::Unavailable, "onednn backend has no device '" + device.id + "'");
    }
    if (Support s = supports(graph.workload); !s.ok) {
      throw Error(ErrorKind::Unavailable, "onednn backend: " + s.reason);
    }
    const int threads = options.threads > 0 ? options.threads : onednn::default_threads();
    return std::make_unique<onednn::OnednnExecutable>(graph, constants, threads);
  }

  // Host RAM; tensors are allocated on first use, each in its own buffer (no reuse).
  DeviceLimits limits(const DeviceInfo&) const override {
    DeviceLimits l = host_memory_limits();
    l.holds_all_activations = true;
    return l;
  }
};

}  // namespace

std::unique_ptr<Backend> make_onednn_backend() { return std::make_unique<OnednnBackend>(); }

}  // namespace infermark
