// The verdict of `infermark rerun`: whether a re-run reproduces the original's claims within
// their confidence intervals, from the comparison of the two runs (results/compare.hpp).
#pragma once

#include <string>
#include <vector>

#include "results/compare.hpp"

namespace infermark {

struct RerunVerdict {
  bool reproduced = false;
  size_t compared = 0;                   // matched pairs
  std::vector<std::string> same_or_faster;
  std::vector<std::string> slower;       // "id: ratio 2.96 [2.90, 3.01]"
  std::vector<std::string> noisy;
  std::vector<std::string> not_compared; // state changes, missing or refused, with the reason
};

// Reproduced: at least one benchmark compared, every compared one `same` or `faster`, and
// nothing the original measured is missing, refused, or in another state in the re-run
// (benchmarks measured in neither run, e.g. unimplemented in both, are not held against it).
RerunVerdict rerun_verdict(const Comparison& c);

// "verdict: reproduced (6 of 6 benchmarks same or faster)" or "verdict: NOT reproduced" and the
// lists of what is slower, noisy or not compared.
std::string format_verdict(const RerunVerdict& v);

}  // namespace infermark
