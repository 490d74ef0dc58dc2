#include "results/console_table.hpp"
#include "results/export.hpp"
#include "results/export_common.hpp"
#include "results/export_tradeoff.hpp"
#include "results/text_format.hpp"

namespace infermark {

namespace {

using namespace exports;

// A Markdown table cell: '|' would end the cell, a newline the row.
std::string cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

std::string median_cell(const BenchmarkResult& b) {
  const Summary* m = find_summary(b, "latency/host/median");
  if (!m) return "-";
  std::string c = format_seconds(m->value);
  if (m->ci95 && m->value > 0)
    c += " ±" + three_digits(100 * (m->ci95->second - m->ci95->first) / 2 / m->value) + "%";
  return c;
}

std::string value_cell(const BenchmarkResult& b, const char* tag, double scale) {
  const Summary* s = find_summary(b, tag);
  return s ? three_digits(s->value * scale) : "-";
}

std::string system_line(const RunResult& r) {
  std::string parts;
  auto add = [&parts](const std::string& s) {
    if (!s.empty()) parts += (parts.empty() ? "" : " · ") + s;
  };
  if (r.system.is_object()) {
    auto cpu = r.system.find("cpu");
    if (cpu != r.system.end()) add(string_at(*cpu, "model"));
    add(string_at(r.system, "os"));
    add(string_at(r.system, "compiler"));
  }
  std::string tool = string_at(r.tool, "name", "infermark");
  const std::string version = string_at(r.tool, "version");
  const std::string rev = string_at(r.tool, "git_revision");
  if (!version.empty()) tool += " " + version;
  if (!rev.empty()) tool += " (" + rev + ")";
  add(tool);
  return parts;
}

// "1.23 GB": SI units, three significant digits; "-" without the summary.
std::string bytes_cell(const BenchmarkResult& b, const std::string& tag) {
  const Summary* s = find_summary(b, tag);
  if (!s || !std::isfinite(s->value)) return "-";
  if (s->value == 0) return "0 B";
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = s->value;
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  return three_digits(v) + " " + units[u];
}

// The memory table (issue 14): measured beside the cost model's expected sizes, per benchmark
// that has memory summaries; the validity's memory flags as a footnote.
std::string memory_table(const RunResult& r) {
  std::string rows;
  std::vector<std::string> flags;
  for (const BenchmarkResult& b : r.benchmarks) {
    if (!find_summary(b, "memory/expected/weights")) continue;
    std::string flag_cell = "-";
    if (b.validity) {
      auto m = b.validity->extra.find("memory");
      if (m != b.validity->extra.end() && m->is_object() && m->contains("flags") &&
          (*m)["flags"].is_array() && !(*m)["flags"].empty()) {
        std::string all;
        for (const auto& f : (*m)["flags"]) all += (all.empty() ? "" : "; ") + f.get<std::string>();
        flags.push_back(b.id + ": " + all);
        flag_cell = "[m" + std::to_string(flags.size()) + "]";
      }
    }
    rows += "| " + cell(workload_id(b)) + " | " + cell(b.backend + ":" + b.device) + " | " +
            bytes_cell(b, "memory/host/peak_rss") + " | " + bytes_cell(b, "memory/device/total") +
            " | " + bytes_cell(b, "memory/device/weights") + " / " +
            bytes_cell(b, "memory/expected/weights") + " | " +
            bytes_cell(b, "memory/device/kv_cache") + " / " +
            bytes_cell(b, "memory/expected/kv_cache") + " | " +
            bytes_cell(b, "memory/device/activations") + " / " +
            bytes_cell(b, "memory/expected/largest_activation") + " | " +
            bytes_cell(b, "memory/device/free_before") + " → " +
            bytes_cell(b, "memory/device/free_after") + " | " +
            value_cell(b, "throughput/tokens_per_s", 1) + " | " + flag_cell + " |\n";
  }
  if (rows.empty()) return "";
  std::string out =
      "\nMemory (measured / expected by the cost model at the workload precision; activations "
      "include workspace, expected is the largest one):\n\n"
      "| workload | backend:device | peak RSS | device total | weights | KV cache | activations | "
      "device free before → after | tokens/s | flags |\n"
      "|---|---|--:|--:|--:|--:|--:|--:|--:|---|\n" +
      rows;
  if (!flags.empty()) {
    out += "\n";
    for (size_t i = 0; i < flags.size(); ++i)
      out += "- [m" + std::to_string(i + 1) + "] " + cell(flags[i]) + "\n";
  }
  return out;
}

}  // namespace

std::string export_markdown(const std::vector<NamedRun>& runs) {
  std::string out;
  for (const NamedRun& nr : runs) {
    const RunResult& r = nr.run;
    if (!out.empty()) out += "\n";
    std::string suite;
    if (r.run.is_object())
      if (auto s = r.run.find("suite"); s != r.run.end()) suite = string_at(*s, "name");
    out += "### " + cell(suite.empty() ? "infermark run" : "Suite " + suite);
    if (!run_id(r).empty()) out += ", run " + cell(run_id(r));
    if (!host_name(r).empty()) out += " on " + cell(host_name(r));
    out += "\n\n";
    out += "Source: `" + nr.file + "`";
    const std::string sys = system_line(r);
    if (!sys.empty()) out += " · " + cell(sys);
    out += "\n\n";
    out += "| workload | backend:device | state | median (±95% CI) | p99 | tokens/s | GFLOP/s | "
           "correctness |\n";
    out += "|---|---|---|--:|--:|--:|--:|---|\n";
    std::vector<const BenchmarkResult*> notes;
    for (const BenchmarkResult& b : r.benchmarks) {
      std::string state = to_string(b.state);
      if (!b.reason.empty()) {
        notes.push_back(&b);
        state += " [" + std::to_string(notes.size()) + "]";
      }
      const Summary* p99 = find_summary(b, "latency/host/p99");
      out += "| " + cell(workload_id(b)) + " | " + cell(b.backend + ":" + b.device) + " | " +
             cell(state) + " | " + cell(median_cell(b)) + " | " +
             cell(p99 ? format_seconds(p99->value) : "-") + " | " +
             value_cell(b, "throughput/tokens_per_s", 1) + " | " +
             value_cell(b, "compute/flops_per_s", 1e-9) + " | " + cell(correctness_cell(b)) +
             " |\n";
    }
    if (r.benchmarks.empty()) out += "| (no benchmarks) | | | | | | | |\n";
    if (!notes.empty()) {
      out += "\n";
      for (size_t i = 0; i < notes.size(); ++i)
        out += "- [" + std::to_string(i + 1) + "] " + cell(notes[i]->id) + ": " +
               cell(notes[i]->reason) + "\n";
    }
    out += memory_table(r);
    out += tradeoff_table(r);
  }
  return out;
}

}  // namespace infermark
