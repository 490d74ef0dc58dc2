// `infermark __bench`: hidden; the child process that runs one benchmark for `run`.
#include "cli/commands.hpp"
#include "harness/runner.hpp"

namespace infermark::cli {

void add_bench_child(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("__bench", "")->group("");  // hidden: internal use by `run`
  static std::string spec, out;
  cmd->add_option("--spec", spec)->required();
  cmd->add_option("--out", out)->required();
  cmd->callback([&action] { action = [] { return bench_child_main(spec, out); }; });
}

}  // namespace infermark::cli
