// infermark-ops: every distinct op of a suite's models (default: the standard suite) on every
// backend and device present, as Google Benchmark benchmarks with FLOP/s and bytes/s counters.
// Google Benchmark's own flags work (--benchmark_filter, --benchmark_format=json, …); ours are
// --suite=NAME|PATH, --backend=NAME[,NAME…] (default: every backend with a device but the
// reference) and --threads=N.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>

#include "backends/registry.hpp"
#include "bench/ops/op_bench.hpp"
#include "common/error.hpp"
#include "suites/suite_file.hpp"

namespace {

struct Options {
  std::string suite = "standard";
  std::vector<std::string> backends;
  int threads = 0;
};

// Takes our flags out of argv (after Google Benchmark took its own); anything left is an error.
Options take_options(int& argc, char** argv) {
  Options o;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      const size_t n = std::strlen(flag);
      return a.compare(0, n, flag) == 0 ? argv[i] + n : nullptr;
    };
    if (const char* v = value("--suite=")) {
      o.suite = v;
    } else if (const char* v = value("--backend=")) {
      std::stringstream ss(v);
      for (std::string b; std::getline(ss, b, ',');)
        if (!b.empty()) o.backends.push_back(b);
    } else if (const char* v = value("--threads=")) {
      o.threads = std::atoi(v);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  return o;
}

std::string suites_dir() {
  if (const char* env = std::getenv("INFERMARK_SUITES_DIR")) return env;
  return INFERMARK_SUITES_DIR;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace infermark;
  benchmark::Initialize(&argc, argv);
  const Options o = take_options(argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  try {
    const Suite suite = load_suite(o.suite, suites_dir());
    std::vector<std::string> backends = o.backends;
    if (backends.empty())
      for (const auto& e : backend_registry())
        if (e.name != "reference") backends.push_back(e.name);
    const int registered = ops::register_op_benchmarks(suite, backends, o.threads);
    if (registered == 0) std::cerr << "infermark-ops: no backend here can run any op\n";
  } catch (const Error& e) {
    std::cerr << "infermark-ops: " << e.what() << "\n";
    return e.kind() == ErrorKind::BadInput ? 2 : 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  ops::release_op_benchmarks();
  benchmark::Shutdown();
  return 0;
}
