#include "results/model/result.hpp"

#include "common/error.hpp"

namespace infermark {

std::string to_string(State s) {
  switch (s) {
    case State::Passed: return "passed";
    case State::Mistrusted: return "mistrusted";
    case State::Failed: return "failed";
    case State::Unimplemented: return "unimplemented";
    case State::Skipped: return "skipped";
  }
  return "?";
}

State state_from_string(const std::string& s) {
  if (s == "passed") return State::Passed;
  if (s == "mistrusted") return State::Mistrusted;
  if (s == "failed") return State::Failed;
  if (s == "unimplemented") return State::Unimplemented;
  if (s == "skipped") return State::Skipped;
  throw Error(ErrorKind::BadInput, "unknown state '" + s +
                                       "' (expected passed, mistrusted, failed, unimplemented or "
                                       "skipped)");
}

const Summary* find_summary(const BenchmarkResult& b, const std::string& tag) {
  for (const Summary& s : b.summaries)
    if (s.tag == tag) return &s;
  return nullptr;
}

}  // namespace infermark
