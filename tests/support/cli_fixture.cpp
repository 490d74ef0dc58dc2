#include "support/cli_fixture.hpp"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace infermark::test {

namespace fs = std::filesystem;

ScratchDir::ScratchDir() {
  std::string pattern = (fs::temp_directory_path() / "infermark-cli-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

ProcessResult run_infermark(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env, double timeout_s) {
  std::vector<std::string> argv{INFERMARK_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> unset;
  if (!env.count("INFERMARK_TEST_FAULT")) unset.push_back("INFERMARK_TEST_FAULT");
  return run_process(argv, env, unset, timeout_s);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

bool exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(read_text(path)); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

std::string transcript(const ProcessResult& r) {
  return r.describe() + "\n--- stdout ---\n" + r.out + "--- stderr ---\n" + r.err;
}

std::string fast_smoke_suite(const ScratchDir& d) {
  nlohmann::json s = read_json(std::string(INFERMARK_SOURCE_DIR) + "/suites/smoke.json");
  s["settings"] = {{"warmup_s", 0.0},     {"min_time_s", 0.01}, {"max_time_s", 0.05},
                   {"min_iterations", 3}, {"target_ci", 0.5},   {"seed", 42},
                   {"correctness_budget_s", 10}};
  write_text(d.file("smoke.json"), s.dump());
  return d.file("smoke.json");
}

}  // namespace infermark::test
