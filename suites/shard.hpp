// Sharding a suite over machines (`infermark run --shard I/N`): a deterministic slice by workload
// hash, balanced by the cost model's estimate, identical on every machine whatever the suite order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "suites/suite_file.hpp"
#include "suites/workload.hpp"

namespace infermark {

struct ShardSpec {
  int index = 1;  // 1-based: shard I of N
  int count = 1;
  std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// "I/N" with 1 ≤ I ≤ N (both decimal integers, N ≤ 100000); anything else throws BadInput naming
// `flag` and what was expected.
ShardSpec parse_shard(const std::string& text, const std::string& flag = "--shard");

// A relative time estimate, in nanoseconds, used only to balance shards (never reported as a
// measurement): the fixed warm-up and timed loop of the settings, plus min_iterations + 2 runs
// (correctness and oracle) of the workload at a nominal 100 GFLOP/s and 10 GB/s, from the cost
// model's FLOPs and minimum bytes. Serving scenarios count each request's steps once.
int64_t estimated_cost_ns(const Workload& w, const MeasurementSettings& s);

// The shard (0-based) of every workload, parallel to `workloads`. Workloads are ordered by
// (hash, id) first, so the assignment does not depend on suite order; then longest-processing-
// time-first: by estimated cost, most expensive first (ties by hash order), each to the shard
// with the least cost so far (ties to the lowest index). Every workload gets exactly one shard,
// and no shard's cost exceeds total / N + the most expensive workload.
std::vector<int> assign_shards(const std::vector<Workload>& workloads,
                               const std::vector<int64_t>& costs, int count);

// The workloads of shard `spec`, in their original (suite) order.
std::vector<Workload> shard_workloads(const std::vector<Workload>& workloads,
                                      const MeasurementSettings& s, const ShardSpec& spec);

// "sha256:…" of the whole assignment (every workload hash with its shard, in hash order), the
// same on every machine that splits the same workloads the same way: shards recorded with
// different digests (another infermark's cost model, another suite) do not form one sweep.
std::string shard_assignment_digest(const std::vector<Workload>& workloads,
                                    const MeasurementSettings& s, int count);

// The default run group of a sweep: "<suite name>-<12 hex digits of sha256(suite hash:seed)>", so
// every shard of one suite and seed lands in the same group without being told.
std::string default_run_group(const Suite& suite, uint64_t seed);

}  // namespace infermark
