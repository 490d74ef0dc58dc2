#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "results/export.hpp"
#include "results/export_common.hpp"

namespace infermark {

namespace {

using namespace exports;

// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
std::string field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// The shortest of 15, 16 or 17 significant digits that reads back to the same double (17
// always does); an empty field for a missing value.
std::string number(double v) {
  if (!std::isfinite(v)) return "";
  char buf[40];
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string row(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) line += (i ? "," : "") + field(cells[i]);
  return line + "\n";
}

}  // namespace

std::string export_csv(const std::vector<NamedRun>& runs) {
  std::string out = row({"file", "run_id", "benchmark_id", "workload_id", "workload_hash",
                         "backend", "device", "state", "reason", "correctness", "tag", "unit",
                         "value", "ci95_lo", "ci95_hi", "per"});
  for (const NamedRun& nr : runs) {
    for (const BenchmarkResult& b : nr.run.benchmarks) {
      const std::vector<std::string> head = {
          nr.file,    run_id(nr.run), b.id,        workload_id(b),     workload_hash(b),
          b.backend,  b.device,       to_string(b.state), b.reason,
          b.correctness ? b.correctness->verdict : ""};
      if (b.summaries.empty()) {
        auto cells = head;
        cells.insert(cells.end(), 6, "");
        out += row(cells);
        continue;
      }
      for (const Summary& s : b.summaries) {
        auto cells = head;
        cells.insert(cells.end(), {s.tag, s.unit, number(s.value),
                                   s.ci95 ? number(s.ci95->first) : "",
                                   s.ci95 ? number(s.ci95->second) : "", s.per});
        out += row(cells);
      }
    }
  }
  return out;
}

}  // namespace infermark
