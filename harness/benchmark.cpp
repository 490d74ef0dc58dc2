#include "harness/benchmark.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

#include "backends/registry.hpp"
#include "common/error.hpp"
#include "harness/breakdown.hpp"
#include "harness/constants.hpp"
#include "harness/correctness.hpp"
#include "harness/counters_pass.hpp"
#include "harness/energy_pass.hpp"
#include "harness/latency.hpp"
#include "harness/memory_summaries.hpp"
#include "harness/quantization_error.hpp"
#include "harness/reference_cache.hpp"
#include "harness/scenario_benchmark.hpp"
#include "harness/summaries.hpp"
#include "harness/system_info.hpp"
#include "harness/telemetry.hpp"
#include "harness/test_slowdown.hpp"
#include "results/model/statistics.hpp"
#include "suites/cost_model.hpp"
#include "suites/npy.hpp"
#include "suites/tensor_names.hpp"

namespace infermark {

std::string weights_source(const BenchmarkSpec& s) {
  if (s.weights_path.empty()) return "synthetic:seed=" + std::to_string(s.settings.seed);
  return "safetensors:" + s.weights_sha256;
}

DeviceInfo find_device(const Backend& b, const std::string& id) {
  for (auto& d : b.devices())
    if (d.id == id) return d;
  throw Error(ErrorKind::Unavailable,
              "backend " + std::string(b.name()) + " has no device '" + id + "'");
}

namespace {

// The inputs, the initial state (KV caches, as `<canonical name>.npy`, before the step writes its
// slots) and the output: what an outside tool needs to rerun the benchmark and compare.
void save_tensors(const BenchmarkSpec& spec, const Graph& g, const TensorSet& constants,
                  const HostTensor& out) {
  std::string dir_name = spec.id();
  std::replace(dir_name.begin(), dir_name.end(), '/', '_');
  std::replace(dir_name.begin(), dir_name.end(), '@', '_');
  std::replace(dir_name.begin(), dir_name.end(), ':', '_');
  const auto dir = std::filesystem::path(spec.save_tensors_dir) / dir_name;
  std::filesystem::create_directories(dir);
  write_npy((dir / "token_ids.npy").string(), constants.at(names::token_ids));
  write_npy((dir / "position_ids.npy").string(), constants.at(names::position_ids));
  write_npy((dir / "output.npy").string(), out);
  for (const TensorDesc* t : g.with_role(TensorRole::State))
    write_npy((dir / (t->name + ".npy")).string(), constants.at(t->name));
}

// Correctness before timing. Returns the record; `first_output` is the timed executable's output
// after its first run (used by the after-timing re-check when the check ran on fewer layers).
Correctness check(const BenchmarkSpec& spec, Backend& backend, const DeviceInfo& dev,
                  Executable& exe, const HostTensor& first_output, const HostTensor*& oracle_out,
                  HostTensor& oracle_store) {
  const Workload& w = spec.workload;
  const std::string weights_id = weights_source(spec);
  Correctness c;
  c.reference = "reference (f64, OpenBLAS dgemm)";
  const double tol = nmse_tolerance(w.precision);
  const double estimate = reference_seconds_estimate(w);
  c.checked_layers = w.layers;
  if (spec.backend == "reference") c.checked = "self";
  if (estimate <= spec.settings.correctness_budget_s || w.layers == 1) {
    if (c.checked != "self") c.checked = "full";
    oracle_store = reference_output(w, spec.settings.seed, spec.weights_path, weights_id,
                                    spec.cache_dir).output;
    oracle_out = &oracle_store;
    apply_comparison(c, compare_outputs(first_output, oracle_store), tol);
    return c;
  }
  // Too large for the oracle within budget: the same shapes, the first N layers.
  Workload reduced = w;
  reduced.layers = std::clamp(int(w.layers * spec.settings.correctness_budget_s / estimate), 1,
                              w.layers - 1);
  c.checked = "reduced";
  c.checked_layers = reduced.layers;
  HostTensor ref = reference_output(reduced, spec.settings.seed, spec.weights_path, weights_id,
                                    spec.cache_dir).output;
  Graph g = lower(reduced);
  auto small = backend.compile(g, make_constants(g, spec.settings.seed, spec.weights_path), dev,
                               {spec.threads});
  small->run();
  small->sync();
  apply_comparison(c, compare_outputs(small->output(), ref), tol);
  oracle_out = nullptr;
  return c;
}

Validity validity_of(const LatencyResult& lat, const Correctness& c,
                     std::optional<double> load_before, double target_ci) {
  Validity v;
  const SampleStats st = compute_stats(lat.host);
  v.stopping = lat.stopping;
  v.samples = int64_t(lat.host.size());
  v.warmup_s = lat.warmup_s;
  v.warmup_iterations = lat.warmup_iterations;
  // Under 3 samples the order-statistics interval collapses onto the samples themselves (±0%
  // for one), which would read as a perfect measurement: no interval then, and the reason says so.
  const bool too_few = lat.host.size() < 3;
  v.rel_ci95_half_width = too_few ? NAN : st.rel_ci_half_width();
  v.rel_stddev = st.rel_stddev();
  v.load_average_before = load_before;
  v.load_average_after = load_average();
  if (c.verdict != "pass") v.reasons.push_back("output does not match the reference");
  if (c.rechecked_after_timing && c.recheck.rfind("fail", 0) == 0)
    v.reasons.push_back("output changed during timing: " + c.recheck);
  if (lat.stopping != "ci_target_met") {
    char buf[200];
    if (too_few)
      std::snprintf(buf, sizeof buf,
                    "only %zu timed sample%s before %s stopped timing: too few for a 95%% CI of "
                    "the median (target ±%.2f%%)",
                    lat.host.size(), lat.host.size() == 1 ? "" : "s", lat.stopping.c_str(),
                    100 * target_ci);
    else
      std::snprintf(buf, sizeof buf,
                    "median's 95%% CI is ±%.2f%%, wider than the ±%.2f%% target when stopped by %s",
                    100 * v.rel_ci95_half_width, 100 * target_ci, lat.stopping.c_str());
    v.reasons.push_back(buf);
  }
  v.valid = v.reasons.empty();
  return v;
}

}  // namespace

ojson workload_block(const Workload& w, const std::string& weights) {
  ojson j = workload_to_json(w);
  const WorkloadCost cost = workload_cost(lower(w));
  j["flops"] = cost.flops;
  j["min_bytes"] = cost.min_bytes;
  j["weight_bytes"] = cost.weight_bytes;
  j["weights"] = weights;
  return j;
}

namespace {

// Real exhaustion, bounded: the address space is capped 256 MiB above its current size, then
// touched 16 MiB blocks are allocated until the allocator gives up (std::bad_alloc, or an
// abort where a sanitizer's allocator reports it instead).
[[noreturn]] void exhaust_host_memory() {
  size_t vm_bytes = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    unsigned long pages = 0;
    if (std::fscanf(f, "%lu", &pages) == 1) vm_bytes = size_t(pages) * size_t(sysconf(_SC_PAGESIZE));
    std::fclose(f);
  }
  const rlimit cap{vm_bytes + (size_t(256) << 20), vm_bytes + (size_t(256) << 20)};
  setrlimit(RLIMIT_AS, &cap);
  std::vector<std::unique_ptr<char[]>> held;
  while (true) {
    held.emplace_back(new char[size_t(16) << 20]);
    std::memset(held.back().get(), 1, size_t(16) << 20);
  }
}

}  // namespace

