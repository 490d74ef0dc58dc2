#include "results/export_tradeoff.hpp"

#include <cmath>
#include <map>
#include <sstream>
#include <vector>

#include "results/console_table.hpp"
#include "results/export_common.hpp"
#include "results/text_format.hpp"

namespace infermark {
namespace {

using namespace exports;

struct Row {
  const BenchmarkResult* b;
  std::string precision;  // the id's precision segment, e.g. "int4w-g128-bf16"
  double median = NAN, tokens_per_s = NAN, j_per_token = NAN, qnmse = NAN, top1 = NAN;
};

bool quantized(const std::string& precision) { return precision.rfind("int", 0) == 0; }

// The id without its precision segment: the shape the precisions are compared on.
std::pair<std::string, std::string> shape_and_precision(const BenchmarkResult& b) {
  std::stringstream ss(workload_id(b));
  std::string part, shape, precision;
  for (int i = 0; std::getline(ss, part, '/'); ++i) {
    const bool is_precision = i > 0 && (part == "f32" || part == "bf16" || part == "f16" ||
                                        part.rfind("int8", 0) == 0 || part.rfind("int4w", 0) == 0);
    if (is_precision) {
      precision = part;
      shape += (shape.empty() ? "" : "/") + std::string("*");
    } else {
      shape += (shape.empty() ? "" : "/") + part;
    }
  }
  return {shape, precision};
}

double summary(const BenchmarkResult& b, const std::string& tag) {
  const Summary* s = find_summary(b, tag);
  return s ? s->value : NAN;
}

double joules_per_token(const BenchmarkResult& b) {
  for (const Summary& s : b.summaries)
    if (s.tag.rfind("energy/", 0) == 0 && s.tag.size() > 17 &&
        s.tag.compare(s.tag.size() - 17, 17, "/joules_per_token") == 0)
      return s.value;
  return NAN;
}

std::string num(double v, double scale = 1) { return std::isfinite(v) ? three_digits(v * scale) : "-"; }

}  // namespace

std::string tradeoff_table(const RunResult& r) {
  // (device, shape) → rows, in result order.
  std::map<std::pair<std::string, std::string>, std::vector<Row>> groups;
  std::vector<std::pair<std::string, std::string>> order;
  for (const BenchmarkResult& b : r.benchmarks) {
    if (b.state != State::Passed && b.state != State::Mistrusted) continue;
    const auto [shape, precision] = shape_and_precision(b);
    if (precision.empty()) continue;
    const auto key = std::make_pair(b.backend + ":" + b.device, shape);
    if (!groups.count(key)) order.push_back(key);
    Row row{&b, precision};
    row.median = summary(b, "latency/host/median");
    row.tokens_per_s = summary(b, "throughput/tokens_per_s");
    row.j_per_token = joules_per_token(b);
    row.qnmse = quantized(precision) ? summary(b, "quantization/nmse") : 0.0;
    row.top1 = summary(b, "quantization/top1_agreement");
    groups[key].push_back(row);
  }
  std::string rows;
  for (const auto& key : order) {
    const std::vector<Row>& g = groups[key];
    bool any_quantized = false;
    for (const Row& row : g) any_quantized = any_quantized || quantized(row.precision);
    if (g.size() < 2 || !any_quantized) continue;
    // Speed-ups against bf16 where it ran, else the first float precision.
    const Row* base = nullptr;
    for (const Row& row : g)
      if (row.precision == "bf16" || (!base && !quantized(row.precision))) base = &row;
    for (const Row& row : g) {
      // Pareto front over (latency, quantization NMSE): no other row is at least as good in
      // both and better in one.
      bool dominated = false;
      for (const Row& o : g)
        dominated = dominated || (&o != &row && o.median <= row.median && o.qnmse <= row.qnmse &&
                                  (o.median < row.median || o.qnmse < row.qnmse));
      const double speedup = base && std::isfinite(base->median) && row.median > 0
                                 ? base->median / row.median : NAN;
      rows += "| " + key.second + " | " + key.first + " | " + row.precision +
              (dominated ? "" : " ★") + " | " +
              (std::isfinite(row.median) ? format_seconds(row.median) : "-") + " | " +
              num(row.tokens_per_s) + " | " + num(row.j_per_token) + " | " +
              (std::isfinite(speedup) ? three_digits(speedup) + "×" : "-") + " | " +
              (quantized(row.precision) ? num(row.qnmse) : "0 (float)") + " | " + num(row.top1) +
              " | " + correctness_cell(*row.b) + " |\n";
    }
  }
  if (rows.empty()) return "";
  return "\nPrecision trade-off (speed-up vs bf16, or the first float precision; quantization "
         "NMSE of the quantized model vs the float one; ★ = Pareto front of latency and "
         "quantization error):\n\n"
         "| workload | backend:device | precision | median | tokens/s | J/token | speed-up | "
         "quant. NMSE | top-1 agree | kernel check |\n"
         "|---|---|---|--:|--:|--:|--:|--:|--:|---|\n" +
         rows;
}

}  // namespace infermark
