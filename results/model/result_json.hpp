// JSON form of the result model (shared/result-example.json): writers emit a fixed key order so
// files diff cleanly; readers are strict on known fields and keep unknown ones for re-emission.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "results/model/result.hpp"

namespace infermark {

// The document type this build writes, and the major version of it that this build reads.
inline constexpr const char* kResultSchemaName = "infermark-result";
inline constexpr const char* kResultSchemaVersion = "1.0";
inline constexpr int kResultSchemaMajor = 1;

// Writers. Non-finite doubles are written as null (JSON has no NaN); an empty reason, an absent
// correctness or validity block and absent device samples are written as null too.
ojson to_json(const Summary& s);
ojson to_json(const Correctness& c);
ojson to_json(const Validity& v);
ojson to_json(const BenchmarkResult& b);
ojson to_json(const RunResult& r);

// Readers. `file` and `pointer` (a JSON pointer to `j` inside the file) locate errors: a known
// field of the wrong type or with an unknown enum value throws BadInput naming its pointer and
// what was expected. Unknown fields are kept in the `extra` members and written back out.
// Measured values that may legitimately be non-finite (errors, summary values, samples) read
// null as NaN; std::optional fields read null as absent.
// Both overloads read the same thing; the ordered one keeps the key order of opaque objects
// (workload, implementation, tool, system, …) so a re-written file diffs cleanly.
Summary summary_from_json(const nlohmann::json& j, const std::string& file,
                          const std::string& pointer);
Correctness correctness_from_json(const nlohmann::json& j, const std::string& file,
                                  const std::string& pointer);
Validity validity_from_json(const nlohmann::json& j, const std::string& file,
                            const std::string& pointer);
BenchmarkResult benchmark_from_json(const nlohmann::json& j, const std::string& file,
                                    const std::string& pointer);
BenchmarkResult benchmark_from_json(const ojson& j, const std::string& file,
                                    const std::string& pointer);
// Checks "schema" == "infermark-result" and a "schema_version" of major 1 ("1.x"); any other
// major throws BadInput saying which versions this build reads.
RunResult run_from_json(const nlohmann::json& j, const std::string& file);
RunResult run_from_json(const ojson& j, const std::string& file);

// "/a~1b" style escaping of one JSON pointer token ('~' → "~0", '/' → "~1").
std::string json_pointer_token(const std::string& key);

}  // namespace infermark
