#include "results/model/result_json.hpp"

#include <cmath>
#include <initializer_list>
#include <limits>
#include <optional>
#include <regex>
#include <string_view>

#include "common/error.hpp"

namespace infermark {

std::string json_pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// JSON has no NaN or infinity: write null rather than something no parser accepts.
ojson number(double x) { return std::isfinite(x) ? ojson(x) : ojson(nullptr); }

ojson numbers(const std::vector<double>& xs) {
  ojson a = ojson::array();
  for (double x : xs) a.push_back(number(x));
  return a;
}

// Appends the fields a reader did not know, after the known ones; a known key always wins so a
// stray duplicate cannot produce an object with two equal keys.
void append_extra(ojson& j, const ojson& extra) {
  if (!extra.is_object()) return;
  for (auto it = extra.begin(); it != extra.end(); ++it)
    if (!j.contains(it.key())) j[it.key()] = it.value();
}

std::string join(std::initializer_list<const char*> values) {
  std::string s;
  for (const char* v : values) s += (s.empty() ? "" : ", ") + std::string("\"") + v + "\"";
  return s;
}

// One JSON object being read: every accessor checks the type of a known field and reports a
// wrong one as BadInput at that field's pointer, saying what was expected and what was found.
template <class J>
class Reader {
 public:
  Reader(const J& j, const std::string& file, std::string pointer)
      : j_(j), file_(file), ptr_(std::move(pointer)) {
    if (!j_.is_object()) throw_bad_input(file_, ptr_or_root(), "expected an object, found " + kind(j_));
  }

  std::string at(const char* key) const { return ptr_ + "/" + json_pointer_token(key); }
  const std::string& file() const { return file_; }

  const J* find(const char* key) const {
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  // Present and not null.
  const J* find_value(const char* key) const {
    const J* v = find(key);
    return v && !v->is_null() ? v : nullptr;
  }
  const J& need(const char* key) const {
    const J* v = find(key);
    if (!v) throw_bad_input(file_, at(key), "required key is missing");
    return *v;
  }

  [[noreturn]] void wrong(const char* key, const std::string& expected, const J& got) const {
    throw_bad_input(file_, at(key), "expected " + expected + ", found " + kind(got));
  }

  std::string str(const char* key) const {
    const J& v = need(key);
    if (!v.is_string()) wrong(key, "a string", v);
    return v.template get<std::string>();
  }
  // Absent or null → fallback.
  std::string opt_str(const char* key, const std::string& fallback = "") const {
    const J* v = find_value(key);
    if (!v) return fallback;
    if (!v->is_string()) wrong(key, "a string or null", *v);
    return v->template get<std::string>();
  }
  std::string one_of(const char* key, std::initializer_list<const char*> allowed) const {
    std::string s = str(key);
    for (const char* a : allowed)
      if (s == a) return s;
    throw_bad_input(file_, at(key), "expected one of " + join(allowed) + ", found \"" + s + "\"");
  }
  bool boolean(const char* key) const {
    const J& v = need(key);
    if (!v.is_boolean()) wrong(key, "true or false", v);
    return v.template get<bool>();
  }
  bool opt_boolean(const char* key, bool fallback) const {
    return find(key) ? boolean(key) : fallback;
  }
  int64_t integer(const char* key) const {
    const J& v = need(key);
    if (!v.is_number_integer()) wrong(key, "an integer", v);
    if (v.is_number_unsigned() && v.template get<uint64_t>() > uint64_t(INT64_MAX))
      wrong(key, "an integer below 2^63", v);
    return v.template get<int64_t>();
  }
  int64_t opt_integer(const char* key, int64_t fallback) const {
    return find(key) ? integer(key) : fallback;
  }
  // A setting or count: must be a number (null is a bug in the writer, not a measurement).
  double finite(const char* key) const {
    const J& v = need(key);
    if (!v.is_number()) wrong(key, "a number", v);
    return v.template get<double>();
  }
  double opt_finite(const char* key, double fallback) const {
    return find(key) ? finite(key) : fallback;
  }
  // A measured value: null stands for a non-finite one (NaN error of a broken output, …).
  double measured(const char* key) const {
    const J& v = need(key);
    if (v.is_null()) return kNaN;
    if (!v.is_number()) wrong(key, "a number or null", v);
    return v.template get<double>();
  }
  double opt_measured(const char* key, double fallback) const {
    return find(key) ? measured(key) : fallback;
  }
  std::optional<double> optional_number(const char* key) const {
    const J* v = find_value(key);
    if (!v) return std::nullopt;
    if (!v->is_number()) wrong(key, "a number or null", *v);
    return v->template get<double>();
  }
  std::vector<double> measured_array(const char* key) const {
    const J& v = need(key);
    if (!v.is_array()) wrong(key, "an array of numbers", v);
    std::vector<double> out;
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      const J& x = v[i];
      if (x.is_null()) out.push_back(kNaN);
      else if (x.is_number()) out.push_back(x.template get<double>());
      else throw_bad_input(file_, at(key) + "/" + std::to_string(i),
                           "expected a number or null, found " + kind(x));
    }
    return out;
  }
  std::vector<std::string> strings(const char* key) const {
    const J& v = need(key);
    if (!v.is_array()) wrong(key, "an array of strings", v);
    std::vector<std::string> out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string())
        throw_bad_input(file_, at(key) + "/" + std::to_string(i),
                        "expected a string, found " + kind(v[i]));
      out.push_back(v[i].template get<std::string>());
    }
    return out;
  }
  ojson object(const char* key, ojson fallback = ojson::object()) const {
    const J* v = find(key);
    if (!v) return fallback;
    if (!v->is_object()) wrong(key, "an object", *v);
    return ojson(*v);
  }
  ojson array(const char* key) const {
    const J* v = find(key);
    if (!v) return ojson::array();
    if (!v->is_array()) wrong(key, "an array", *v);
    return ojson(*v);
  }

  // Every field not in `known`, as-is, for re-emission.
  ojson unknown(std::initializer_list<std::string_view> known) const {
    ojson extra = ojson::object();
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      bool is_known = false;
      for (auto k : known) is_known = is_known || it.key() == k;
      if (!is_known) extra[it.key()] = ojson(it.value());
    }
    return extra;
  }

  static std::string kind(const J& v) {
    if (v.is_number_integer()) return "an integer";
    if (v.is_number()) return "a number";
    if (v.is_null()) return "null";
    if (v.is_array()) return "an array";
    if (v.is_object()) return "an object";
    if (v.is_boolean()) return "a boolean";
    if (v.is_string()) return "the string \"" + v.template get<std::string>() + "\"";
    return v.type_name();
  }

 private:
  std::string ptr_or_root() const { return ptr_.empty() ? "/" : ptr_; }
  const J& j_;
  const std::string& file_;
  std::string ptr_;
};

