#include "results/export.hpp"
#include "results/export_common.hpp"
#include "results/model/result_json.hpp"

namespace infermark {

std::string export_jsonl(const std::vector<NamedRun>& runs) {
  std::string out;
  for (const NamedRun& nr : runs) {
    ojson run = {{"file", nr.file}, {"id", exports::run_id(nr.run)}};
    run["started_at"] = exports::string_at(nr.run.run, "started_at");
    run["host"] = exports::host_name(nr.run);
    for (const BenchmarkResult& b : nr.run.benchmarks) {
      ojson line = {{"run", run}};
      const ojson bench = to_json(b);
      for (auto& [k, v] : bench.items()) line[k] = v;
      // One line each: no indentation; invalid UTF-8 in a reason must not stop the export.
      out += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    }
  }
  return out;
}

}  // namespace infermark
