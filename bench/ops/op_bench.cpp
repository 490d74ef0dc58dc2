#include "bench/ops/op_bench.hpp"

#include <benchmark/benchmark.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "backends/registry.hpp"
#include "suites/model_op_cases.hpp"
#include "harness/correctness.hpp"
#include "suites/cost_model.hpp"

namespace infermark::ops {
namespace {

// The executable of the benchmark being timed. Google Benchmark calls a benchmark's function
// several times in a row (iteration estimate, repetitions), so it is compiled once and kept
// until the next benchmark starts: device memory never holds more than one op's tensors.
struct Prepared {
  std::string name;
  std::unique_ptr<Executable> exe;
  std::string error;  // correctness or compile failure: the benchmark reports it, untimed
  OpCost cost;
};

Prepared& current() {
  static Prepared p;
  return p;
}

HostTensor reference_output(const GraphCase& c) {
  auto ref = make_backend("reference");
  auto exe = ref->compile(c.graph, c.constants, ref->devices().at(0), {});
  exe->run();
  exe->sync();
  return exe->output();
}

Prepared& prepare(const std::string& name, const ModelOpCase& mc, const std::string& backend,
                  const DeviceInfo& device, int threads) {
  Prepared& p = current();
  if (p.name == name) return p;
  p = Prepared{};
  p.name = name;
  try {
    const GraphCase c = mc.make();
    p.cost = op_cost(c.graph, c.graph.ops.front());
    p.exe = make_backend(backend)->compile(c.graph, c.constants, device, {threads});
    p.exe->run();
    p.exe->sync();
    const ErrorStats e = compare_outputs(p.exe->output(), reference_output(c));
    const double tol = nmse_tolerance(mc.precision);
    if (!(e.nmse <= tol)) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "output differs from the reference: nmse %.3g > %.3g",
                    e.nmse, tol);
      p.error = buf;
    }
  } catch (const std::exception& e) {
    p.error = e.what();
  }
  return p;
}

void run_one(benchmark::State& state, const std::string& name, const ModelOpCase& mc,
             const std::string& backend, const DeviceInfo& device, int threads) {
  Prepared& p = prepare(name, mc, backend, device, threads);
  if (!p.error.empty()) {
    state.SkipWithError(p.error.c_str());
    for (auto _ : state) {}
    return;
  }
  double total = 0;
  bool device_timer = false;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    p.exe->run();
    p.exe->sync();
    const double host =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto dev = p.exe->device_seconds_last();
    device_timer = dev.has_value();
    const double s = dev ? *dev : host;
    state.SetIterationTime(s);
    total += s;
  }
  // Rates over the timed seconds (Google Benchmark's kIsRate would divide by CPU time, which
  // means nothing for a GPU op).
  const double n = double(state.iterations());
  if (total > 0) {
    state.counters["FLOP/s"] = double(p.cost.flops) * n / total;
    state.counters["bytes/s"] = double(p.cost.bytes) * n / total;
  }
  state.SetLabel(device_timer ? "device timer" : "host timer");
}

}  // namespace

void release_op_benchmarks() { current() = Prepared{}; }

int register_op_benchmarks(const Suite& suite, const std::vector<std::string>& backends,
                           int threads) {
  const auto cases = std::make_shared<const std::vector<ModelOpCase>>(model_op_cases(suite));
  int registered = 0;
  for (const auto& backend_name : backends) {
    auto backend = make_backend(backend_name);  // BadInput for an unknown name
    const auto devices = backend->devices();
    if (devices.empty()) {
      std::cerr << "infermark-ops: backend " << backend_name
                << " has no device: " << backend->unavailable_reason() << "\n";
      continue;
    }
    for (const auto& device : devices) {
      for (size_t i = 0; i < cases->size(); ++i) {
        const ModelOpCase& mc = (*cases)[i];
        Workload probe = mc.lowered->workload;
        if (!backend->supports(probe).ok) continue;
        const std::string name = mc.name + "/" + backend_name + ":" + device.id;
        benchmark::RegisterBenchmark(name.c_str(),
                                     [cases, i, name, backend_name, device, threads](
                                         benchmark::State& st) {
                                       run_one(st, name, (*cases)[i], backend_name, device,
                                               threads);
                                     })
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond);
        ++registered;
      }
    }
  }
  return registered;
}

}  // namespace infermark::ops
