// Energy per request and per token of a serving scenario: each step executable that ran in the
// reported run is metered alone by the energy pass (J per step, measured), and the run's step
// counts weight them. Waits between arrivals are not metered.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "harness/counters_pass.hpp"
#include "harness/scenario_check.hpp"
#include "harness/scenario_run.hpp"

namespace infermark {

// One metered step executable: its phase, its runs in the reported run, and per energy domain
// the joules of one run with their source ("counter", "integrated power").
struct StepEnergy {
  Phase phase = Phase::Prefill;
  int64_t runs = 0;
  std::map<std::string, std::pair<double, std::string>> joules_per_run;
};

// Per domain that every step has: energy/<domain>/joules_per_request = Σ runs·J / requests,
// …/joules_per_prefill_token = Σ prefill runs·J / prompt tokens, …/joules_per_decode_token =
// Σ decode runs·J / (output tokens − requests) (each request's first token comes from prefill).
std::vector<Summary> scenario_energy_summaries(const std::vector<StepEnergy>& steps,
                                               int64_t requests, int64_t prompt_tokens,
                                               int64_t output_tokens);

// Runs the energy pass on every executable with runs in `usage` (StepExecutor::usage(), in the
// order of `compiled`), appends the summaries and returns the result's "energy" block (measured,
// unavailable with the reason, or off).
ojson meter_scenario_energy(const BenchmarkSpec& spec, std::vector<CompiledStep>& compiled,
                            const ojson& usage, const ScenarioOutcome& o,
                            const CollectorTarget& target, std::vector<Summary>& summaries);

}  // namespace infermark
