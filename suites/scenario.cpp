// Serving scenarios: reading them from suite and result files, their ids and their checks.
#include "suites/scenario.hpp"

#include <algorithm>
#include <cstdio>

#include "common/error.hpp"
#include "suites/json_fields.hpp"

namespace infermark {

namespace jf = json_fields;
using nlohmann::json;

std::string to_string(ScenarioKind k) {
  switch (k) {
    case ScenarioKind::Step: return "step";
    case ScenarioKind::Generate: return "generate";
    case ScenarioKind::Server: return "server";
    case ScenarioKind::Offline: return "offline";
  }
  return "?";
}

namespace {

constexpr int kMaxBuckets = 32;  // each bucket compiles an executable

std::string range_text(const TokenRange& r) {
  return r.fixed() ? std::to_string(r.min) : std::to_string(r.min) + "-" + std::to_string(r.max);
}

std::string number_text(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

json range_json(const TokenRange& r) {
  if (r.fixed()) return r.min;
  return json{{"min", r.min}, {"max", r.max}};
}

// An integer, or {"min": a, "max": b} with 1 ≤ a ≤ b.
TokenRange read_range(const json& v, const jf::At& at) {
  if (v.is_object()) {
    jf::check_keys(v, at, {"min", "max"});
    TokenRange r;
    r.min = jf::positive_int(jf::require(v, at, "min", "the shortest length"), at / "min");
    r.max = jf::positive_int(jf::require(v, at, "max", "the longest length"), at / "max");
    if (r.max < r.min)
      (at / "max").fail("expected max ≥ min (" + std::to_string(r.min) + "), got " +
                        std::to_string(r.max));
    return r;
  }
  if (!v.is_number_integer())
    at.fail("expected a positive integer or {\"min\": a, \"max\": b}, got " + jf::describe(v));
  const int n = jf::positive_int(v, at);
  return {n, n};
}

// One value, or in a suite entry a non-empty list of distinct values (a sweep).
template <class T, class Read>
std::vector<T> one_or_list(const json& v, const jf::At& at, bool lists, Read read) {
  if (!v.is_array()) return {read(v, at)};
  if (!lists) at.fail("expected one value, got a list " + jf::describe(v));
  if (v.empty()) at.fail("expected a value or a non-empty list of values, got []");
  std::vector<T> out;
  for (size_t i = 0; i < v.size(); ++i) {
    T x = read(v[i], at / i);
    for (size_t k = 0; k < out.size(); ++k)
      if (out[k] == x)
        (at / i).fail("duplicate value " + jf::describe(v[i]) + " (already at " +
                      (at / k).pointer + ")");
    out.push_back(x);
  }
  return out;
}

// Which scenario keys each kind takes.
bool applies(const std::string& key, ScenarioKind k) {
  if (key == "scenario" || key == "prompt" || key == "generate" || key == "buckets") return true;
  if (key == "requests") return k == ScenarioKind::Server || k == ScenarioKind::Offline;
  return k == ScenarioKind::Server;  // target_qps, ttft_p99_ms, tpot_p99_ms, find_max_qps
}

}  // namespace

const std::vector<std::string>& scenario_keys() {
  static const std::vector<std::string> keys = {
      "scenario",    "prompt",      "generate",    "buckets",     "target_qps",
      "requests",    "ttft_p99_ms", "tpot_p99_ms", "find_max_qps"};
  return keys;
}

std::string scenario_id_segment(const Scenario& s) {
  std::string id = "p" + range_text(s.prompt) + "/g" + range_text(s.generate);
  if (s.kind == ScenarioKind::Server) id += s.find_max_qps ? "/qmax" : "/q" + number_text(s.target_qps);
  if (s.kind == ScenarioKind::Offline) id += "/n" + std::to_string(s.requests);
  return id;
}

void scenario_to_json(const Scenario& s, nlohmann::ordered_json& j) {
  if (s.is_step()) return;
  j["prompt"] = range_json(s.prompt);
  j["generate"] = range_json(s.generate);
  j["buckets"] = s.buckets;
  if (s.kind == ScenarioKind::Server) {
    j["target_qps"] = s.target_qps;
    j["ttft_p99_ms"] = s.ttft_p99_ms;
    j["tpot_p99_ms"] = s.tpot_p99_ms;
    j["find_max_qps"] = s.find_max_qps;
  }
  if (s.kind != ScenarioKind::Generate) j["requests"] = s.requests;
}

std::vector<Scenario> scenarios_from_json(const json& j, const std::string& file,
                                          const std::string& pointer, bool suite_entry) {
  const jf::At at{file, pointer};
  Scenario base;
  if (const json* v = jf::find(j, "scenario"))
    base.kind = jf::enum_value(*v, at / "scenario",
                               {ScenarioKind::Step, ScenarioKind::Generate, ScenarioKind::Server,
                                ScenarioKind::Offline});
  const std::string kind = to_string(base.kind);
  if (base.is_step()) {
    if (suite_entry)
      for (const std::string& key : scenario_keys())
        if (key != "scenario" && jf::find(j, key))
          (at / key).fail("\"" + key + "\" is a key of serving scenarios; add \"scenario\": "
                          "\"generate\", \"server\" or \"offline\" (without it the workload "
                          "repeats one fixed step)");
    return {base};
  }
  if (suite_entry)
    for (const char* key : {"phase", "seq", "context"})
      if (jf::find(j, key))
        (at / key).fail("a \"" + kind + "\" workload has no \"" + key + "\": each request runs "
                        "its prefill (\"prompt\" tokens), then one decode step per further "
                        "output token (\"generate\")");
  for (const std::string& key : scenario_keys())
    if (jf::find(j, key) && !applies(key, base.kind))
      (at / key).fail("\"" + key + "\" applies to scenario " +
                      (key == "requests" ? "\"server\" or \"offline\"" : "\"server\"") +
                      " only, not \"" + kind + "\"");

  auto ranges = [&](const char* key, const char* what) {
    return one_or_list<TokenRange>(jf::require(j, at, key, what), at / key, suite_entry,
                                   read_range);
  };
  const auto prompts = ranges("prompt", "prompt tokens per request: an integer or {\"min\", \"max\"}");
  const auto generates =
      ranges("generate", "output tokens per request: an integer or {\"min\", \"max\"}");
  if (base.kind == ScenarioKind::Generate)
    for (auto [key, list] : {std::pair{"prompt", &prompts}, std::pair{"generate", &generates}})
      for (size_t i = 0; i < list->size(); ++i)
        if (!(*list)[i].fixed()) {
          const json& v = j.at(key);
          (v.is_array() ? at / key / i : at / key)
              .fail("expected a fixed length for scenario \"generate\" (it repeats one request "
                    "shape), got a range; use \"server\" or \"offline\" for mixed lengths");
        }

  if (const json* v = jf::find(j, "buckets")) {
    base.buckets = jf::positive_int(*v, at / "buckets");
    if (base.buckets > kMaxBuckets)
      (at / "buckets").fail("expected 1 ≤ buckets ≤ " + std::to_string(kMaxBuckets) +
                            " (each bucket compiles an executable), got " + jf::describe(*v));
  }
  std::vector<double> qps_list{0.0};
  if (base.kind == ScenarioKind::Server) {
    qps_list = one_or_list<double>(
        jf::require(j, at, "target_qps", "the mean arrival rate, requests per second"),
        at / "target_qps", suite_entry, jf::positive_number);
    base.ttft_p99_ms = jf::positive_number(
        jf::require(j, at, "ttft_p99_ms", "the bound on the 99th percentile time to first token, ms"),
        at / "ttft_p99_ms");
    base.tpot_p99_ms = jf::positive_number(
        jf::require(j, at, "tpot_p99_ms", "the bound on the 99th percentile time per output token, ms"),
        at / "tpot_p99_ms");
    if (const json* v = jf::find(j, "find_max_qps")) base.find_max_qps = jf::boolean(*v, at / "find_max_qps");
    base.requests = kServerDefaultRequests;
    if (const json* v = jf::find(j, "requests")) base.requests = jf::positive_int(*v, at / "requests");
  }
  if (base.kind == ScenarioKind::Offline)
    base.requests = jf::positive_int(
        jf::require(j, at, "requests", "how many requests the offline pool holds"), at / "requests");

  // Sweep order: prompt outermost, then generate, then target_qps.
  std::vector<Scenario> out;
  for (const TokenRange& p : prompts)
    for (const TokenRange& g : generates)
      for (double q : qps_list) {
        Scenario s = base;
        s.prompt = p;
        s.generate = g;
        s.target_qps = q;
        out.push_back(s);
      }
  return out;
}

void validate_scenario(const Scenario& s, const ModelConfig& m, int batch, const std::string& file,
                       const std::string& pointer) {
  (void)batch;  // any batch: generate runs it as one, server and offline batch up to it
  if (s.is_step()) return;
  const jf::At at{file, pointer};
  const std::string kind = to_string(s.kind);
  if (m.family != Family::Decoder)
    (at / "scenario").fail("scenario \"" + kind + "\" needs a decoder model (each request runs "
                           "prefill, then decode steps); " + m.name + " is an encoder");
  if (s.prompt.min < 1) (at / "prompt").fail("expected at least 1 prompt token, got " + std::to_string(s.prompt.min));
  if (s.generate.min < 2)
    (at / "generate").fail("expected at least 2 output tokens (time per output token is measured "
                           "between output tokens), got " + std::to_string(s.generate.min));
  if (int64_t(s.prompt.max) + s.generate.max > m.max_seq)
    (at / "generate").fail("expected prompt + generate ≤ max_seq of " + m.name + " (" +
                           std::to_string(m.max_seq) + "), got " + std::to_string(s.prompt.max) +
                           " + " + std::to_string(s.generate.max) + " = " +
                           std::to_string(int64_t(s.prompt.max) + s.generate.max));
  if (s.buckets < 1 || s.buckets > kMaxBuckets)
    (at / "buckets").fail("expected 1 ≤ buckets ≤ " + std::to_string(kMaxBuckets) + ", got " +
                          std::to_string(s.buckets));
  if (s.kind == ScenarioKind::Server) {
    if (!(s.target_qps > 0)) (at / "target_qps").fail("expected a positive number, got " + number_text(s.target_qps));
    if (!(s.ttft_p99_ms > 0)) (at / "ttft_p99_ms").fail("expected a positive number, got " + number_text(s.ttft_p99_ms));
    if (!(s.tpot_p99_ms > 0)) (at / "tpot_p99_ms").fail("expected a positive number, got " + number_text(s.tpot_p99_ms));
  }
  if (s.kind != ScenarioKind::Generate && s.requests < 1)
    (at / "requests").fail("expected a positive integer, got " + std::to_string(s.requests));
}

}  // namespace infermark
