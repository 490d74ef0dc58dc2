#include "harness/scenario_energy.hpp"

#include "harness/energy_pass.hpp"

namespace infermark {

std::vector<Summary> scenario_energy_summaries(const std::vector<StepEnergy>& steps,
                                               int64_t requests, int64_t prompt_tokens,
                                               int64_t output_tokens) {
  std::vector<Summary> out;
  if (steps.empty()) return out;
  const int64_t decode_tokens = output_tokens - requests;
  for (const auto& entry : steps.front().joules_per_run) {
    const std::string& domain = entry.first;
    double prefill = 0, decode = 0;
    bool everywhere = true;  // a domain some step lacks cannot be summed
    for (const StepEnergy& st : steps) {
      auto it = st.joules_per_run.find(domain);
      if (it == st.joules_per_run.end()) {
        everywhere = false;
        break;
      }
      (st.phase == Phase::Prefill ? prefill : decode) += double(st.runs) * it->second.first;
    }
    if (!everywhere) continue;
    const ojson extra = {{"source", entry.second.second},
                         {"derived_from", "per-step energy passes × the run's step counts"}};
    auto add = [&](const std::string& what, double value, const char* per, const std::string& desc) {
      Summary s;
      s.tag = "energy/" + domain + "/" + what;
      s.unit = "J";
      s.value = value;
      s.per = per;
      s.description = desc;
      s.extra = extra;
      out.push_back(s);
    };
    if (requests > 0)
      add("joules_per_request", (prefill + decode) / double(requests), "request",
          "energy per request (its prefill and decode steps)");
    if (prompt_tokens > 0)
      add("joules_per_prefill_token", prefill / double(prompt_tokens), "token",
          "prefill energy per prompt token");
    if (decode_tokens > 0)
      add("joules_per_decode_token", decode / double(decode_tokens), "token",
          "decode energy per output token after the first");
  }
  return out;
}

ojson meter_scenario_energy(const BenchmarkSpec& spec, std::vector<CompiledStep>& compiled,
                            const ojson& usage, const ScenarioOutcome& o,
                            const CollectorTarget& target, std::vector<Summary>& summaries) {
  ojson block;
  ojson passes = ojson::array();
  std::vector<StepEnergy> metered;
  for (size_t i = 0; i < compiled.size() && i < usage.size(); ++i) {
    const int64_t runs = usage[i].value("runs", int64_t(0));
    if (runs == 0) continue;
    BenchmarkSpec step_spec = spec;
    step_spec.workload = compiled[i].workload;
    const PassOutcome p = run_energy_pass(*compiled[i].exe, step_spec, target);
    passes.push_back({{"step", compiled[i].workload.id()}, {"runs", runs}, {"energy", p.block}});
    if (p.block.value("state", std::string()) != "measured") {
      block["state"] = p.block.value("state", std::string("unavailable"));
      block["reason"] = p.block.value("reason", std::string("the energy pass measured nothing"));
      break;  // the same collectors would say the same for every other step
    }
    StepEnergy st;
    st.phase = compiled[i].workload.phase;
    st.runs = runs;
    const std::string suffix = "/joules_per_inference";
    for (const Summary& s : p.summaries)
      if (s.tag.size() > 7 + suffix.size() &&
          s.tag.compare(s.tag.size() - suffix.size(), suffix.size(), suffix) == 0)
        st.joules_per_run[s.tag.substr(7, s.tag.size() - 7 - suffix.size())] = {
            s.value, s.extra.value("source", std::string("counter"))};
    metered.push_back(std::move(st));
  }
  if (!block.contains("state")) {
    block["state"] = metered.empty() ? "unavailable" : "measured";
    if (metered.empty()) block["reason"] = "no step executable ran";
  }
  block["method"] = "each step executable that ran is metered alone by the energy pass (back-to-back "
                    "steps, idle power first); per request and per token = Σ runs × J per step over "
                    "the reported run's requests and tokens; waits between arrivals are not included";
  block["passes"] = passes;
  if (block["state"] == "measured") {
    const auto s = scenario_energy_summaries(metered, o.requests, o.prompt_tokens, o.output_tokens);
    summaries.insert(summaries.end(), s.begin(), s.end());
  }
  return block;
}

}  // namespace infermark