template <class J>
Summary read_summary(const J& j, const std::string& file, const std::string& pointer) {
  Reader<J> r(j, file, pointer);
  Summary s;
  s.tag = r.str("tag");
  if (s.tag.empty()) throw_bad_input(file, r.at("tag"), "expected a non-empty tag");
  s.unit = r.str("unit");
  s.value = r.measured("value");
  if (const J* ci = r.find_value("ci95")) {
    if (!ci->is_array() || ci->size() != 2 || !((*ci)[0].is_number() || (*ci)[0].is_null()) ||
        !((*ci)[1].is_number() || (*ci)[1].is_null()))
      r.wrong("ci95", "an array [low, high] of two numbers", *ci);
    auto get = [](const J& x) { return x.is_null() ? kNaN : x.template get<double>(); };
    s.ci95 = std::make_pair(get((*ci)[0]), get((*ci)[1]));
  }
  s.description = r.opt_str("description");
  s.per = r.opt_str("per");
  s.extra = r.unknown({"tag", "unit", "value", "ci95", "description", "per"});
  return s;
}

template <class J>
Correctness read_correctness(const J& j, const std::string& file, const std::string& pointer) {
  Reader<J> r(j, file, pointer);
  Correctness c;
  c.verdict = r.one_of("verdict", {"pass", "fail", "not_run"});
  c.checked = r.one_of("checked", {"full", "reduced", "self"});
  c.checked_layers = int(r.integer("checked_layers"));
  c.reference = r.opt_str("reference");
  c.max_abs_err = r.measured("max_abs_err");
  c.max_rel_err = r.measured("max_rel_err");
  c.nmse = r.measured("nmse");
  {
    Reader<J> tol(r.need("tolerance"), file, r.at("tolerance"));
    c.tolerance_nmse = tol.finite("nmse");
  }
  c.rechecked_after_timing = r.opt_boolean("rechecked_after_timing", false);
  c.recheck = r.opt_str("recheck");
  c.extra = r.unknown({"verdict", "checked", "checked_layers", "reference", "max_abs_err",
                       "max_rel_err", "nmse", "tolerance", "rechecked_after_timing", "recheck"});
  return c;
}

