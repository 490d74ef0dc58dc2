#include "results/validate_memory.hpp"

#include <cmath>
#include <cstdio>

#include "suites/cost_model.hpp"
#include "suites/graph.hpp"

namespace infermark {
namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

void check_memory(const BenchmarkResult& b, const Workload* w,
                  const std::function<void(const std::string&)>& problem) {
  bool any = false;
  for (const Summary& s : b.summaries) {
    if (!starts_with(s.tag, "memory/host/") && !starts_with(s.tag, "memory/device/") &&
        !starts_with(s.tag, "memory/expected/"))
      continue;
    any = true;
    if (s.unit != "B") problem("summary " + s.tag + " has unit \"" + s.unit + "\", expected \"B\"");
    if (!(std::isfinite(s.value) && s.value >= 0 && s.value == std::floor(s.value)))
      problem("summary " + s.tag + " = " + num(s.value) + ": a memory size is a whole number of bytes ≥ 0");
  }

  // Expected sizes are the cost model's for the definition (at the workload precision).
  if (w && any) {
    try {
      const MemoryCost m = memory_cost(lower(*w));
      const std::pair<const char*, int64_t> expected[] = {
          {"memory/expected/weights", m.weights_bytes()},
          {"memory/expected/kv_cache", m.kv_cache_bytes()},
          {"memory/expected/largest_activation", m.largest_activation_bytes()},
          {"memory/expected/activations", m.activations_bytes()}};
      for (const auto& [tag, bytes] : expected)
        if (const Summary* s = find_summary(b, tag); s && s->value != double(bytes))
          problem("summary " + std::string(tag) + " = " + num(s->value) +
                  " but the cost model gives " + std::to_string(bytes) + " for its definition");
    } catch (const std::exception& e) {
      problem(std::string("workload cannot be lowered to count its memory: ") + e.what());
    }
  }

  // The measured parts add up to the total.
  const Summary* total = find_summary(b, "memory/device/total");
  const Summary* parts[] = {find_summary(b, "memory/device/weights"),
                            find_summary(b, "memory/device/kv_cache"),
                            find_summary(b, "memory/device/activations")};
  if (total && parts[0] && parts[1] && parts[2] &&
      parts[0]->value + parts[1]->value + parts[2]->value != total->value)
    problem("memory/device/total = " + num(total->value) +
            " but weights + kv_cache + activations = " +
            num(parts[0]->value + parts[1]->value + parts[2]->value));

  // A workload the fit check refused was never run: it ends skipped.
  const auto mem = b.extra.find("memory");
  if (mem != b.extra.end() && mem->is_object()) {
    const auto fit = mem->find("fit");
    if (fit != mem->end() && fit->is_object() && fit->contains("fits") && (*fit)["fits"].is_boolean() &&
        !(*fit)["fits"].get<bool>() && b.state != State::Skipped)
      problem("memory.fit.fits is false but the state is " + to_string(b.state) + ", not skipped");
  }
  // The validity's memory flags agree with its verdict.
  if (b.validity) {
    const auto v = b.validity->extra.find("memory");
    if (v != b.validity->extra.end() && v->is_object() && v->contains("consistent") &&
        (*v)["consistent"].is_boolean() && v->contains("flags") && (*v)["flags"].is_array() &&
        (*v)["consistent"].get<bool>() != (*v)["flags"].empty())
      problem("validity.memory.consistent disagrees with its flags");
  }
}

}  // namespace infermark
