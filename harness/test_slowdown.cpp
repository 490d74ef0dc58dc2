#include "harness/test_slowdown.hpp"

#include <chrono>
#include <cstdlib>
#include <regex>
#include <thread>

namespace infermark {

namespace {

using Clock = std::chrono::steady_clock;

class SlowedExecutable final : public Executable {
 public:
  SlowedExecutable(std::unique_ptr<Executable> inner, double factor)
      : inner_(std::move(inner)), factor_(factor) {}
  void run() override {
    started_ = Clock::now();
    inner_->run();
  }
  void sync() override {
    inner_->sync();
    const auto took = Clock::now() - started_;
    std::this_thread::sleep_for(
        std::chrono::duration_cast<Clock::duration>(took * (factor_ - 1)));
  }
  std::optional<double> device_seconds_last() override { return inner_->device_seconds_last(); }
  HostTensor output() override { return inner_->output(); }
  nlohmann::ordered_json implementation() const override { return inner_->implementation(); }
  std::vector<std::pair<std::string, double>> op_seconds_last() const override {
    return inner_->op_seconds_last();
  }
  std::vector<BreakdownEntry> measure_breakdown() override { return inner_->measure_breakdown(); }
  MemoryUsage memory_usage() const override { return inner_->memory_usage(); }

 private:
  std::unique_ptr<Executable> inner_;
  double factor_;
  Clock::time_point started_ = Clock::now();
};

}  // namespace

std::unique_ptr<Executable> slow_down_if_requested(const std::string& benchmark_id,
                                                   std::unique_ptr<Executable> exe) {
  const char* env = std::getenv("INFERMARK_TEST_FAULT");
  if (!env) return exe;
  const std::string spec = env;
  const std::string kind = "slow:";
  const auto last = spec.rfind(':');
  if (spec.rfind(kind, 0) != 0 || last < kind.size()) return exe;
  const std::string pattern = spec.substr(kind.size(), last - kind.size());
  char* end = nullptr;
  const double factor = std::strtod(spec.c_str() + last + 1, &end);
  if (*end != '\0' || !(factor > 1) || !std::regex_search(benchmark_id, std::regex(pattern)))
    return exe;
  return std::make_unique<SlowedExecutable>(std::move(exe), factor);
}

}  // namespace infermark