template <class J>
Validity read_validity(const J& j, const std::string& file, const std::string& pointer) {
  Reader<J> r(j, file, pointer);
  Validity v;
  v.valid = r.boolean("valid");
  v.reasons = r.strings("reasons");
  v.stopping = r.one_of("stopping", {"ci_target_met", "max_time", "max_iterations", "not_run",
                                     "all_requests_done"});
  v.samples = r.integer("samples");
  v.warmup_s = r.finite("warmup_s");
  v.warmup_iterations = r.opt_integer("warmup_iterations", 0);
  v.rel_ci95_half_width = r.measured("rel_ci95_half_width");
  v.rel_stddev = r.measured("rel_stddev");
  v.throttled = r.boolean("throttled");
  v.load_average_before = r.optional_number("load_average_before");
  v.load_average_after = r.optional_number("load_average_after");
  v.extra = r.unknown({"valid", "reasons", "stopping", "samples", "warmup_s", "warmup_iterations",
                       "rel_ci95_half_width", "rel_stddev", "throttled", "load_average_before",
                       "load_average_after"});
  return v;
}

template <class J>
BenchmarkResult read_benchmark(const J& j, const std::string& file, const std::string& pointer) {
  Reader<J> r(j, file, pointer);
  BenchmarkResult b;
  b.id = r.str("id");
  {
    const J& w = r.need("workload");
    Reader<J> wr(w, file, r.at("workload"));
    wr.str("id");    // the workload must at least say what it is …
    wr.str("hash");  // … and which definition, so results can be matched
    b.workload = ojson(w);
  }
  b.backend = r.str("backend");
  b.device = r.str("device");
  {
    std::string s = r.one_of("state", {"passed", "mistrusted", "failed", "unimplemented", "skipped"});
    b.state = state_from_string(s);
  }
  b.reason = r.opt_str("reason");
  if (const J* c = r.find_value("correctness"))
    b.correctness = read_correctness(*c, file, r.at("correctness"));
  if (const J* v = r.find_value("validity"))
    b.validity = read_validity(*v, file, r.at("validity"));
  if (const J* s = r.find_value("samples")) {
    Reader<J> sr(*s, file, r.at("samples"));
    if (sr.str("unit") != "s")
      throw_bad_input(file, sr.at("unit"), "expected \"s\" (samples are in seconds)");
    b.host_samples = sr.measured_array("host");
    if (sr.find_value("device")) b.device_samples = sr.measured_array("device");
    b.samples_extra = sr.unknown({"unit", "host", "device"});
  }
  if (const J* s = r.find("summaries")) {
    if (!s->is_array()) r.wrong("summaries", "an array of summaries", *s);
    for (size_t i = 0; i < s->size(); ++i)
      b.summaries.push_back(read_summary((*s)[i], file, r.at("summaries") + "/" + std::to_string(i)));
  }
  b.implementation = r.object("implementation");
  b.extra = r.unknown({"id", "workload", "backend", "device", "state", "reason", "correctness",
                       "validity", "samples", "summaries", "implementation"});
  return b;
}

template <class J>
RunResult read_run(const J& j, const std::string& file) {
  Reader<J> r(j, file, "");
  RunResult run;
  run.schema = r.str("schema");
  if (run.schema != kResultSchemaName)
    throw_bad_input(file, "/schema",
                    "expected \"" + std::string(kResultSchemaName) + "\", found \"" + run.schema +
                        "\": this is not an infermark result file");
  run.schema_version = r.str("schema_version");
  static const std::regex version(R"(([0-9]+)\.([0-9]+))");
  std::smatch m;
  const std::string readable = "this build of infermark reads schema_version " +
                               std::to_string(kResultSchemaMajor) + ".x";
  if (!std::regex_match(run.schema_version, m, version))
    throw_bad_input(file, "/schema_version",
                    "expected \"<major>.<minor>\", found \"" + run.schema_version + "\"; " + readable);
  if (m[1].str() != std::to_string(kResultSchemaMajor))
    throw_bad_input(file, "/schema_version",
                    "schema_version " + run.schema_version + " is not supported: " + readable +
                        " (written by infermark " + std::string(kResultSchemaVersion) +
                        "); use a matching infermark version to read this file");
  run.tool = r.object("tool");
  run.run = r.object("run");
  run.system = r.object("system");
  run.collectors = r.array("collectors");
  const J& bs = r.need("benchmarks");
  if (!bs.is_array()) r.wrong("benchmarks", "an array of benchmarks", bs);
  for (size_t i = 0; i < bs.size(); ++i)
    run.benchmarks.push_back(read_benchmark(bs[i], file, "/benchmarks/" + std::to_string(i)));
  run.extra = r.unknown({"schema", "schema_version", "tool", "run", "system", "collectors",
                         "benchmarks"});
  return run;
}

}  // namespace

