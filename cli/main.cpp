// infermark: the command-line entry point. Parses arguments, runs one command, and maps every
// error to its exit code here, at the top, with one clear message.
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/commands.hpp"
#include "common/error.hpp"

namespace infermark::cli {

std::string suites_dir() {
  if (const char* env = std::getenv("INFERMARK_SUITES_DIR")) return env;
  return INFERMARK_SUITES_DIR;
}

}  // namespace infermark::cli

int main(int argc, char** argv) {
  using namespace infermark;
  using namespace infermark::cli;
  CLI::App app{"infermark: transformer inference benchmarks on CPU, CUDA and Vulkan backends"};
  app.require_subcommand(1);
  app.set_version_flag("--version", INFERMARK_VERSION_STRING);
  std::vector<std::string> args(argv, argv + argc);
  Action action;
  add_list(app, action);
  add_run(app, action, args);
  add_validate(app, action);
  add_bench_child(app, action);
  add_compare(app, action);
  add_report(app, action);
  add_rerun(app, action, args);
  add_merge(app, action);
  add_store(app, action);
  add_history(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "infermark: " << e.what() << "\n";
    return kBadInput;
  }
  try {
    return action();
  } catch (const Error& e) {
    std::cerr << "infermark: " << e.what() << "\n";
    switch (e.kind()) {
      case ErrorKind::BadInput: return kBadInput;
      default: return kError;
    }
  } catch (const std::exception& e) {
    std::cerr << "infermark: internal error: " << e.what() << "\n";
    return kError;
  }
}
