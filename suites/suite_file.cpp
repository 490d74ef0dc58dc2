// Suite files: parsing, sweep expansion, validation and lookup by name.
#include "suites/suite_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "common/error.hpp"
#include "common/sha256.hpp"
#include "suites/json_fields.hpp"

namespace infermark {

namespace jf = json_fields;
using nlohmann::json;

namespace {

// Parses JSON text; malformed text and duplicate keys (which nlohmann would silently collapse
// to the last one) are BadInput errors naming the file.
json parse_json(const std::string& text, const std::string& file) {
  struct Frame {
    bool is_object;
    std::set<std::string> keys;
    std::string key;  // objects: the member being parsed
    size_t index = 0; // arrays: the element being parsed
  };
  std::vector<Frame> stack;
  auto pointer_of_current = [&] {
    std::string p;
    for (const Frame& f : stack) {
      p += '/';
      p += f.is_object ? jf::escape_pointer_token(f.key) : std::to_string(f.index);
    }
    return p;
  };
  auto value_done = [&] {
    if (!stack.empty() && !stack.back().is_object) ++stack.back().index;
  };
  json::parser_callback_t callback = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start: stack.push_back({true, {}, {}, 0}); break;
      case json::parse_event_t::array_start: stack.push_back({false, {}, {}, 0}); break;
      case json::parse_event_t::key: {
        Frame& f = stack.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second)
          throw_bad_input(file, pointer_of_current(),
                          "duplicate key \"" + f.key + "\"; each key may appear once");
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        stack.pop_back();
        value_done();
        break;
      case json::parse_event_t::value: value_done(); break;
    }
    return true;
  };
  try {
    return json::parse(text, callback);
  } catch (const json::parse_error& e) {
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix; keep its line, column and reason.
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    throw_bad_input(file, "", "malformed JSON (byte " + std::to_string(e.byte) + "): " + what);
  } catch (const json::exception& e) {
    throw_bad_input(file, "", std::string("malformed JSON: ") + e.what());
  }
}

MeasurementSettings parse_settings(const json& j, const jf::At& at) {
  jf::object(j, at);
  jf::check_keys(j, at,
                 {"warmup_s", "min_time_s", "max_time_s", "min_iterations", "target_ci", "seed",
                  "timeout_s", "correctness_budget_s"});
  MeasurementSettings s;
  auto non_negative = [&](const char* key, double& out) {
    if (auto* v = jf::find(j, key)) {
      out = jf::number(*v, at / key);
      if (out < 0) (at / key).fail("expected a non-negative number, got " + jf::describe(*v));
    }
  };
  auto positive = [&](const char* key, double& out) {
    if (auto* v = jf::find(j, key)) out = jf::positive_number(*v, at / key);
  };
  non_negative("warmup_s", s.warmup_s);  // 0: no warm-up beyond the correctness run
  positive("min_time_s", s.min_time_s);
  positive("max_time_s", s.max_time_s);
  if (auto* v = jf::find(j, "min_iterations")) s.min_iterations = jf::positive_int(*v, at / "min_iterations");
  if (auto* v = jf::find(j, "target_ci")) {
    s.target_ci = jf::number(*v, at / "target_ci");
    if (!(s.target_ci > 0 && s.target_ci < 1))
      (at / "target_ci").fail("expected a relative half-width between 0 and 1 (0.01 = ±1%), got " +
                              jf::describe(*v));
  }
  if (auto* v = jf::find(j, "seed")) s.seed = jf::unsigned_int(*v, at / "seed");
  non_negative("timeout_s", s.timeout_s);  // 0: derived from the other settings
  positive("correctness_budget_s", s.correctness_budget_s);
  if (s.max_time_s < s.min_time_s) {
    // Blame whichever key the file actually set.
    jf::At where = jf::find(j, "max_time_s") ? at / "max_time_s" : at / "min_time_s";
    where.fail("expected max_time_s ≥ min_time_s, got max_time_s " + std::to_string(s.max_time_s) +
               " < min_time_s " + std::to_string(s.min_time_s));
  }
  return s;
}

// One swept key: its values in file order, each with the pointer it came from.
template <class T>
struct Axis {
  std::vector<std::pair<T, std::string>> values;
};

// A scalar or a non-empty list of scalars; duplicates within a list are errors.
template <class T>
Axis<T> axis(const json& v, const jf::At& at, const std::function<T(const json&, const jf::At&)>& read) {
  Axis<T> a;
  if (!v.is_array()) {
    a.values.push_back({read(v, at), at.pointer});
    return a;
  }
  if (v.empty()) at.fail("expected a value or a non-empty list of values, got []");
  for (size_t i = 0; i < v.size(); ++i) {
    jf::At element = at / i;
    T x = read(v[i], element);
    for (const auto& [seen, where] : a.values)
      if (seen == x)
        element.fail("duplicate value " + jf::describe(v[i]) + " (already at " + where + ")");
    a.values.push_back({x, element.pointer});
  }
  return a;
}

