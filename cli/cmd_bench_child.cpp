// `infermark __bench` and `__ceilings`: hidden; the child processes of `run` (one benchmark; one
// device's roofline ceilings).
#include "cli/commands.hpp"
#include "harness/ceilings.hpp"
#include "harness/runner.hpp"

namespace infermark::cli {

void add_bench_child(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("__bench", "")->group("");  // hidden: internal use by `run`
  static std::string spec, out;
  cmd->add_option("--spec", spec)->required();
  cmd->add_option("--out", out)->required();
  cmd->callback([&action] { action = [] { return bench_child_main(spec, out); }; });

  auto* ceil = app.add_subcommand("__ceilings", "")->group("");  // hidden: internal use by `run`
  static std::string backend, device, precisions, ceil_out;
  static int threads = 0;
  ceil->add_option("--backend", backend)->required();
  ceil->add_option("--device", device)->required();
  ceil->add_option("--precisions", precisions)->required();
  ceil->add_option("--threads", threads);
  ceil->add_option("--out", ceil_out)->required();
  ceil->callback([&action] {
    action = [] { return ceilings_child_main(backend, device, precisions, threads, ceil_out); };
  });
}

}  // namespace infermark::cli
