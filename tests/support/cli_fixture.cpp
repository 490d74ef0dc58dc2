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

}  // namespace infermark::test
