// The quantized MatMul shaders against the f32 one on a Vulkan device (issue 12): f32 matvec or
// tiled matmul, int8 through the plain integer path and through OpSDot (where the device has
// shaderIntegerDotProduct), int4w with groups of 32 and 128. Each variant is measured in turn,
// in several alternating rounds, so a load change on a shared machine hits them all alike.
// Prints the median device time (timestamps) and process CPU seconds per run. Not a test.
//   infermark_vk_quant_bench [M N K] [--runs R] [--rounds N] [--device vkN]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/vulkan/vk_context.hpp"
#include "backends/vulkan/vk_device.hpp"
#include "backends/vulkan/vk_executable.hpp"
#include "backends/vulkan/vk_plan.hpp"
#include "backends/vulkan/vk_tuning.hpp"
#include "common/error.hpp"
#include "suites/quantize.hpp"

using namespace infermark;

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

struct Variant {
  std::string name;
  std::unique_ptr<vk::VulkanExecutable> exe;
  std::vector<double> device, cpu;
};

}  // namespace

int main(int argc, char** argv) {
  int64_t dims[3] = {1, 3072, 768};
  int runs = 10, rounds = 3, given = 0;
  std::string device = "vk0";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--device") && i + 1 < argc) device = argv[++i];
    else if (given < 3) dims[given++] = std::atoll(argv[i]);
  }
  const int64_t m = dims[0], n = dims[1], k = dims[2];
  try {
    auto context = vk::Context::create();
    if (!context->available()) {
      std::printf("no Vulkan device: %s\n", context->unavailable_reason().c_str());
      return 77;
    }
    const vk::PhysicalDevice& phys = context->device(device);
    auto dev = vk::Device::open(context, phys);
    Graph g;
    TensorSet c;
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (auto [name, shape, role] : {std::tuple{"a", std::vector<int64_t>{m, k}, TensorRole::Input},
                                     std::tuple{"w", std::vector<int64_t>{n, k}, TensorRole::Weight}}) {
      g.tensors.push_back({name, shape, DType::F32, role});
      HostTensor t{shape, DType::F32, {}, {}};
      t.f32.resize(size_t(t.numel()));
      for (auto& v : t.f32) v = u(rng);
      c.tensors[name] = std::move(t);
    }
    g.tensors.push_back({"out", {m, n}, DType::F32, TensorRole::Output});
    g.ops.push_back({OpKind::MatMul, "matmul", {"a", "w"}, "out", {}});
    g.output = "out";

    std::vector<Variant> variants;
    auto add = [&](const std::string& name, Precision p, int group, bool dot) {
      Graph q = g;
      q.workload.precision = p;
      q.workload.compute = Precision::F32;
      q.workload.group_size = group;
      TensorSet qc = c;
      apply_weight_quantization(q, qc);
      vk::Tuning t = vk::choose_tuning(phys);
      t.int_dot = t.int_dot_tiled = dot;  // both the matvec-style and the tiled shader
      variants.push_back({name, std::make_unique<vk::VulkanExecutable>(dev, vk::make_plan(q, qc, phys, t, false)), {}, {}});
    };
    add("f32", Precision::F32, 128, false);
    add("int8 plain", Precision::Int8, 128, false);
    if (phys.integer_dot) add("int8 OpSDot", Precision::Int8, 128, true);
    if (k % 32 == 0) add("int4w g32", Precision::Int4W, 32, false);
    if (k % 128 == 0) add("int4w g128", Precision::Int4W, 128, false);
    for (int r = 0; r < rounds; ++r) {
      for (auto& v : variants) {
        v.exe->run();  // warm-up
        v.exe->sync();
        for (int i = 0; i < runs; ++i) {
          const double c0 = cpu_seconds();
          v.exe->run();
          v.exe->sync();
          v.cpu.push_back(cpu_seconds() - c0);
          v.device.push_back(v.exe->device_seconds_last().value_or(0));
        }
      }
    }
    std::printf("device %s (%s), MatMul M=%lld N=%lld K=%lld, %d rounds x %d runs, medians\n",
                phys.id.c_str(), phys.props.deviceName, (long long)m, (long long)n, (long long)k, rounds, runs);
    for (auto& v : variants) {
      std::sort(v.device.begin(), v.device.end());
      std::sort(v.cpu.begin(), v.cpu.end());
      std::printf("  %-12s %9.3f ms device  %9.3f ms CPU per run\n", v.name.c_str(),
                  v.device[v.device.size() / 2] * 1e3, v.cpu[v.cpu.size() / 2] * 1e3);
    }
    context->check_validation("benchmark");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "infermark_vk_quant_bench: %s\n", e.what());
    return 1;
  }
}