void inject_fault_if_requested(const std::string& id) {
  const char* env = std::getenv("INFERMARK_TEST_FAULT");
  if (!env) return;
  const std::string spec = env;
  const auto colon = spec.find(':');
  if (colon == std::string::npos) return;
  const std::string what = spec.substr(0, colon);
  if (!std::regex_search(id, std::regex(spec.substr(colon + 1)))) return;
  if (what == "crash") std::abort();
  if (what == "hang")
    while (true) std::this_thread::sleep_for(std::chrono::seconds(1));
  if (what == "throw") throw Error(ErrorKind::Backend, "injected fault (INFERMARK_TEST_FAULT)");
  if (what == "segv") std::raise(SIGSEGV);
  if (what == "device-oom")  // what a backend raises when the device refuses an allocation
    throw Error(ErrorKind::OutOfMemory, "injected fault (INFERMARK_TEST_FAULT): device allocation failed");
  if (what == "oom") exhaust_host_memory();
}

void settle_state(BenchmarkResult& r, const std::string& differs) {
  const Correctness& c = *r.correctness;
  if (c.verdict != "pass" || c.recheck.rfind("fail", 0) == 0) {
    r.state = State::Failed;
    r.reason = c.verdict != "pass" ? differs : "output changed during timing";
  } else if (!r.validity->valid) {
    r.state = State::Mistrusted;
    r.reason = r.validity->reasons.front();
  } else {
    r.state = State::Passed;
  }
}

void record_exception(std::exception_ptr ep, BenchmarkResult& r) {
  try {
    std::rethrow_exception(ep);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::BadInput) throw;
    r.state = e.kind() == ErrorKind::OutOfMemory ? State::Skipped : State::Failed;
    r.reason = e.kind() == ErrorKind::OutOfMemory
                   ? std::string("does not fit: ") + e.what() + " (the fit check before compiling "
                                                                  "did not foresee it)"
                   : e.what();
  } catch (const std::bad_alloc& e) {
    // Host memory, not the device's: the process is in trouble, so the benchmark failed.
    r.state = State::Failed;
    r.reason = std::string("out of host memory (") + e.what() + ")";
  } catch (const std::exception& e) {
    r.state = State::Failed;
    r.reason = std::string("exception: ") + e.what();
  }
}

