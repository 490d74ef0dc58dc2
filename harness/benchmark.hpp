// One benchmark, in process: compile, check against the reference, time, re-check, summarise.
// This is the body of the child process the runner starts for each workload × backend × device.
#pragma once

#include <exception>

#include "backends/backend.hpp"
#include "harness/benchmark_spec.hpp"
#include "results/model/result.hpp"

namespace infermark {

// Never throws for a backend failure: errors end the benchmark in state `failed` with the
// reason. Throws only for bad input in the spec itself.
BenchmarkResult run_benchmark(const BenchmarkSpec& spec);

// The workload block of a result: full definition plus id, hash, tokens, flops, min_bytes and
// the weights source.
ojson workload_block(const Workload& w, const std::string& weights_source);

// "synthetic:seed=N" or "safetensors:<sha256>": the weights a benchmark ran with.
std::string weights_source(const BenchmarkSpec& spec);

// The backend's device with this id; throws Unavailable when it has none.
DeviceInfo find_device(const Backend& backend, const std::string& id);

// The state of a benchmark that ran to the end, from its correctness and validity (both set):
// failed with `differs` when the output differs from the reference, failed when it changed
// during timing, mistrusted with the first validity reason, else passed.
void settle_state(BenchmarkResult& r, const std::string& differs);

// A benchmark that threw: an allocation that failed (ErrorKind::OutOfMemory) means the workload
// does not fit the device, so it ends `skipped` with the reason; anything else ends `failed`.
// Bad input is rethrown: it stops the whole run.
void record_exception(std::exception_ptr e, BenchmarkResult& r);

// Test-only fault injection: INFERMARK_TEST_FAULT="KIND:REGEX" in the child of any benchmark
// whose id matches REGEX, after compile. KIND: crash (abort), segv (SIGSEGV), hang (sleeps
// forever), throw (a backend error), oom (exhausts a capped address space), device-oom (the
// error a backend raises when the device refuses an allocation). "slow:REGEX:FACTOR" slows
// every inference down instead (harness/test_slowdown.hpp).
void inject_fault_if_requested(const std::string& benchmark_id);

}  // namespace infermark
