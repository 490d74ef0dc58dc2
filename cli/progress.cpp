#include "cli/progress.hpp"

#include <unistd.h>

#include <cstdio>

#include "results/model/statistics.hpp"

namespace infermark::cli {

Progress::Progress(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0) {}

void Progress::started(size_t index, size_t total, const std::string& id) {
  started_at_ = std::chrono::steady_clock::now();
  if (quiet_ || !tty_) return;
  std::string eta;
  if (run_count_ > 0) {
    // Finished benchmarks' mean duration times what is left; skipped ones take no time.
    const double left = run_seconds_ / double(run_count_) * double(total - index);
    eta = ", ~" + std::to_string(int(left + 0.5)) + " s left";
  }
  std::fprintf(stderr, "\r\033[K[%zu/%zu] %s: running%s", index + 1, total, id.c_str(), eta.c_str());
  std::fflush(stderr);
}

void Progress::note(const std::string& what) {
  if (!quiet_) std::fprintf(stderr, "%s%s\n", tty_ ? "\r\033[K" : "", what.c_str());
}

void Progress::finished(size_t index, size_t total, const BenchmarkResult& r) {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count();
  if (r.state != State::Skipped && r.state != State::Unimplemented) {
    run_seconds_ += secs;
    ++run_count_;
  }
  if (quiet_) return;
  std::string median = "-";
  if (const Summary* s = find_summary(r, "latency/host/median")) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g ms", s->value * 1e3);
    median = buf;
  }
  std::fprintf(stderr, "%s[%zu/%zu] %-13s %12s  %s%s%s\n", tty_ ? "\r\033[K" : "", index + 1, total,
               to_string(r.state).c_str(), median.c_str(), r.id.c_str(),
               r.reason.empty() ? "" : "  — ", r.reason.c_str());
}

}  // namespace infermark::cli