BenchmarkResult run_benchmark(const BenchmarkSpec& spec) {
  // Serving scenarios run many steps on a host schedule (harness/scenario_*.cpp).
  if (!spec.workload.scenario.is_step()) return run_scenario_benchmark(spec);
  BenchmarkResult r;
  r.id = spec.id();
  r.backend = spec.backend;
  r.device = spec.device;
  r.workload = workload_block(spec.workload, weights_source(spec));
  try {
    auto backend = make_backend(spec.backend);
    const DeviceInfo dev = find_device(*backend, spec.device);
    if (Support s = backend->supports(spec.workload); !s.ok) {
      r.state = State::Unimplemented;
      r.reason = s.reason;
      return r;
    }
    // Before any constant is made: what cannot fit ends skipped with the numbers.
    const MemoryRecorder memory(*backend, dev, spec.workload);
    if (!memory.fits()) {
      memory.skip(r);
      return r;
    }
    const std::optional<double> load_before = load_average();
    const Graph g = lower(spec.workload);
    const TensorSet constants = make_constants(g, spec.settings.seed, spec.weights_path);
    auto exe = backend->compile(g, constants, dev, {spec.threads});
    r.implementation = exe->implementation();
    inject_fault_if_requested(r.id);
    exe = slow_down_if_requested(r.id, std::move(exe));

    exe->run();
    exe->sync();
    const HostTensor first = exe->output();
    const HostTensor* oracle = nullptr;
    HostTensor oracle_store;
    Correctness c = check(spec, *backend, dev, *exe, first, oracle, oracle_store);
    // Quantized precisions: the quantized model vs the float model, reported, never a failure.
    const QuantizationReport quant = quantization_error(spec, c.checked_layers, weights_source(spec));
    if (!spec.save_tensors_dir.empty()) save_tensors(spec, g, constants, first);

    const CollectorTarget target = collector_target(spec, dev);
    TelemetryRecorder telemetry(target);  // clocks, temperature, throttling during timing
    const LatencyResult lat = measure_latency(*exe, spec.settings);
    const TelemetryRecord seen = telemetry.stop();

    // MLPerf TEST01: the timed code path must be the checked one, so check again after timing.
    const HostTensor after = exe->output();
    const HostTensor& expect = oracle ? *oracle : first;
    const ErrorStats e = compare_outputs(after, expect);
    const double tol = nmse_tolerance(spec.workload.precision);
    c.rechecked_after_timing = true;
    char buf[200];
    std::snprintf(buf, sizeof buf, "%s: output after timing vs %s, nmse %.3g (tolerance %.3g)",
                  e.nmse <= tol ? "pass" : "fail",
                  oracle ? "the reference" : "the same executable's output before timing", e.nmse,
                  tol);
    c.recheck = buf;

    // After the re-check, so the extra runs cannot hide a change of the timed output.
    const std::vector<Summary> breakdown =
        breakdown_summaries(*exe, compute_stats(lat.host).median);

    r.host_samples = lat.host;
    r.device_samples = lat.device;
    r.summaries = latency_summaries(lat.host, lat.device, spec.workload.tokens(), workload_cost(g));
    r.summaries.insert(r.summaries.end(), breakdown.begin(), breakdown.end());
    r.summaries.insert(r.summaries.end(), quant.summaries.begin(), quant.summaries.end());
    if (!quant.block.empty()) r.extra["quantization"] = quant.block;
    // Counters and energy: their own inferences, after timing and its re-check (DESIGN.md §5).
    const PassOutcome counters = run_counters_pass(*exe, spec, target, compute_stats(lat.host).median);
    const PassOutcome energy = run_energy_pass(*exe, spec, target);
    for (const PassOutcome* p : {&counters, &energy})
      r.summaries.insert(r.summaries.end(), p->summaries.begin(), p->summaries.end());
    r.extra["counters"] = counters.block;
    r.extra["energy"] = energy.block;
    r.validity = validity_of(lat, c, load_before, spec.settings.target_ci);
    apply_telemetry(*r.validity, seen);
    memory.finish(r, *backend, dev, *exe);
    r.correctness = c;
    settle_state(r, "output differs from the reference (nmse " + std::to_string(c.nmse) + ")");
  } catch (...) {
    record_exception(std::current_exception(), r);
  }
  return r;
}

}  // namespace infermark
