#include "results/validate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "common/error.hpp"
#include "results/model/statistics.hpp"
#include "results/validate_scenario.hpp"
#include "results/validate_memory.hpp"
#include "suites/cost_model.hpp"
#include "suites/graph.hpp"
#include "suites/workload.hpp"

namespace infermark {

namespace {

constexpr double kStatRelTol = 1e-9;  // summaries are computed from the very same samples
constexpr double kRateRelTol = 1e-6;  // rates are products/quotients of rounded doubles

bool close(double a, double b, double rel) {
  if (a == b) return true;
  return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b));
}

std::string num(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.12g", x);
  return buf;
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

class Checker {
 public:
  Checker(const BenchmarkResult& b, std::string where, const nlohmann::json& workload_json,
          std::vector<std::string>& out)
      : b_(b), where_(std::move(where)), wj_(workload_json), out_(out) {}

  void run() {
    check_id();
    check_workload();
    check_samples("host", &b_.host_samples);
    check_samples("device", b_.device_samples ? &*b_.device_samples : nullptr);
    check_rates();
    check_state();
    check_counters_and_energy();
    check_memory(b_, workload_ ? &*workload_ : nullptr, [this](const std::string& m) { problem(m); });
    std::vector<std::string> scenario;
    check_scenario_result(b_, scenario);  // serving scenarios: summaries vs per-request data
    for (const std::string& p : scenario) problem(p);
  }

 private:
  void problem(const std::string& what) { out_.push_back(where_ + ": " + what); }

  std::string workload_string(const char* key) const {
    auto it = b_.workload.find(key);
    return it != b_.workload.end() && it->is_string() ? it->get<std::string>() : std::string();
  }
  std::optional<int64_t> workload_integer(const char* key) const {
    auto it = b_.workload.find(key);
    if (it == b_.workload.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int64_t>();
  }

  void check_id() {
    const std::string expected = workload_string("id") + "@" + b_.backend + ":" + b_.device;
    if (b_.id != expected)
      problem("id " + quoted(b_.id) + " does not match <workload id>@<backend>:<device> = " +
              quoted(expected));
  }

  void check_workload() {
    if (!wj_.is_object() || !wj_.contains("model")) {
      problem("workload has no full definition (no \"model\"): its id and hash cannot be checked");
      return;
    }
    Workload w;
    try {
      w = workload_from_json(wj_, "", where_ + "/workload");
    } catch (const Error& e) {
      problem(std::string("workload definition does not parse: ") + e.what());
      return;
    }
    layers_ = w.layers;
    workload_ = w;
    if (w.id() != workload_string("id"))
      problem("workload id " + quoted(workload_string("id")) +
              " does not match the id of its definition, " + quoted(w.id()));
    if (w.hash() != workload_string("hash"))
      problem("workload hash " + quoted(workload_string("hash")) +
              " does not match the hash of its definition, " + quoted(w.hash()) +
              ": the definition was edited or the hash belongs to another workload");
    tokens_ = workload_integer("tokens");
    if (!tokens_)
      problem("workload has no integer \"tokens\"");
    else if (*tokens_ != w.tokens())
      problem("workload tokens " + std::to_string(*tokens_) + " != batch × seq = " +
              std::to_string(w.tokens()));
    flops_ = workload_integer("flops");
    min_bytes_ = workload_integer("min_bytes");
    const auto& min_bytes = min_bytes_;
    const auto weight_bytes = workload_integer("weight_bytes");
    if (flops_ || min_bytes || weight_bytes) {
      try {
        WorkloadCost cost = workload_cost(lower(w));
        if (flops_ && *flops_ != cost.flops)
          problem("workload flops " + std::to_string(*flops_) +
                  " != the cost model's count for its definition, " + std::to_string(cost.flops));
        if (min_bytes && *min_bytes != cost.min_bytes)
          problem("workload min_bytes " + std::to_string(*min_bytes) +
                  " != the cost model's count for its definition, " +
                  std::to_string(cost.min_bytes));
        if (weight_bytes && *weight_bytes != cost.weight_bytes)
          problem("workload weight_bytes " + std::to_string(*weight_bytes) +
                  " != the cost model's count for its definition, " +
                  std::to_string(cost.weight_bytes));
      } catch (const Error& e) {
        problem(std::string("workload cannot be lowered to count its cost: ") + e.what());
      }
    }
  }

  // Every latency/<timer>/<stat> summary must be that statistic of the stored samples.
  void check_samples(const std::string& timer, const std::vector<double>* samples) {
    const std::string prefix = "latency/" + timer + "/";
    std::vector<const Summary*> latency;
    for (const Summary& s : b_.summaries)
      if (s.tag.rfind(prefix, 0) == 0) latency.push_back(&s);

    if (timer == "host" && b_.validity && b_.validity->samples != int64_t(samples->size()))
      problem("validity.samples = " + std::to_string(b_.validity->samples) + " but " +
              std::to_string(samples->size()) + " host samples are stored");

    if (!samples || samples->empty()) {
      for (const Summary* s : latency)
        problem("summary " + s->tag + " exists but there are no " + timer + " samples");
      return;
    }
    for (double x : *samples)
      if (!std::isfinite(x) || x < 0) {
        problem(timer + " samples contain " + num(x) + ": a sample must be a finite time ≥ 0");
        return;
      }
    const SampleStats st = compute_stats(*samples);
    const std::map<std::string, double> expected = {
        {"min", st.min},       {"max", st.max},   {"mean", st.mean}, {"median", st.median},
        {"stddev", st.stddev}, {"p90", st.p90},   {"p95", st.p95},   {"p99", st.p99},
        {"p999", st.p999}};
    for (const Summary* s : latency) {
      if (s->unit != "s") problem("summary " + s->tag + " has unit " + quoted(s->unit) + ", expected \"s\"");
      auto it = expected.find(s->tag.substr(prefix.size()));
      if (it == expected.end()) continue;  // a statistic this build does not know
      if (!close(s->value, it->second, kStatRelTol))
        problem("summary " + s->tag + " = " + num(s->value) + " but the " +
                std::to_string(samples->size()) + " stored " + timer + " samples give " +
                num(it->second));
    }
  }

  void check_rates() {
    for (const Summary& s : b_.summaries)
      if (s.ci95 && std::isfinite(s.value) &&
          !(s.ci95->first <= s.value && s.value <= s.ci95->second))
        problem("summary " + s.tag + " = " + num(s.value) + " lies outside its ci95 [" +
                num(s.ci95->first) + ", " + num(s.ci95->second) + "]");
    const Summary* ips = find_summary(b_, "throughput/inferences_per_s");
    if (!ips) return;
    const Summary* tps = find_summary(b_, "throughput/tokens_per_s");
    if (tps && tokens_ && !close(tps->value, ips->value * double(*tokens_), kRateRelTol))
      problem("throughput/tokens_per_s = " + num(tps->value) + " but inferences_per_s × tokens = " +
              num(ips->value * double(*tokens_)));
    const Summary* fps = find_summary(b_, "compute/flops_per_s");
    if (fps && flops_ && !close(fps->value, ips->value * double(*flops_), kRateRelTol))
      problem("compute/flops_per_s = " + num(fps->value) + " but inferences_per_s × flops = " +
              num(ips->value * double(*flops_)));
    const Summary* bps = find_summary(b_, "memory/bytes_per_s");
    if (bps && min_bytes_ && !close(bps->value, ips->value * double(*min_bytes_), kRateRelTol))
      problem("memory/bytes_per_s = " + num(bps->value) + " but inferences_per_s × min_bytes = " +
              num(ips->value * double(*min_bytes_)));
  }

  // counter/<c>/<e>/per_token is its per-inference summary over the tokens; energy summaries have
  // SI units, say their source, and J/token is J/inference over the tokens.
  void check_counters_and_energy() {
    for (const Summary& s : b_.summaries) {
      const bool counter = s.tag.rfind("counter/", 0) == 0;
      const bool energy = s.tag.rfind("energy/", 0) == 0;
      if (!counter && !energy) continue;
      auto ends_with = [&](const std::string& suffix) {
        return s.tag.size() > suffix.size() &&
               s.tag.compare(s.tag.size() - suffix.size(), suffix.size(), suffix) == 0;
      };
      if (counter && ends_with("/per_token")) {
        if (s.per != "token") problem("summary " + s.tag + " has per " + quoted(s.per) + ", expected \"token\"");
        const std::string base = s.tag.substr(0, s.tag.size() - 10);
        const Summary* b = find_summary(b_, base);
        if (!b) problem("summary " + s.tag + " has no per-inference summary " + base);
        else if (tokens_ && *tokens_ > 0 && std::isfinite(b->value) &&
                 !close(s.value, b->value / double(*tokens_), kRateRelTol))
          problem("summary " + s.tag + " = " + num(s.value) + " but " + base + " / tokens = " +
                  num(b->value / double(*tokens_)));
        continue;
      }
      if (!energy) continue;
      const bool joules = s.tag.find("/joules_") != std::string::npos;
      const bool watts = ends_with("_power_w");
      if (joules && s.unit != "J") problem("summary " + s.tag + " has unit " + quoted(s.unit) + ", expected \"J\"");
      if (watts && s.unit != "W") problem("summary " + s.tag + " has unit " + quoted(s.unit) + ", expected \"W\"");
      const auto src = s.extra.find("source");
      if (src == s.extra.end() || !src->is_string() ||
          (*src != "counter" && *src != "integrated power"))
        problem("summary " + s.tag + " must say its source: \"counter\" or \"integrated power\"");
      if (!ends_with("_above_idle") && !(std::isfinite(s.value) && s.value >= 0))
        problem("summary " + s.tag + " = " + num(s.value) + ": energy and power are ≥ 0");
      if (ends_with("/joules_per_token")) {
        const std::string base = s.tag.substr(0, s.tag.size() - 17) + "/joules_per_inference";
        const Summary* b = find_summary(b_, base);
        if (!b) problem("summary " + s.tag + " has no " + base);
        else if (tokens_ && *tokens_ > 0 && std::isfinite(b->value) &&
                 !close(s.value, b->value / double(*tokens_), kRateRelTol))
          problem("summary " + s.tag + " = " + num(s.value) + " but " + base + " / tokens = " +
                  num(b->value / double(*tokens_)));
      }
    }
  }

  void check_state() {
    const std::string state = to_string(b_.state);
    const Correctness* c = b_.correctness ? &*b_.correctness : nullptr;
    const Validity* v = b_.validity ? &*b_.validity : nullptr;
    switch (b_.state) {
      case State::Passed:
        if (!c || c->verdict != "pass")
          problem("state passed but the correctness verdict is " +
                  (c ? quoted(c->verdict) : std::string("absent")));
        if (!v || !v->valid)
          problem(std::string("state passed but validity is ") + (v ? "false" : "absent"));
        if (b_.host_samples.empty()) problem("state passed but there are no host samples");
        break;
      case State::Mistrusted:
        if (b_.host_samples.empty()) problem("state mistrusted but nothing was measured");
        if (v && v->valid) problem("state mistrusted but validity says valid");
        break;
      case State::Failed:
      case State::Unimplemented:
      case State::Skipped:
        if (b_.reason.empty()) problem("state " + state + " needs a reason, and has none");
        if (b_.state != State::Failed && !b_.host_samples.empty())
          problem("state " + state + " but host samples are stored");
        break;
    }
    if (c && c->verdict == "fail" && b_.state != State::Failed)
      problem("the correctness verdict is fail but the state is " + state + ", not failed");
    if (c && c->verdict == "pass" && !(std::isfinite(c->nmse) && c->nmse <= c->tolerance_nmse))
      problem("verdict pass but nmse " + num(c->nmse) + " exceeds the tolerance " +
              num(c->tolerance_nmse));
    if (c && c->verdict != "not_run" && layers_) {
      if (c->checked == "full" && c->checked_layers != *layers_)
        problem("checked full but checked_layers = " + std::to_string(c->checked_layers) +
                ", the workload has " + std::to_string(*layers_));
      if (c->checked == "reduced" && !(c->checked_layers > 0 && c->checked_layers < *layers_))
        problem("checked reduced needs 0 < checked_layers < " + std::to_string(*layers_) +
                ", found " + std::to_string(c->checked_layers));
    }
    if (v && v->valid && !v->reasons.empty())
      problem("validity is true but lists reasons against it");
    if (v && !v->valid && v->reasons.empty())
      problem("validity is false but gives no reason");
  }

  const BenchmarkResult& b_;
  std::string where_;
  const nlohmann::json& wj_;
  std::vector<std::string>& out_;
  std::optional<int> layers_;
  std::optional<Workload> workload_;
  std::optional<int64_t> tokens_;
  std::optional<int64_t> flops_;
  std::optional<int64_t> min_bytes_;
};

}  // namespace

std::vector<std::string> validate_run(const RunResult& run, const nlohmann::json& raw) {
  std::vector<std::string> problems;
  std::map<std::string, size_t> first_use;
  for (size_t i = 0; i < run.benchmarks.size(); ++i) {
    const BenchmarkResult& b = run.benchmarks[i];
    const std::string where = "/benchmarks/" + std::to_string(i);
    auto [it, inserted] = first_use.emplace(b.id, i);
    if (!inserted)
      problems.push_back(where + ": id " + quoted(b.id) + " is already used by /benchmarks/" +
                         std::to_string(it->second));

    // The definition is re-read from the file itself when there is one, so nothing the reader
    // did can hide a difference.
    nlohmann::json workload;
    if (raw.is_object() && raw.contains("benchmarks") && raw["benchmarks"].is_array() &&
        i < raw["benchmarks"].size() && raw["benchmarks"][i].is_object() &&
        raw["benchmarks"][i].contains("workload"))
      workload = raw["benchmarks"][i]["workload"];
    else
      workload = nlohmann::json(b.workload);
    Checker(b, where, workload, problems).run();
  }
  return problems;
}

}  // namespace infermark
