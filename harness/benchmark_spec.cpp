#include "harness/benchmark_spec.hpp"

#include <algorithm>

namespace infermark {

nlohmann::ordered_json spec_to_json(const BenchmarkSpec& s) {
  nlohmann::ordered_json j;
  j["workload"] = workload_to_json(s.workload);
  j["backend"] = s.backend;
  j["device"] = s.device;
  j["settings"] = settings_to_json(s.settings);
  j["threads"] = s.threads;
  j["weights_path"] = s.weights_path;
  j["weights_sha256"] = s.weights_sha256;
  j["save_tensors_dir"] = s.save_tensors_dir;
  j["cache_dir"] = s.cache_dir;
  j["counters"] = s.counters;
  j["energy"] = s.energy;
  return j;
}

BenchmarkSpec spec_from_json(const nlohmann::json& j, const std::string& file) {
  BenchmarkSpec s;
  s.workload = workload_from_json(j.at("workload"), file, "/workload");
  s.backend = j.at("backend").get<std::string>();
  s.device = j.at("device").get<std::string>();
  const auto& st = j.at("settings");
  s.settings.warmup_s = st.at("warmup_s").get<double>();
  s.settings.min_time_s = st.at("min_time_s").get<double>();
  s.settings.max_time_s = st.at("max_time_s").get<double>();
  s.settings.min_iterations = st.at("min_iterations").get<int>();
  s.settings.target_ci = st.at("target_ci").get<double>();
  s.settings.seed = st.at("seed").get<uint64_t>();
  s.settings.timeout_s = st.at("timeout_s").get<double>();
  s.settings.correctness_budget_s = st.at("correctness_budget_s").get<double>();
  s.threads = j.at("threads").get<int>();
  s.weights_path = j.at("weights_path").get<std::string>();
  s.weights_sha256 = j.at("weights_sha256").get<std::string>();
  s.save_tensors_dir = j.at("save_tensors_dir").get<std::string>();
  s.cache_dir = j.at("cache_dir").get<std::string>();
  s.counters = j.value("counters", std::vector<std::string>{});
  s.energy = j.value("energy", std::string("auto"));
  return s;
}

MeasurementSettings quick_settings(MeasurementSettings s) {
  s.warmup_s = std::min(s.warmup_s, 0.05);
  s.min_time_s = std::min(s.min_time_s, 0.1);
  s.max_time_s = std::min(s.max_time_s, 1.0);
  s.min_iterations = std::min(s.min_iterations, 3);
  s.target_ci = std::max(s.target_ci, 0.05);
  return s;
}

}  // namespace infermark
