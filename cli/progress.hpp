// Progress of a run on stderr: on a terminal, the benchmark in flight with n/N and time left;
// otherwise plain lines only, one per finished benchmark; nothing at all when quiet.
#pragma once

#include <chrono>

#include "harness/runner.hpp"

namespace infermark::cli {

class Progress : public RunObserver {
 public:
  explicit Progress(bool quiet);
  void started(size_t index, size_t total, const std::string& id) override;
  void finished(size_t index, size_t total, const BenchmarkResult& r) override;
  void note(const std::string& what) override;

 private:
  bool quiet_;
  bool tty_;
  size_t run_count_ = 0;
  double run_seconds_ = 0;
  std::chrono::steady_clock::time_point started_at_;
};

}  // namespace infermark::cli
