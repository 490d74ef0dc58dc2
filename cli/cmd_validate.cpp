// `infermark validate FILE…`: schema and internal consistency of result files.
#include <iostream>

#include "cli/commands.hpp"
#include "results/json_file.hpp"
#include "results/model/result_json.hpp"
#include "results/validate.hpp"

namespace infermark::cli {

void add_validate(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("validate", "check result files: structure and internal consistency");
  static std::vector<std::string> files;
  cmd->add_option("files", files, "result JSON files")->required();
  cmd->callback([&action] {
    action = [] {
      int rc = kOk;
      for (const auto& f : files) {
        const auto raw = read_json_file(f);
        const RunResult run = run_from_json(raw, f);
        const auto problems = validate_run(run, raw);
        if (problems.empty()) {
          std::cout << f << ": valid (" << run.benchmarks.size() << " benchmarks)\n";
          continue;
        }
        rc = kFailures;
        for (const auto& p : problems) std::cout << f << ": " << p << "\n";
      }
      return rc;
    };
  });
}

}  // namespace infermark::cli
