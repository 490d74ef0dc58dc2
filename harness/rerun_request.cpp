#include "harness/rerun_request.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "common/error.hpp"
#include "common/sha256.hpp"
#include "results/model/result_json.hpp"
#include "suites/suite_file.hpp"

namespace infermark {

namespace {

std::string benchmark_pointer(size_t i) { return "/benchmarks/" + std::to_string(i); }

template <class T>
T option_or(const ojson& options, const char* key, T fallback) {
  if (!options.contains(key) || options[key].is_null()) return fallback;
  try {
    return options[key].get<T>();
  } catch (const ojson::exception&) {
    return fallback;
  }
}

}  // namespace

RunRequest rerun_request(const RunResult& original, const std::string& file) {
  RunRequest req;
  const ojson& run = original.run;
  if (!run.contains("settings") || !run["settings"].is_object())
    throw_bad_input(file, "/run/settings",
                    "expected the run's measurement settings (an object); cannot re-run without them");
  req.suite.settings = settings_from_json(nlohmann::json::parse(run["settings"].dump()), file,
                                          "/run/settings");
  if (!run.contains("seed") || !run["seed"].is_number_unsigned())
    throw_bad_input(file, "/run/seed", "expected the run's seed (a non-negative integer)");
  req.seed = run["seed"].get<uint64_t>();
  req.suite.settings.seed = *req.seed;
  const ojson suite = run.value("suite", ojson::object());
  req.suite.name = option_or<std::string>(suite, "name", "rerun");
  req.suite.version = option_or<int>(suite, "version", 0);
  req.suite.hash = option_or<std::string>(suite, "hash", "");
  req.suite.path = option_or<std::string>(suite, "path", file);

  std::set<std::string> seen;
  for (size_t i = 0; i < original.benchmarks.size(); ++i) {
    const ojson& wj = original.benchmarks[i].workload;
    const std::string at = benchmark_pointer(i) + "/workload";
    const Workload w = workload_from_json(nlohmann::json::parse(wj.dump()), file, at);
    const std::string recorded = option_or<std::string>(wj, "hash", "");
    if (recorded.empty())
      throw_bad_input(file, at + "/hash", "expected the workload's hash; cannot check that the "
                                          "re-run is the same workload");
    if (w.hash() != recorded)
      throw_bad_input(file, at + "/hash",
                      "the definition hashes to " + w.hash() + ", not the recorded " + recorded +
                          ": this build would not run the same workload");
    if (seen.insert(recorded).second) req.suite.workloads.push_back(w);
  }
  if (req.suite.workloads.empty())
    throw_bad_input(file, "/benchmarks", "expected at least one benchmark to re-run");

  const ojson options = run.value("options", ojson::object());
  req.backends = option_or<std::vector<std::string>>(options, "backends", {});
  req.devices = option_or<std::vector<std::string>>(options, "devices", {});
  req.threads = option_or<int>(options, "threads", 0);
  req.timeout_s = option_or<double>(options, "timeout_s", 0.0);
  req.counters = option_or<std::vector<std::string>>(options, "counters", {});
  req.energy = option_or<std::string>(options, "energy", "auto");
  req.ceilings = option_or<bool>(options, "ceilings", true);
  // The settings above are already quick-adjusted, and the workloads already filtered; quick,
  // filter and precisions change nothing when applied again, and keep the options identical.
  req.quick = option_or<bool>(options, "quick", false);
  req.filter = option_or<std::string>(options, "filter", "");
  for (const auto& p : option_or<std::vector<std::string>>(options, "precision", {}))
    req.precisions.push_back(precision_from_string(p));
  // The original's backends when it named none: the ones that appear in its benchmarks.
  if (req.backends.empty()) {
    for (const auto& b : original.benchmarks)
      if (std::find(req.backends.begin(), req.backends.end(), b.backend) == req.backends.end())
        req.backends.push_back(b.backend);
  }
  return req;
}

std::string original_weights_sha256(const RunResult& original, const std::string& file) {
  std::string source;
  size_t first = 0;
  for (size_t i = 0; i < original.benchmarks.size(); ++i) {
    const ojson& wj = original.benchmarks[i].workload;
    const std::string s = option_or<std::string>(wj, "weights", "");
    if (s.empty()) continue;
    if (source.empty()) {
      source = s;
      first = i;
    } else if (s != source) {
      throw_bad_input(file, benchmark_pointer(i) + "/workload/weights",
                      "expected the same weights source as " + benchmark_pointer(first) + " (" +
                          source + "), found " + s + "; a run has one weights source");
    }
  }
  const std::string prefix = "safetensors:";
  if (source.rfind(prefix, 0) == 0) return source.substr(prefix.size());
  return {};
}

void check_rerun_weights(const RunResult& original, const std::string& file,
                         const std::string& weights_path) {
  const std::string want = original_weights_sha256(original, file);
  if (want.empty()) {
    if (!weights_path.empty())
      throw Error(ErrorKind::BadInput,
                  "--weights: " + file + " ran with synthetic weights (from its seed); re-run it "
                  "without --weights");
    return;
  }
  if (weights_path.empty())
    throw Error(ErrorKind::BadInput,
                "--weights: " + file + " ran with a safetensors checkpoint (" + want +
                    "); give the same file with --weights FILE");
  if (!std::filesystem::is_regular_file(weights_path))
    throw Error(ErrorKind::BadInput, "--weights: " + weights_path + ": no such file");
  const std::string have = sha256_file(weights_path);
  if (have != want)
    throw Error(ErrorKind::BadInput,
                "--weights: " + weights_path + " has " + have + ", but " + file +
                    " ran with " + want + "; this is not the same checkpoint");
}

}  // namespace infermark
