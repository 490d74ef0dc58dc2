// `infermark validate`: the internal consistency of a result document, beyond what the reader's
// type checks cover: ids, workload hashes, summaries against samples, states against verdicts.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/model/result.hpp"

namespace infermark {

// One message per problem, each starting with the benchmark's JSON pointer
// ("/benchmarks/3: …"); empty when the run is consistent. `raw` is the parsed document the run
// was read from (its workload definitions are re-parsed from it); pass a null json to check a
// run built in memory, whose own workload objects are used instead.
std::vector<std::string> validate_run(const RunResult& run, const nlohmann::json& raw);

}  // namespace infermark
