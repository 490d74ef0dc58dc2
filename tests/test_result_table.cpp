// The console summary table: the right cells, aligned columns, and the count of each state.
#include <catch2/catch.hpp>
#include <limits>
#include <sstream>

#include "results/console_table.hpp"

using namespace infermark;

namespace {

BenchmarkResult bench(const std::string& workload, const std::string& backend, State state) {
  BenchmarkResult b;
  b.workload = ojson{{"id", workload}, {"hash", "sha256:00"}};
  b.backend = backend;
  b.device = backend == "vulkan" ? "vk0" : backend == "cuda" ? "gpu0" : "cpu0";
  b.id = workload + "@" + backend + ":" + b.device;
  b.state = state;
  return b;
}

void add(BenchmarkResult& b, const std::string& tag, double value) {
  b.summaries.push_back({tag, "", value, std::nullopt, "", ""});
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Display column where `cell` starts in `line` (UTF-8 aware: "µ" is one column).
size_t column_of(const std::string& line, const std::string& cell) {
  const size_t at = line.find(cell);
  REQUIRE(at != std::string::npos);
  size_t col = 0;
  for (size_t i = 0; i < at; ++i) col += (static_cast<unsigned char>(line[i]) & 0xC0) != 0x80;
  return col;
}
size_t end_column_of(const std::string& line, const std::string& cell) {
  size_t w = 0;
  for (unsigned char c : cell) w += (c & 0xC0) != 0x80;
  return column_of(line, cell) + w;
}

}  // namespace

TEST_CASE("table: seconds are auto-scaled to three significant digits") {
  CHECK(format_seconds(0.00611) == "6.11 ms");
  CHECK(format_seconds(0.000850) == "850 µs");
  CHECK(format_seconds(0.0000123) == "12.3 µs");
  CHECK(format_seconds(1.25) == "1.25 s");
  CHECK(format_seconds(42.0) == "42.0 s");
  CHECK(format_seconds(std::numeric_limits<double>::quiet_NaN()) == "-");
}

TEST_CASE("table: one aligned row per benchmark with the right cells, then counts per state") {
  RunResult r;
  BenchmarkResult a = bench("bert-base/encode/b1/s128/f32/l1", "onednn", State::Passed);
  add(a, "latency/host/median", 0.00611);
  add(a, "throughput/tokens_per_s", 20949.3);
  add(a, "compute/flops_per_s", 3.047e11);
  a.correctness = Correctness{};
  a.correctness->verdict = "pass";
  a.correctness->nmse = 2.3e-12;

  BenchmarkResult b = bench("bert-base/encode/b1/s128/bf16/l1", "vulkan", State::Unimplemented);
  b.reason = "bf16 storage not supported";

  BenchmarkResult c = bench("gpt2/decode/b4/s1/c512/f16/l12", "cuda", State::Failed);
  add(c, "latency/host/median", 0.000850);
  add(c, "compute/flops_per_s", 1.5e9);
  c.correctness = Correctness{};
  c.correctness->verdict = "fail";
  c.correctness->nmse = std::numeric_limits<double>::quiet_NaN();

  BenchmarkResult d = bench("llama-1.1b/prefill/b1/s512/f32/l22", "reference", State::Mistrusted);
  add(d, "latency/host/median", 1.25);
  add(d, "throughput/tokens_per_s", 0.5);
  d.correctness = Correctness{};  // verdict not_run
  r.benchmarks = {a, b, c, d};

  const std::string table = summary_table(r);
  INFO(table);
  const auto l = lines(table);
  REQUIRE(l.size() == 7);  // header, rule, four rows, counts
  CHECK_THAT(l[0], Catch::StartsWith("workload"));
  CHECK(l[1].find_first_not_of("- ") == std::string::npos);

  // Row cells, in column order.
  auto in_order = [](const std::string& line, std::vector<std::string> cells) {
    size_t pos = 0;
    for (const auto& cell : cells) {
      const size_t at = line.find(cell, pos);
      if (at == std::string::npos) return false;
      pos = at + cell.size();
    }
    return true;
  };
  CHECK(in_order(l[2], {"bert-base/encode/b1/s128/f32/l1", "onednn:cpu0", "passed", "6.11 ms",
                        "20949", "305", "pass 2.3e-12"}));
  CHECK(in_order(l[3], {"bert-base/encode/b1/s128/bf16/l1", "vulkan:vk0", "unimplemented", "-",
                        "-", "-", "-"}));
  CHECK(in_order(l[4], {"gpt2/decode/b4/s1/c512/f16/l12", "cuda:gpu0", "failed", "850 µs", "-",
                        "1.50", "fail nan"}));
  CHECK(in_order(l[5], {"llama-1.1b/prefill/b1/s512/f32/l22", "reference:cpu0", "mistrusted",
                        "1.25 s", "0.500", "-", "not_run"}));
  CHECK(l[6] == "4 benchmarks: 1 passed, 1 mistrusted, 1 failed, 1 unimplemented, 0 skipped");

  // Text columns start together; number columns end together (µ counted as one column).
  const size_t state_col = column_of(l[0], "state");
  CHECK(column_of(l[2], "passed") == state_col);
  CHECK(column_of(l[3], "unimplemented") == state_col);
  CHECK(column_of(l[4], "failed") == state_col);
  const size_t median_end = end_column_of(l[0], "median");
  CHECK(end_column_of(l[2], "6.11 ms") == median_end);
  CHECK(end_column_of(l[4], "850 µs") == median_end);
  CHECK(end_column_of(l[5], "1.25 s") == median_end);
  const size_t gflops_end = end_column_of(l[0], "GFLOP/s");
  CHECK(end_column_of(l[2], " 305") == gflops_end);
  CHECK(end_column_of(l[4], " 1.50") == gflops_end);
}

TEST_CASE("table: an empty run still says how many benchmarks there were") {
  const auto l = lines(summary_table(RunResult{}));
  REQUIRE(l.size() == 3);
  CHECK(l[2] == "0 benchmarks: 0 passed, 0 mistrusted, 0 failed, 0 unimplemented, 0 skipped");
}