ojson to_json(const Summary& s) {
  ojson j;
  j["tag"] = s.tag;
  j["unit"] = s.unit;
  j["value"] = number(s.value);
  if (s.ci95) j["ci95"] = ojson::array({number(s.ci95->first), number(s.ci95->second)});
  if (!s.description.empty()) j["description"] = s.description;
  if (!s.per.empty()) j["per"] = s.per;
  append_extra(j, s.extra);
  return j;
}

ojson to_json(const Correctness& c) {
  ojson j;
  j["verdict"] = c.verdict;
  j["checked"] = c.checked;
  j["checked_layers"] = c.checked_layers;
  j["reference"] = c.reference;
  j["max_abs_err"] = number(c.max_abs_err);
  j["max_rel_err"] = number(c.max_rel_err);
  j["nmse"] = number(c.nmse);
  j["tolerance"] = ojson{{"nmse", number(c.tolerance_nmse)}};
  j["rechecked_after_timing"] = c.rechecked_after_timing;
  j["recheck"] = c.recheck;
  append_extra(j, c.extra);
  return j;
}

ojson to_json(const Validity& v) {
  ojson j;
  j["valid"] = v.valid;
  j["reasons"] = v.reasons;
  // A validity block from a benchmark that never reached the timed loop has no criterion.
  j["stopping"] = v.stopping.empty() ? std::string("not_run") : v.stopping;
  j["samples"] = v.samples;
  j["warmup_s"] = number(v.warmup_s);
  j["warmup_iterations"] = v.warmup_iterations;
  j["rel_ci95_half_width"] = number(v.rel_ci95_half_width);
  j["rel_stddev"] = number(v.rel_stddev);
  j["throttled"] = v.throttled;
  j["load_average_before"] = v.load_average_before ? number(*v.load_average_before) : ojson(nullptr);
  j["load_average_after"] = v.load_average_after ? number(*v.load_average_after) : ojson(nullptr);
  append_extra(j, v.extra);
  return j;
}

ojson to_json(const BenchmarkResult& b) {
  ojson j;
  j["id"] = b.id;
  j["workload"] = b.workload;
  j["backend"] = b.backend;
  j["device"] = b.device;
  j["state"] = to_string(b.state);
  j["reason"] = b.reason.empty() ? ojson(nullptr) : ojson(b.reason);
  j["correctness"] = b.correctness ? to_json(*b.correctness) : ojson(nullptr);
  j["validity"] = b.validity ? to_json(*b.validity) : ojson(nullptr);
  ojson samples;
  samples["unit"] = "s";
  samples["host"] = numbers(b.host_samples);
  samples["device"] = b.device_samples ? numbers(*b.device_samples) : ojson(nullptr);
  append_extra(samples, b.samples_extra);
  j["samples"] = std::move(samples);
  ojson summaries = ojson::array();
  for (const Summary& s : b.summaries) summaries.push_back(to_json(s));
  j["summaries"] = std::move(summaries);
  j["implementation"] = b.implementation.is_null() ? ojson::object() : b.implementation;
  append_extra(j, b.extra);
  return j;
}

ojson to_json(const RunResult& r) {
  ojson j;
  j["schema"] = r.schema;
  j["schema_version"] = r.schema_version;
  j["tool"] = r.tool;
  j["run"] = r.run;
  j["system"] = r.system;
  j["collectors"] = r.collectors;
  ojson bs = ojson::array();
  for (const BenchmarkResult& b : r.benchmarks) bs.push_back(to_json(b));
  j["benchmarks"] = std::move(bs);
  append_extra(j, r.extra);
  return j;
}

Summary summary_from_json(const nlohmann::json& j, const std::string& file,
                          const std::string& pointer) {
  return read_summary(j, file, pointer);
}
Correctness correctness_from_json(const nlohmann::json& j, const std::string& file,
                                  const std::string& pointer) {
  return read_correctness(j, file, pointer);
}
Validity validity_from_json(const nlohmann::json& j, const std::string& file,
                            const std::string& pointer) {
  return read_validity(j, file, pointer);
}
BenchmarkResult benchmark_from_json(const nlohmann::json& j, const std::string& file,
                                    const std::string& pointer) {
  return read_benchmark(j, file, pointer);
}
BenchmarkResult benchmark_from_json(const ojson& j, const std::string& file,
                                    const std::string& pointer) {
  return read_benchmark(j, file, pointer);
}
RunResult run_from_json(const nlohmann::json& j, const std::string& file) {
  return read_run(j, file);
}
RunResult run_from_json(const ojson& j, const std::string& file) { return read_run(j, file); }

}  // namespace infermark
