// The infermark commands: each file in cli/ adds one subcommand to the CLI11 app.
// Commands return an exit code; errors propagate as infermark::Error to main's single handler.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace infermark::cli {

// Exit codes, one meaning each across commands.
enum Exit : int {
  kOk = 0,
  kFailures = 1,    // the command ran, but benchmarks failed or a file is inconsistent
  kBadInput = 2,    // the user's input is wrong; nothing was written
  kRegression = 3,  // compare --fail-on-regression found one; rerun: not reproduced
  kError = 4,       // an internal or environment error
};

// Each registrar adds its subcommand and sets `action` to run when that subcommand is chosen.
using Action = std::function<int()>;
void add_list(CLI::App& app, Action& action);
void add_run(CLI::App& app, Action& action, const std::vector<std::string>& argv);
void add_validate(CLI::App& app, Action& action);
void add_bench_child(CLI::App& app, Action& action);
void add_compare(CLI::App& app, Action& action);
void add_report(CLI::App& app, Action& action);
void add_rerun(CLI::App& app, Action& action, const std::vector<std::string>& argv);
void add_merge(CLI::App& app, Action& action);
void add_store(CLI::App& app, Action& action);
void add_history(CLI::App& app, Action& action);

// Where shipped suites live: $INFERMARK_SUITES_DIR, else the source tree's suites/.
std::string suites_dir();

// Where reference outputs are cached by default: $XDG_CACHE_HOME/infermark, ~/.cache/infermark.
std::string default_cache_dir();
// An unwritable --out is found before the first benchmark runs (throws BadInput), not after it.
void check_out_writable(const std::string& out);

}  // namespace infermark::cli
