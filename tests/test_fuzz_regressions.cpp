// Inputs the fuzzers (fuzz/, scripts/fuzz.sh) found to crash a reader, kept as regression tests:
// each must now be refused as bad input naming the file, never escape as another exception.
#include <catch2/catch.hpp>

#include <filesystem>

#include "common/error.hpp"
#include "results/json_file.hpp"
#include "suites/npy.hpp"
#include "suites/safetensors.hpp"

using namespace infermark;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> files_in(const std::string& sub) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(std::string(INFERMARK_SOURCE_DIR) + "/tests/data/fuzz/" + sub))
    out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

template <class F>
void expect_bad_input(const std::string& path, F&& read) {
  INFO(path);
  try {
    read();
    FAIL("read without an error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK(std::string(e.what()).find(path) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("fuzzer-found .npy inputs are bad input, not crashes", "[fuzz]") {
  const auto files = files_in("npy");
  REQUIRE(files.size() >= 2);
  for (const auto& f : files) expect_bad_input(f, [&] { (void)read_npy(f); });
}

TEST_CASE("fuzzer-found safetensors inputs are bad input, not crashes", "[fuzz]") {
  const auto files = files_in("safetensors");
  REQUIRE(!files.empty());
  for (const auto& f : files) expect_bad_input(f, [&] { (void)SafetensorsFile(f); });
}

TEST_CASE("fuzzer-found result files are bad input, not crashes", "[fuzz]") {
  const auto files = files_in("results");
  REQUIRE(!files.empty());
  for (const auto& f : files) expect_bad_input(f, [&] { (void)read_run_file(f); });
}
