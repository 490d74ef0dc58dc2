// Serving scenarios of a decoder workload (README "Serving scenarios"): generate, server, offline.
// A scenario runs each request's prefill and decode steps on a host schedule, not one fixed step.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "suites/model_config.hpp"

namespace infermark {

// Step: the fixed-step benchmark (the default). The others run requests (see README).
enum class ScenarioKind { Step, Generate, Server, Offline };
std::string to_string(ScenarioKind);

// Tokens per request: fixed (min == max) or drawn uniformly from [min, max] with the suite's seed.
struct TokenRange {
  int min = 0;
  int max = 0;
  bool fixed() const { return min == max; }
  bool operator==(const TokenRange&) const = default;
};

// MLPerf LoadGen's early-stopping minimum for a 99th percentile at 99% confidence when no request
// is over the bound: the smallest n with 0.99ⁿ ≤ 0.01, i.e. ⌈ln 0.01 / ln 0.99⌉ = 459.
constexpr int kServerDefaultRequests = 459;

struct Scenario {
  ScenarioKind kind = ScenarioKind::Step;
  TokenRange prompt;          // prompt tokens of each request
  TokenRange generate;        // output tokens of each request (≥ 2, so TPOT exists)
  int buckets = 4;            // executables per varying length: prompt lengths, decode contexts
  double target_qps = 0;      // server: mean rate of the Poisson arrivals, requests/s
  int requests = 0;           // server: requests per load point; offline: the request pool
  double ttft_p99_ms = 0;     // server: bound on the 99th percentile of time to first token
  double tpot_p99_ms = 0;     // server: bound on the 99th percentile of time per output token
  bool find_max_qps = false;  // server: search the highest QPS that holds both bounds

  bool is_step() const { return kind == ScenarioKind::Step; }
};

// The id segment after "<model>/<kind>/b<batch>/": "p128/g64", "p32/g16/q4", "p16-32/g8/qmax",
// "p32/g16/n64".
std::string scenario_id_segment(const Scenario& s);

// Adds the scenario's keys (kind and its parameters, nothing for Step) to a workload definition.
void scenario_to_json(const Scenario& s, nlohmann::ordered_json& definition);

// Reads "scenario" and its keys from a workload object. `suite_entry`: a suite file's workload,
// where prompt, generate and target_qps may be lists (a sweep, expanded here in that order) and a
// scenario key on a step workload is an error; otherwise (a result file) one scenario is read.
// Parameters left out get their defaults. Throws BadInput naming `file`, the key and what was
// expected.
std::vector<Scenario> scenarios_from_json(const nlohmann::json& workload, const std::string& file,
                                          const std::string& pointer, bool suite_entry);

// The keys a workload entry may carry besides model, phase, batch, seq, context, precision,
// layers: "scenario", "prompt", "generate", "buckets", "target_qps", …
const std::vector<std::string>& scenario_keys();

// Throws BadInput when the scenario cannot run on this model and batch (an encoder, a request
// longer than max_seq, a server without bounds, …).
void validate_scenario(const Scenario& s, const ModelConfig& m, int batch, const std::string& file,
                       const std::string& pointer);

}  // namespace infermark
