// libFuzzer target: result files through the readers of `validate`, `compare` and `report`.
// Any input must be read or refused with an infermark::Error; the renderers must not crash on
// whatever a readable file holds.
#include <cstdint>
#include <string>

#include "common/error.hpp"
#include "fuzz/fuzz_input.hpp"
#include "results/compare.hpp"
#include "results/export.hpp"
#include "results/json_file.hpp"
#include "results/validate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace infermark;
  const std::string& path = fuzz::as_file(data, size, ".json");
  try {
    const RunResult run = read_run_file(path);
    (void)validate_run(run, read_json_file(path));
    const std::vector<NamedRun> runs{{path, run}};
    (void)export_markdown(runs);
    (void)export_csv(runs);
    (void)export_jsonl(runs);
    (void)export_gbench(runs.front());
    CompareSettings settings;
    settings.resamples = 50;  // the bootstrap's cost is not what is being fuzzed
    const Comparison c = compare_runs(run, path, run, path, settings);
    (void)comparison_table(c, settings);
  } catch (const Error&) {
  }
  return 0;
}
