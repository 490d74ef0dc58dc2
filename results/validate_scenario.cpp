#include "results/validate_scenario.hpp"

#include <cmath>
#include <cstdio>

#include "results/model/statistics.hpp"

namespace infermark {

namespace {

constexpr double kRelTol = 1e-9;  // recomputed from the very same numbers

std::string num(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.12g", x);
  return buf;
}

bool close(double a, double b) {
  return a == b || std::fabs(a - b) <= kRelTol * std::max(std::fabs(a), std::fabs(b));
}

// The numbers of a JSON array, skipping nulls (requests a run left unfinished).
std::vector<double> numbers(const ojson& block, const char* key) {
  std::vector<double> out;
  auto it = block.find(key);
  if (it == block.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_number()) out.push_back(v.get<double>());
  return out;
}

class ScenarioChecker {
 public:
  ScenarioChecker(const BenchmarkResult& b, std::vector<std::string>& out) : b_(b), out_(out) {}

  void run(const std::string& kind) {
    if (b_.state != State::Passed && b_.state != State::Mistrusted) return;
    auto it = b_.extra.find("scenario");
    if (it == b_.extra.end() || !it->is_object()) {
      problem("a " + kind + " result has no \"scenario\" block with its steps and data");
      return;
    }
    const ojson& block = *it;
    if (kind == "generate") {
      const ojson per = block.value("per_repetition", ojson::object());
      distribution("scenario/ttft", numbers(per, "ttft_s"), "per_repetition.ttft_s");
      distribution("scenario/tpot", numbers(per, "tpot_s"), "per_repetition.tpot_s");
      distribution("scenario/e2e", numbers(per, "e2e_s"), "per_repetition.e2e_s");
      distribution("scenario/itl", numbers(block, "inter_token_s"), "inter_token_s");
      same_as_host(numbers(per, "e2e_s"), "per_repetition.e2e_s");
    }
    if (kind == "server") {
      const ojson req = block.value("requests", ojson::object());
      const auto ttft = numbers(req, "ttft_s"), tpot = numbers(req, "tpot_s"), e2e = numbers(req, "e2e_s");
      distribution("scenario/ttft", ttft, "requests.ttft_s");
      distribution("scenario/tpot", tpot, "requests.tpot_s");
      distribution("scenario/e2e", e2e, "requests.e2e_s");
      same_as_host(e2e, "requests.e2e_s");
      bounds(ttft, tpot);
      max_qps(block);
    }
  }

 private:
  void problem(const std::string& what) { out_.push_back(what); }

  // <prefix>/median, /p90, /p99 are those statistics of `values`.
  void distribution(const std::string& prefix, const std::vector<double>& values, const std::string& from) {
    const Summary* med = find_summary(b_, prefix + "/median");
    if (values.empty()) {
      if (med) problem("summary " + prefix + "/median exists but scenario." + from + " holds no values");
      return;
    }
    const SampleStats st = compute_stats(values);
    for (auto [stat, expected] : {std::pair{"median", st.median}, std::pair{"p90", st.p90},
                                  std::pair{"p99", st.p99}}) {
      const Summary* s = find_summary(b_, prefix + "/" + stat);
      if (s && !close(s->value, expected))
        problem("summary " + prefix + "/" + stat + " = " + num(s->value) + " but the " +
                std::to_string(values.size()) + " values of scenario." + from + " give " + num(expected));
    }
  }

  void same_as_host(const std::vector<double>& values, const std::string& from) {
    bool same = values.size() == b_.host_samples.size();
    for (size_t i = 0; same && i < values.size(); ++i) same = close(values[i], b_.host_samples[i]);
    if (!same) problem("the host samples are not scenario." + from + " (the end-to-end times they stand for)");
  }

  // The validity's latency_bounds agree with the per-request data, and a valid result held them.
  void bounds(const std::vector<double>& ttft, const std::vector<double>& tpot) {
    if (!b_.validity) return;
    auto it = b_.validity->extra.find("latency_bounds");
    if (it == b_.validity->extra.end() || !it->is_object()) {
      problem("a server result's validity has no latency_bounds");
      return;
    }
    const ojson& lb = *it;
    const bool held = lb.value("held", false);
    if (b_.validity->valid && !held) problem("validity is true but latency_bounds.held is false");
    if (ttft.empty() || tpot.empty() || !lb["ttft_p99_s"].is_number() || !lb["tpot_p99_s"].is_number())
      return;
    const double ttft_p99 = compute_stats(ttft).p99, tpot_p99 = compute_stats(tpot).p99;
    if (!close(lb["ttft_p99_s"].get<double>(), ttft_p99) || !close(lb["tpot_p99_s"].get<double>(), tpot_p99))
      problem("latency_bounds p99s (" + num(lb["ttft_p99_s"].get<double>()) + ", " +
              num(lb["tpot_p99_s"].get<double>()) + ") are not those of the requests (" + num(ttft_p99) +
              ", " + num(tpot_p99) + ")");
    const bool within = ttft_p99 <= lb.value("ttft_bound_s", 0.0) && tpot_p99 <= lb.value("tpot_bound_s", 0.0);
    if (held != within)
      problem(std::string("latency_bounds.held is ") + (held ? "true" : "false") +
              " but the requests' p99s are " + (within ? "within" : "over") + " the bounds");
  }

  void max_qps(const ojson& block) {
    const Summary* s = find_summary(b_, "scenario/max_qps");
    auto it = block.find("search");
    const bool searched = it != block.end() && it->is_object();
    if (s && (!searched || !(*it)["max_qps"].is_number() || !close(s->value, (*it)["max_qps"].get<double>())))
      problem("summary scenario/max_qps = " + num(s->value) + " is not the search's max_qps");
    if (!s && searched && (*it)["max_qps"].is_number())
      problem("the search found max_qps " + num((*it)["max_qps"].get<double>()) +
              " but there is no scenario/max_qps summary");
  }

  const BenchmarkResult& b_;
  std::vector<std::string>& out_;
};

}  // namespace

void check_scenario_result(const BenchmarkResult& b, std::vector<std::string>& problems) {
  auto it = b.workload.find("scenario");
  if (it == b.workload.end() || !it->is_string()) return;
  const std::string kind = it->get<std::string>();
  if (kind == "step") return;
  ScenarioChecker(b, problems).run(kind);
}

}  // namespace infermark
