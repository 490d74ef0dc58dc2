// Pieces every export shares: a benchmark's workload id and correctness in one cell, and the
// run's identity (id, host) read defensively from the free-form "run" and "system" blocks.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

#include "results/model/result.hpp"

namespace infermark::exports {

inline std::string string_at(const ojson& j, const char* key, const std::string& fallback = "") {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

inline std::string workload_id(const BenchmarkResult& b) { return string_at(b.workload, "id", b.id); }
inline std::string workload_hash(const BenchmarkResult& b) { return string_at(b.workload, "hash"); }
inline std::string run_id(const RunResult& r) { return string_at(r.run, "id"); }
inline std::string host_name(const RunResult& r) { return string_at(r.system, "hostname"); }

// "pass (nmse 2.3e-12)", "fail (nmse 0.41)", "not_run", or "-" without a correctness block.
inline std::string correctness_cell(const BenchmarkResult& b) {
  if (!b.correctness) return "-";
  const Correctness& c = *b.correctness;
  if (c.verdict == "not_run") return c.verdict;
  char buf[48];
  if (std::isfinite(c.nmse)) std::snprintf(buf, sizeof buf, " (nmse %.2g)", c.nmse);
  else std::snprintf(buf, sizeof buf, " (nmse nan)");
  std::string cell = c.verdict + buf;
  if (c.checked == "reduced") cell += ", " + std::to_string(c.checked_layers) + " layers checked";
  return cell;
}

// The number of a workload field ("tokens", "flops"), or NaN when absent.
inline double workload_number(const BenchmarkResult& b, const char* key) {
  auto it = b.workload.find(key);
  return it != b.workload.end() && it->is_number() ? it->get<double>() : NAN;
}

}  // namespace infermark::exports
