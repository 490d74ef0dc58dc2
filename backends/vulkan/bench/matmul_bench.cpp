// Tiled vs naive matmul on a Vulkan device (issue 4's target: on lavapipe the tiled shader must
// beat one-invocation-per-output by ≥ 5× at 512×768×768). Prints device time from timestamps,
// GFLOP/s and the ratio. Not a test: a benchmark, run by hand or from CI logs.
//   infermark_vk_matmul_bench [M N K] [--runs R] [--device vkN] [--tiled-only] [--auto]
// INFERMARK_VK_TILE=BMxBNxBK/TMxTN tries another tile for the tiled shader.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <ctime>
#include <vector>

#include "backends/vulkan/vk_context.hpp"
#include "backends/vulkan/vk_device.hpp"
#include "backends/vulkan/vk_executable.hpp"
#include "backends/vulkan/vk_plan.hpp"
#include "backends/vulkan/vk_tuning.hpp"
#include "common/error.hpp"

using namespace infermark;

namespace {

struct Case {
  Graph graph;
  TensorSet constants;
};

Case matmul_case(int64_t m, int64_t n, int64_t k) {
  Case c;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  auto add = [&](const std::string& name, std::vector<int64_t> shape, TensorRole role) {
    c.graph.tensors.push_back({name, shape, DType::F32, role});
    if (role == TensorRole::Output) return;
    HostTensor t{shape, DType::F32, {}, {}};
    t.f32.resize(size_t(t.numel()));
    for (auto& v : t.f32) v = u(rng);
    c.constants.tensors[name] = std::move(t);
  };
  add("a", {m, k}, TensorRole::Input);
  add("w", {n, k}, TensorRole::Weight);
  add("out", {m, n}, TensorRole::Output);
  c.graph.ops.push_back({OpKind::MatMul, "matmul", {"a", "w"}, "out", {}});
  c.graph.output = "out";
  return c;
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

struct Timing {
  double device = 0;  // median device seconds (timestamps)
  double cpu = 0;     // process CPU seconds per run: on a CPU driver (lavapipe) this is the work
                      // itself, and unlike wall time it does not grow when other jobs share the cores
};

// `runs` runs after one warm-up.
Timing measure(vk::VulkanExecutable& exe, int runs) {
  exe.run();
  exe.sync();
  std::vector<double> s;
  const double cpu0 = process_cpu_seconds();
  for (int i = 0; i < runs; ++i) {
    exe.run();
    exe.sync();
    s.push_back(exe.device_seconds_last().value_or(0));
  }
  const double cpu = (process_cpu_seconds() - cpu0) / runs;
  std::sort(s.begin(), s.end());
  return {s[s.size() / 2], cpu};
}

double max_abs_diff(const HostTensor& a, const HostTensor& b) {
  double d = 0;
  for (size_t i = 0; i < a.f32.size(); ++i) d = std::max(d, double(std::abs(a.f32[i] - b.f32[i])));
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t dims[3] = {512, 768, 768};
  int runs = 5, given = 0;
  bool tiled_only = false, auto_kernel = false;  // --auto: matvec.comp for M ≤ 8, as in a workload
  std::string device = "vk0";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--device") && i + 1 < argc) device = argv[++i];
    else if (!std::strcmp(argv[i], "--tiled-only")) tiled_only = true;
    else if (!std::strcmp(argv[i], "--auto")) auto_kernel = true;
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
    const Case c = matmul_case(m, n, k);
    vk::Tuning tuning = vk::choose_tuning(phys);
    if (!auto_kernel) tuning.matvec_max_m = 0;  // the tiled shader, whatever M

    vk::Plan tiled_plan = vk::make_plan(c.graph, c.constants, phys, tuning, false);
    // The naive baseline: the same plan with the dispatch swapped for matmul_naive.comp.
    vk::Plan naive_plan = vk::make_plan(c.graph, c.constants, phys, tuning, false);
    for (auto& step : naive_plan.steps) {
      auto& d = std::get<vk::Dispatch>(step.work);
      d.pipeline = {"matmul_naive", {}};
      d.groups = {uint32_t((n + 15) / 16), uint32_t((m + 15) / 16), 1};
    }
    vk::VulkanExecutable tiled(dev, std::move(tiled_plan));
    const Timing t_tiled = measure(tiled, runs);
    const double flops = 2.0 * double(m) * double(n) * double(k);
    std::printf("device %s (%s), matmul M=%lld N=%lld K=%lld, median of %d runs (device timestamps)\n",
                phys.id.c_str(), phys.props.deviceName, (long long)m, (long long)n, (long long)k, runs);
    auto line = [&](const char* what, const Timing& t) {
      std::printf("  %-21s %9.3f ms  %7.2f GFLOP/s   (%.3f CPU-s per run, %.2f GFLOP per CPU-s)\n",
                  what, t.device * 1e3, flops / t.device * 1e-9, t.cpu, flops / t.cpu * 1e-9);
    };
    const bool matvec = auto_kernel && m <= int64_t(tuning.matvec_max_m);
    line(matvec ? "matvec" : ("tiled " + tuning.tile_for(m).to_string()).c_str(), t_tiled);
    if (tiled_only) return 0;
    vk::VulkanExecutable naive(dev, std::move(naive_plan));
    const Timing t_naive = measure(naive, std::max(1, runs / 2));
    const double diff = max_abs_diff(tiled.output(), naive.output());
    line("naive 16x16", t_naive);
    std::printf("  tiled/naive speed-up  %9.2fx device time, %.2fx CPU time  (max |tiled - naive| = %.3g)\n",
                t_naive.device / t_tiled.device, t_naive.cpu / t_tiled.cpu, diff);
    context->check_validation("benchmark");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "infermark_vk_matmul_bench: %s\n", e.what());
    return 1;
  }
}
