// Shared pieces of the end-to-end tests of the infermark executable: a private scratch directory
// per test, running the binary built by this tree, and small file helpers.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace infermark::test {

// A fresh directory from mkdtemp, removed with everything in it when the test ends.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // The reference-output cache of this test only, so tests never share the user's cache.
  std::string cache() const { return file("cache"); }

 private:
  std::string path_;
};

// Runs the infermark executable (INFERMARK_BINARY) with `args`. INFERMARK_TEST_FAULT is removed
// from the environment unless `env` sets it, so a stray value cannot inject faults.
ProcessResult run_infermark(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env = {},
                        double timeout_s = 120);

std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);
bool exists(const std::string& path);
nlohmann::json read_json(const std::string& path);  // throws nlohmann::json::parse_error

// Non-empty lines of `text`.
std::vector<std::string> lines_of(const std::string& text);

// How a run ended and everything it printed, for a failing check's message.
std::string transcript(const ProcessResult& r);

// suites/smoke.json with the shortest settings that still measure (seconds in all), written
// into `d`; returns its path.
std::string fast_smoke_suite(const ScratchDir& d);

}  // namespace infermark::test
