#include "harness/scenario_benchmark.hpp"

#include <chrono>
#include <cstdio>

#include "backends/registry.hpp"
#include "common/error.hpp"
#include "harness/benchmark.hpp"
#include "harness/constants.hpp"
#include "harness/counters_pass.hpp"
#include "harness/scenario_buckets.hpp"
#include "harness/scenario_check.hpp"
#include "harness/scenario_energy.hpp"
#include "harness/scenario_run.hpp"
#include "harness/system_info.hpp"
#include "harness/telemetry.hpp"
#include "results/model/statistics.hpp"

namespace infermark {

namespace {

std::string join(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

// Every executable at least twice, then round-robin until warmup_s has passed: each has its own
// caches, page faults and lazy initialisation to get through before timing.
std::pair<double, int64_t> warm_up(const std::vector<CompiledStep>& steps, double warmup_s) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  int64_t runs = 0;
  for (int round = 0;; ++round) {
    for (const CompiledStep& st : steps) {
      st.exe->run();
      st.exe->sync();
      ++runs;
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    if (round >= 1 && elapsed >= warmup_s) return {elapsed, runs};
  }
}

ojson steps_block(const StepPlan& plan, ojson usage, const std::vector<CompiledStep>& compiled) {
  for (size_t i = 0; i < usage.size() && i < compiled.size(); ++i) {
    usage[i]["id"] = compiled[i].workload.id();
    usage[i]["hash"] = compiled[i].workload.hash();
  }
  ojson j;
  j["summary"] = "prefill ran at prompt buckets " + join(plan.prompt_buckets) + " (batch " +
                 join(plan.prefill_batches) + "); decode steps ran at context buckets " +
                 join(plan.context_buckets) + " (batch " + join(plan.decode_batches) + ")";
  j["rule"] = "backends compile static shapes, so each step runs the executable of the smallest "
              "batch and bucket that cover it: a prompt is padded to its bucket, and a decode step "
              "at context n attends over the bucket's cache length (up to the next bucket edge), "
              "so step times are upper bounds of exact-shape steps, never lower";
  j["kv_cache"] = "each executable keeps its own KV cache, filled from the seed to its bucket's "
                  "length; a step writes its new keys and values into its executable's cache, but "
                  "they are not carried to the next step's executable (the Executable interface has "
                  "no state hand-over); a step's time does not depend on the cache values";
  j["inputs"] = "token ids are the seed's synthetic ids; sampled tokens are not fed back (a step's "
                "time does not depend on token values)";
  j["timing"] = "each step: run, wait for completion, copy the logits to the host (as a host-side "
                "sampler needs them); times on the host's steady clock; arrivals and waits on the "
                "same clock, independent of the backend";
  j["prompt_buckets"] = plan.prompt_buckets;
  j["context_buckets"] = plan.context_buckets;
  j["prefill_batches"] = plan.prefill_batches;
  j["decode_batches"] = plan.decode_batches;
  j["executables"] = usage;
  return j;
}

}  // namespace

BenchmarkResult run_scenario_benchmark(const BenchmarkSpec& spec) {
  const Workload& w = spec.workload;
  BenchmarkResult r;
  r.id = spec.id();
  r.backend = spec.backend;
  r.device = spec.device;
  r.workload = workload_block(w, weights_source(spec));
  try {
    auto backend = make_backend(spec.backend);
    const DeviceInfo dev = find_device(*backend, spec.device);
    const StepPlan plan = step_plan(w);
    std::vector<CompiledStep> compiled;
    for (const auto* list : {&plan.prefill, &plan.decode})
      for (const Workload& step : *list) {
        if (Support s = backend->supports(step); !s.ok) {
          r.state = State::Unimplemented;
          r.reason = "step " + step.id() + ": " + s.reason;
          return r;
        }
        compiled.push_back({step, nullptr, {}, {}, false});
      }
    const std::optional<double> load_before = load_average();
    ojson impl = ojson::array();
    for (CompiledStep& st : compiled) {
      const Graph g = lower(st.workload);
      st.exe = backend->compile(g, make_constants(g, spec.settings.seed, spec.weights_path), dev,
                                {spec.threads});
      impl.push_back({{"step", st.workload.id()}, {"implementation", st.exe->implementation()}});
    }
    r.implementation["steps"] = impl;
    inject_fault_if_requested(r.id);

    check_steps(spec, *backend, dev, compiled);
    Correctness c = combine_checks(compiled, w.precision);
    const auto [warm_s, warm_runs] = warm_up(compiled, spec.settings.warmup_s);

    SteadyScenarioClock clock;
    StepExecutor steps(clock);
    for (CompiledStep& st : compiled)
      steps.add(st.workload.phase, st.workload.batch,
                st.workload.phase == Phase::Prefill ? st.workload.seq : st.workload.context, *st.exe);
    const CollectorTarget target = collector_target(spec, dev);
    TelemetryRecorder telemetry(target);
    ScenarioOutcome o;
    switch (w.scenario.kind) {
      case ScenarioKind::Generate: o = run_generate(steps, w, spec.settings); break;
      case ScenarioKind::Server: o = run_server(steps, w, spec.settings); break;
      case ScenarioKind::Offline: o = run_offline(steps, w, spec.settings); break;
      case ScenarioKind::Step: throw Error(ErrorKind::Internal, "a step workload reached the scenario runner");
    }
    const TelemetryRecord seen = telemetry.stop();
    recheck_steps(compiled, c);  // MLPerf TEST01: the timed executables are the checked ones

    const ojson usage = o.usage.is_array() ? o.usage : steps.usage();  // the reported run's
    r.host_samples = o.host_samples;
    r.summaries = o.summaries;
    ojson block = o.block;
    block["kind"] = to_string(w.scenario.kind);
    block["steps"] = steps_block(plan, usage, compiled);
    r.extra["energy"] = meter_scenario_energy(spec, compiled, usage, o, target, r.summaries);
    r.extra["scenario"] = block;

    if (o.host_samples.empty()) {  // e.g. a server whose every load point broke a bound at once
      r.state = State::Failed;
      r.reason = "no request completed: " +
                 (o.reasons.empty() ? std::string("nothing was measured") : o.reasons.front());
      r.correctness = c;
      return r;
    }
    Validity v;
    const SampleStats st = compute_stats(o.host_samples);
    v.stopping = o.stopping;
    v.samples = int64_t(o.host_samples.size());
    v.warmup_s = warm_s;
    v.warmup_iterations = warm_runs;
    v.rel_ci95_half_width = st.rel_ci_half_width();
    v.rel_stddev = st.rel_stddev();
    v.load_average_before = load_before;
    v.load_average_after = load_average();
    if (c.verdict != "pass") v.reasons.push_back("output does not match the reference");
    if (c.recheck.rfind("fail", 0) == 0) v.reasons.push_back("output changed during timing: " + c.recheck);
    v.reasons.insert(v.reasons.end(), o.reasons.begin(), o.reasons.end());
    v.extra = o.validity_extra;
    v.valid = v.reasons.empty();
    apply_telemetry(v, seen);
    r.validity = v;
    r.correctness = c;
    settle_state(r, "a step's output differs from the reference (worst nmse " + std::to_string(c.nmse) + ")");
  } catch (...) {
    record_exception(std::current_exception(), r);
  }
  return r;
}

}  // namespace infermark
