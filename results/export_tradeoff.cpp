#include "results/export_tradeoff.hpp"

#include <cmath>
#include <map>
#include <sstream>

#include "results/console_table.hpp"
#include "results/export_common.hpp"
#include "results/text_format.hpp"

namespace infermark {
namespace {

using namespace exports;

bool is_precision_segment(const std::string& part) {
  return part == "f32" || part == "bf16" || part == "f16" || part.rfind("int8", 0) == 0 ||
         part.rfind("int4w", 0) == 0;
}

// The id without its precision segment: the shape the precisions are compared on.
std::pair<std::string, std::string> shape_and_precision(const BenchmarkResult& b) {
  std::stringstream ss(workload_id(b));
  std::string part, shape, precision;
  for (int i = 0; std::getline(ss, part, '/'); ++i) {
    const bool is_precision = i > 0 && is_precision_segment(part);
    if (is_precision) precision = part;
    shape += (shape.empty() ? "" : "/") + (is_precision ? std::string("*") : part);
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

TradeoffPoint point_of(const BenchmarkResult& b, const std::string& precision) {
  TradeoffPoint p;
  p.bench = &b;
  p.precision = precision;
  p.quantized = precision.rfind("int", 0) == 0;
  p.median = summary(b, "latency/host/median");
  p.tokens_per_s = summary(b, "throughput/tokens_per_s");
  p.joules_per_token = joules_per_token(b);
  p.quant_nmse = p.quantized ? summary(b, "quantization/nmse") : 0.0;
  p.quant_max_abs = p.quantized ? summary(b, "quantization/max_abs_err") : 0.0;
  p.top1 = summary(b, "quantization/top1_agreement");
  p.speedup = NAN;
  return p;
}

// Pareto front over (latency, quantization NMSE); a point missing either is never on it.
void mark_front(std::vector<TradeoffPoint>& g) {
  for (TradeoffPoint& p : g) {
    if (!std::isfinite(p.median) || !std::isfinite(p.quant_nmse)) continue;
    bool dominated = false;
    for (const TradeoffPoint& o : g)
      dominated = dominated || (&o != &p && o.median <= p.median && o.quant_nmse <= p.quant_nmse &&
                                (o.median < p.median || o.quant_nmse < p.quant_nmse));
    p.pareto = !dominated;
  }
}

std::string num(double v) { return std::isfinite(v) ? three_digits(v) : "-"; }

}  // namespace

std::vector<TradeoffGroup> tradeoff_groups(const RunResult& r) {
  std::map<std::pair<std::string, std::string>, size_t> index;
  std::vector<TradeoffGroup> all;
  for (const BenchmarkResult& b : r.benchmarks) {
    if (b.state != State::Passed && b.state != State::Mistrusted) continue;
    const auto [shape, precision] = shape_and_precision(b);
    if (precision.empty()) continue;
    const auto key = std::make_pair(b.backend + ":" + b.device, shape);
    auto [it, fresh] = index.emplace(key, all.size());
    if (fresh) all.push_back({key.first, key.second, "", {}});
    all[it->second].points.push_back(point_of(b, precision));
  }
  std::vector<TradeoffGroup> out;
  for (TradeoffGroup& g : all) {
    bool any_quantized = false;
    for (const TradeoffPoint& p : g.points) any_quantized = any_quantized || p.quantized;
    if (g.points.size() < 2 || !any_quantized) continue;
    const TradeoffPoint* base = nullptr;
    for (const TradeoffPoint& p : g.points)
      if (p.precision == "bf16" || (!base && !p.quantized)) base = &p;
    if (base) g.baseline = base->precision;
    const double base_median = base ? base->median : NAN;
    for (TradeoffPoint& p : g.points)
      p.speedup = std::isfinite(base_median) && p.median > 0 ? base_median / p.median : NAN;
    mark_front(g.points);
    out.push_back(std::move(g));
  }
  return out;
}

std::string tradeoff_table(const RunResult& r) {
  std::string rows;
  for (const TradeoffGroup& g : tradeoff_groups(r)) {
    for (const TradeoffPoint& p : g.points) {
      rows += "| " + g.shape + " | " + g.device + " | " + p.precision + (p.pareto ? " ★" : "") +
              " | " + (std::isfinite(p.median) ? format_seconds(p.median) : "-") + " | " +
              num(p.tokens_per_s) + " | " + num(p.joules_per_token) + " | " +
              (std::isfinite(p.speedup) ? three_digits(p.speedup) + "×" : "-") + " | " +
              (p.quantized ? num(p.quant_nmse) : "0 (float)") + " | " + num(p.top1) + " | " +
              correctness_cell(*p.bench) + " |\n";
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
