// `infermark list`: backends, devices, collectors, suites and models — and why any is unavailable.
#include <iostream>

#include "backends/registry.hpp"
#include "cli/commands.hpp"
#include "common/error.hpp"
#include "harness/fit_check_list.hpp"
#include "profilers/registry.hpp"
#include "suites/suite_file.hpp"

namespace infermark::cli {

namespace {

int list_all() {
  std::cout << "backends:\n";
  for (const auto& e : backend_registry()) {
    auto b = e.make();
    auto devs = b->devices();
    if (devs.empty()) {
      std::cout << "  " << e.name << ": unavailable: " << b->unavailable_reason() << "\n";
      continue;
    }
    std::cout << "  " << e.name << ":\n";
    for (const auto& d : devs)
      std::cout << "    " << d.id << "  " << d.name << " (" << d.kind << ")"
                << (d.details.empty() ? "" : "  " + d.details.dump()) << "\n";
  }
  for (const auto& [name, why] : backends_compiled_out())
    std::cout << "  " << name << ": unavailable: " << why << "\n";

  std::cout << "collectors:\n";
  for (const auto& e : collector_registry()) {
    Probe p = e.make()->probe();
    if (!p.available) {
      std::cout << "  " << e.name << ": unavailable: " << p.reason << "\n";
      continue;
    }
    std::cout << "  " << e.name << ": measures";
    for (size_t i = 0; i < p.measures.size(); ++i) std::cout << (i ? ", " : " ") << p.measures[i];
    std::cout << "\n";
    for (const auto& [part, why] : p.unavailable_parts)
      std::cout << "    not here: " << part << ": " << why << "\n";
  }
  for (const auto& [name, why] : collectors_compiled_out())
    std::cout << "  " << name << ": unavailable: " << why << "\n";

  std::cout << "suites (" << suites_dir() << "):\n";
  for (const auto& name : shipped_suites(suites_dir())) {
    try {
      Suite s = load_suite(name, suites_dir());
      std::cout << "  " << name << " v" << s.version << ": " << s.workloads.size() << " workloads\n";
    } catch (const Error& e) {
      std::cout << "  " << name << ": invalid: " << e.what() << "\n";
    }
  }
  std::cout << "models:\n";
  for (const auto& [name, m] : builtin_models())
    std::cout << "  " << name << ": " << to_string(m.family) << ", hidden " << m.hidden << ", "
              << m.layers << " layers, heads " << m.heads << "/" << m.kv_heads << ", ffn " << m.ffn
              << ", " << to_string(m.norm) << ", " << to_string(m.activation) << ", "
              << to_string(m.position) << "\n";
  return kOk;
}

}  // namespace

void add_list(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("list", "backends, devices, collectors, suites and models, with why any is unavailable");
  static std::string fits_suite;
  static std::vector<std::string> fits_backends;
  cmd->add_option("--fits", fits_suite,
                  "per device, which workloads of SUITE (a name or a path) fit in memory, with the numbers")
      ->type_name("SUITE");
  cmd->add_option("--backend", fits_backends, "with --fits: only these backends")->delimiter(',');
  cmd->callback([&action] {
    if (fits_suite.empty()) {
      action = [] {
        if (!fits_backends.empty())
          throw Error(ErrorKind::BadInput, "list: --backend selects backends for --fits; give --fits SUITE too");
        return list_all();
      };
      return;
    }
    action = [] {
      std::cout << fits_listing(load_suite(fits_suite, suites_dir()), fits_backends);
      return int(kOk);
    };
  });
}

}  // namespace infermark::cli