std::string model_list(const std::map<std::string, ModelConfig>& models) {
  std::string s;
  for (const auto& [name, m] : models) s += (s.empty() ? "" : ", ") + name;
  return s;
}

void expand_workload(const json& j, const jf::At& at, const Suite& suite,
                     std::vector<std::pair<Workload, std::string>>& out) {
  jf::object(j, at);
  jf::check_keys(j, at, {"model", "phase", "batch", "seq", "context", "precision", "layers",
                         "scenario", "prompt", "generate", "buckets", "target_qps", "requests",
                         "ttft_p99_ms", "tpot_p99_ms", "find_max_qps", "compute",
                         "group_size"});
  // Serving scenarios (generate, server, offline) take prompt/generate instead of phase/seq.
  const std::vector<Scenario> scenarios = scenarios_from_json(j, at.file, at.pointer, true);
  const bool serving = !scenarios.front().is_step();

  const json& model_v = jf::require(j, at, "model", "a built-in model name or one under /models");
  std::string model_name = jf::string(model_v, at / "model");
  const ModelConfig* model = nullptr;
  if (auto it = suite.models.find(model_name); it != suite.models.end())
    model = &it->second;
  else if (auto b = builtin_models().find(model_name); b != builtin_models().end())
    model = &b->second;
  if (!model) {
    std::string inline_names = suite.models.empty() ? "none" : model_list(suite.models);
    (at / "model").fail("unknown model \"" + model_name + "\"; expected a built-in model (" +
                        model_list(builtin_models()) + ") or one defined under /models (" +
                        inline_names + ")");
  }

  auto phase_of = [](const json& v, const jf::At& a) {
    return jf::enum_value(v, a, {Phase::Encode, Phase::Prefill, Phase::Decode});
  };
  auto precision_of = [](const json& v, const jf::At& a) {
    return jf::enum_value(v, a, {Precision::F32, Precision::BF16, Precision::F16,
                                 Precision::Int8, Precision::Int4W});
  };
  std::function<int(const json&, const jf::At&)> size_of = jf::positive_int;
  std::function<int(const json&, const jf::At&)> context_of = jf::non_negative_int;

  auto phases = serving ? Axis<Phase>{{{Phase::Prefill, (at / "scenario").pointer}}}
                        : axis<Phase>(jf::require(j, at, "phase", "encode, prefill or decode, or a list"),
                                      at / "phase", phase_of);
  auto batches = axis<int>(jf::require(j, at, "batch", "a positive integer or a list of them"),
                           at / "batch", size_of);
  auto seqs = serving ? Axis<int>{{{1, (at / "prompt").pointer}}}  // set per scenario below
                      : axis<int>(jf::require(j, at, "seq", "a positive integer or a list of them"),
                                  at / "seq", size_of);
  Axis<int> contexts{{{0, (at / "context").pointer}}};
  if (auto* v = jf::find(j, "context")) contexts = axis<int>(*v, at / "context", context_of);
  auto precisions = axis<Precision>(
      jf::require(j, at, "precision", "f32, bf16, f16, int8 or int4w, or a list"), at / "precision",
      precision_of);
  // Quantized precisions' own keys: the float type around the integer matmuls, int4w's groups.
  Precision compute = Precision::BF16;
  int group_size = 128;
  auto sweeps = [&](std::initializer_list<Precision> ps) {
    for (const auto& [p, where] : precisions.values)
      for (Precision q : ps)
        if (p == q) return true;
    return false;
  };
  if (auto* v = jf::find(j, "compute")) {
    compute = jf::enum_value(*v, at / "compute", {Precision::F32, Precision::BF16, Precision::F16});
    if (!sweeps({Precision::Int8, Precision::Int4W}))
      (at / "compute").fail("\"compute\" applies to the quantized precisions int8 and int4w only, "
                            "and this entry has neither");
  }
  if (auto* v = jf::find(j, "group_size")) {
    group_size = jf::positive_int(*v, at / "group_size");
    if (!sweeps({Precision::Int4W}))
      (at / "group_size").fail("\"group_size\" applies to precision int4w only, and this entry "
                               "has no int4w");
  }
  Axis<int> layers{{{model->layers, (at / "layers").pointer}}};  // full depth by default
  if (auto* v = jf::find(j, "layers")) layers = axis<int>(*v, at / "layers", size_of);

  // Cartesian product, the first key outermost: phase, batch, seq, context, precision, layers,
  // then a scenario's own sweeps (prompt, generate, target_qps).
  for (const auto& [phase, p0] : phases.values)
    for (const auto& [batch, p1] : batches.values)
      for (const auto& [seq, p2] : seqs.values)
        for (const auto& [context, p3] : contexts.values)
          for (const auto& [precision, p4] : precisions.values)
            for (const auto& [nlayers, p5] : layers.values)
              for (const Scenario& scenario : scenarios) {
                Workload w;
                w.model = *model;
                w.phase = phase;
                w.batch = batch;
                w.seq = serving ? scenario.prompt.max : seq;
                w.context = context;
                w.precision = precision;
                w.layers = nlayers;
                w.compute = compute;
                w.group_size = group_size;
                w.scenario = scenario;
                validate_workload(w, at.file, at.pointer);
                out.push_back({std::move(w), at.pointer});
              }
}

}  // namespace

