// The requests of a serving scenario: Poisson arrival times and per-request lengths, all from the
// suite's seed through the counter-based generator, so every device is sent the same requests.
#pragma once

#include <cstdint>
#include <vector>

#include "suites/scenario.hpp"

namespace infermark {

struct ScheduledRequest {
  double arrival_s = 0;  // seconds after the start of the run
  int prompt = 0;        // prompt tokens
  int generate = 0;      // output tokens
};

// Stream names of the generator (synthetic.hpp: counter_uniform(seed, NAME, i)), for outside tools.
inline constexpr const char* kArrivalStream = "scenario/arrival_gaps";
inline constexpr const char* kPromptStream = "scenario/prompt_tokens";
inline constexpr const char* kGenerateStream = "scenario/generate_tokens";

// Request i has length min + ⌊u·(max − min + 1)⌋, u = counter_uniform(seed, stream, i).
int request_length(const TokenRange& r, uint64_t seed, const char* stream, uint64_t i);

// `n` requests arriving as a Poisson process of rate `qps`: gap i = −ln(1 − uᵢ) / qps with
// uᵢ = counter_uniform(seed, kArrivalStream, i), the first request after gap 0. The same seed at
// another rate gives the same requests with every gap scaled, so load points differ only in rate.
std::vector<ScheduledRequest> poisson_schedule(const Scenario& s, double qps, int n, uint64_t seed);

// `n` requests all available at time 0 (offline), with the same lengths as poisson_schedule's.
std::vector<ScheduledRequest> offline_requests(const Scenario& s, int n, uint64_t seed);

}  // namespace infermark
