// `infermark compare A.json B.json [C.json …]`: each later run against the first, or with
// `--by backend` every backend:device of one run against a baseline one. Exit 3 with
// --fail-on-regression when a benchmark is significantly slower by more than the given percent.
#include <cmath>
#include <iostream>
#include <optional>

#include "cli/commands.hpp"
#include "cli/percent.hpp"
#include "common/error.hpp"
#include "results/compare.hpp"
#include "results/json_file.hpp"
#include "results/text_format.hpp"

namespace infermark::cli {

namespace {

struct CompareOptions {
  std::vector<std::string> files;
  std::string by;
  std::string baseline;
  std::string threshold = "5%";
  double alpha = 0.05;
  std::string fail_on_regression;
  std::string timer = "host";
  int resamples = kBootstrapResamples;
  uint64_t seed = kBootstrapSeed;
  bool json = false;
};

int run_compare(const CompareOptions& o) {
  CompareSettings s;
  s.threshold = parse_percent("--threshold", o.threshold);
  s.alpha = o.alpha;
  s.resamples = o.resamples;
  s.seed = o.seed;
  s.device_time = o.timer == "device";
  std::optional<double> fail;
  if (!o.fail_on_regression.empty())
    fail = parse_percent("--fail-on-regression", o.fail_on_regression);

  if (o.by.empty() && o.files.size() < 2)
    throw_bad_input("command line", "files",
                    "expected at least two result files (baseline first), or one with --by backend");
  if (!o.by.empty() && o.files.empty())
    throw_bad_input("command line", "files", "expected at least one result file with --by");
  if (o.by.empty() && !o.baseline.empty())
    throw_bad_input("command line", "--baseline",
                    "only used with --by backend (between runs the first file is the baseline)");

  // Read everything before printing anything, so bad input never leaves half a report.
  std::vector<RunResult> runs;
  for (const auto& f : o.files) runs.push_back(read_run_file(f));

  std::vector<Comparison> cs;
  if (o.by.empty()) {
    for (size_t i = 1; i < runs.size(); ++i)
      cs.push_back(compare_runs(runs[0], o.files[0], runs[i], o.files[i], s));
  } else {
    for (size_t i = 0; i < runs.size(); ++i)
      for (auto& c : compare_backends(runs[i], o.files[i], o.baseline, s)) cs.push_back(std::move(c));
  }

  size_t regressed = 0;
  if (fail)
    for (const auto& c : cs) regressed += regressions(c, *fail).size();

  if (o.json) {
    std::cout << comparisons_to_json(cs, s, fail).dump(1) << "\n";
  } else {
    for (size_t i = 0; i < cs.size(); ++i) {
      if (i) std::cout << "\n";
      std::cout << comparison_table(cs[i], s);
    }
    if (cs.empty()) std::cout << "nothing to compare: the run has a single backend:device\n";
    if (fail) {
      std::cout << "\n";
      if (regressed == 0) {
        std::cout << "no benchmark is significantly slower by more than "
                  << o.fail_on_regression << "\n";
      } else {
        std::cout << regressed << " benchmark" << (regressed == 1 ? " is" : "s are")
                  << " significantly slower by more than " << o.fail_on_regression << ":\n";
        for (const auto& c : cs)
          for (const MatchedPair* m : regressions(c, *fail))
            std::cout << "  " << m->contender.id << ": ratio " << fixed(m->ratio.ratio, 3)
                      << " (95% CI " << fixed(m->ratio.lo, 3) << "–" << fixed(m->ratio.hi, 3)
                      << ", p " << format_p(m->utest.p_value) << ")\n";
      }
    }
  }
  return regressed ? kRegression : kOk;
}

}  // namespace

void add_compare(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "compare",
      "compare runs: ratio of medians with a bootstrap 95% CI, Mann-Whitney p, and a label "
      "(same | faster | slower | noisy) per benchmark");
  cmd->footer(
      "Labels (ratio = contender / baseline median latency; significant = Mann-Whitney p < alpha "
      "and the 95% CI excludes 1):\n"
      "  slower  significant and ratio > 1 + threshold\n"
      "  faster  significant and ratio < 1 - threshold\n"
      "  same    |ratio - 1| <= threshold and CI half-width <= threshold\n"
      "  noisy   anything else: the CI is too wide to tell\n"
      "Benchmarks are paired by workload hash + backend + device; state changes, one-sided "
      "benchmarks and different workload hashes are listed, never compared.\n"
      "Exit codes: 0 ok, 2 bad input, 3 regression (with --fail-on-regression).");
  static CompareOptions o;
  cmd->add_option("files", o.files, "result files; the first is the baseline")->required();
  cmd->add_option("--by", o.by,
                  "compare the backends (backend:device) of each run against --baseline "
                  "instead of runs against each other")
      ->check(CLI::IsMember({"backend", "device"}));
  cmd->add_option("--baseline", o.baseline,
                  "with --by: the baseline backend or backend:device (default: the first in the "
                  "file)");
  cmd->add_option("--threshold", o.threshold,
                  "changes smaller than this count as the same; the CI half-width above it "
                  "makes a result noisy (default 5%)");
  cmd->add_option("--alpha", o.alpha, "significance level of the Mann-Whitney test (default 0.05)")
      ->check(CLI::Range(1e-9, 0.5));
  cmd->add_option("--fail-on-regression", o.fail_on_regression,
                  "exit 3 when a benchmark is significantly slower by more than PCT (e.g. 5%)");
  cmd->add_option("--timer", o.timer, "compare host wall time (default) or device-timer samples")
      ->check(CLI::IsMember({"host", "device"}));
  cmd->add_option("--resamples", o.resamples, "bootstrap resamples (default 2000)")
      ->check(CLI::Range(100, 1000000));
  cmd->add_option("--seed", o.seed, "bootstrap seed (the interval is deterministic for a seed)");
  cmd->add_flag("--json", o.json, "machine-readable output (schema infermark-compare)");
  cmd->callback([&action] { action = [] { return run_compare(o); }; });
}

}  // namespace infermark::cli