Suite parse_suite(const std::string& text, const std::string& file) {
  const json doc = parse_json(text, file);
  const jf::At root{file, ""};
  jf::object(doc, root);
  jf::check_keys(doc, root, {"name", "version", "settings", "models", "workloads"});

  Suite suite;
  suite.path = file;
  suite.hash = sha256_hex(doc.dump());  // nlohmann::json sorts keys: a canonical text
  suite.name = jf::string(jf::require(doc, root, "name", "the suite's name"), root / "name");
  suite.version = jf::positive_int(jf::require(doc, root, "version", "a positive integer"),
                                   root / "version");
  if (auto* v = jf::find(doc, "settings")) suite.settings = parse_settings(*v, root / "settings");

  if (auto* v = jf::find(doc, "models")) {
    jf::object(*v, root / "models");
    for (const auto& [name, def] : v->items()) {
      jf::At at = root / "models" / name;
      if (builtin_models().count(name))
        at.fail("\"" + name + "\" is a built-in model; give the inline model another name");
      suite.models[name] = model_from_json(name, def, file, at.pointer);
    }
  }

  const json& list = jf::require(doc, root, "workloads", "a non-empty list of workloads");
  if (!list.is_array() || list.empty())
    (root / "workloads").fail("expected a non-empty list of workloads, got " + jf::describe(list));
  std::vector<std::pair<Workload, std::string>> expanded;
  for (size_t i = 0; i < list.size(); ++i) expand_workload(list[i], root / "workloads" / i, suite, expanded);

  std::map<std::string, std::string> seen;  // id → pointer of the entry that produced it
  for (auto& [w, pointer] : expanded) {
    std::string id = w.id();
    auto [it, fresh] = seen.emplace(id, pointer);
    if (!fresh)
      throw_bad_input(file, pointer,
                      "duplicate workload id \"" + id + "\" (also produced by " + it->second +
                          "); each workload may appear once");
    suite.workloads.push_back(std::move(w));
  }
  return suite;
}

Suite load_suite(const std::string& name_or_path, const std::string& suites_dir) {
  namespace fs = std::filesystem;
  const bool is_path = name_or_path.find('/') != std::string::npos ||
                       (name_or_path.size() >= 5 &&
                        name_or_path.compare(name_or_path.size() - 5, 5, ".json") == 0);
  const std::string path = is_path ? name_or_path : suites_dir + "/" + name_or_path + ".json";
  std::error_code ec;
  if (!is_path && !fs::is_regular_file(path, ec)) {
    std::string names;
    for (const auto& s : shipped_suites(suites_dir)) names += (names.empty() ? "" : ", ") + s;
    throw_bad_input("", "",
                    "unknown suite \"" + name_or_path + "\" (no " + path + "); shipped suites: " +
                        (names.empty() ? "none found in " + suites_dir : names) +
                        "; or give the path of a suite file");
  }
  if (!fs::exists(path, ec)) throw_bad_input(path, "", "no such suite file");
  if (fs::is_directory(path, ec)) throw_bad_input(path, "", "expected a suite file, got a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_bad_input(path, "", std::string("cannot read the suite file: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw_bad_input(path, "", "cannot read the suite file");
  return parse_suite(text.str(), path);
}

std::vector<std::string> shipped_suites(const std::string& suites_dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(suites_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.extension() != ".json" || !it->is_regular_file(ec)) continue;
    std::ifstream in(p, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    try {
      parse_suite(text.str(), p.string());
      names.push_back(p.stem().string());
    } catch (const Error&) {
      // Not a valid suite: loading it by name reports exactly why.
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

MeasurementSettings settings_from_json(const json& j, const std::string& file,
                                       const std::string& pointer) {
  return parse_settings(j, jf::At{file, pointer});
}

nlohmann::ordered_json settings_to_json(const MeasurementSettings& s) {
  nlohmann::ordered_json j;
  j["warmup_s"] = s.warmup_s;
  j["min_time_s"] = s.min_time_s;
  j["max_time_s"] = s.max_time_s;
  j["min_iterations"] = s.min_iterations;
  j["target_ci"] = s.target_ci;
  j["seed"] = s.seed;
  j["timeout_s"] = s.timeout_s;
  j["correctness_budget_s"] = s.correctness_budget_s;
  return j;
}

}  // namespace infermark
