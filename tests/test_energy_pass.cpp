// The energy pass end to end over the real RAPL collector reading a powercap tree this test
// drives: a background "idle" draw plus a known energy per inference, with a counter wrap in the
// middle; a counter that never moves; no collector at all; --no-energy.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "harness/energy_pass.hpp"
#include "profilers/rapl/rapl_collector.hpp"
#include "support/cli_fixture.hpp"

using namespace infermark;
using namespace infermark::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kWrapUj = 10000000;  // the fake counter wraps at 10 J

// A package zone whose energy_uj the test advances; written by rename so a reader never sees a
// half-written number.
class FakeZone {
 public:
  explicit FakeZone(const ScratchDir& dir, uint64_t start_uj) : root_(dir.file("powercap")) {
    const fs::path z = root_ / "intel-rapl:0";
    fs::create_directories(z);
    std::ofstream(z / "name") << "package-0\n";
    std::ofstream(z / "max_energy_range_uj") << kWrapUj << "\n";
    uj_ = start_uj;
    write();
  }
  void add(uint64_t uj) {
    std::lock_guard<std::mutex> lock(mu_);
    uj_ = (uj_ + uj) % kWrapUj;
    ++writes_;
    write();
  }
  std::string root() const { return root_.string(); }

 private:
  void write() {
    const fs::path tmp = root_ / "intel-rapl:0" / "energy_uj.tmp";
    std::ofstream(tmp) << uj_ << "\n";
    fs::rename(tmp, root_ / "intel-rapl:0" / "energy_uj");
  }
  fs::path root_;
  std::mutex mu_;
  uint64_t uj_ = 0;
  uint64_t writes_ = 0;
};

// An inference that takes 2 ms and costs `uj` µJ on the fake counter.
class MeteredExecutable final : public Executable {
 public:
  MeteredExecutable(FakeZone* zone, uint64_t uj) : zone_(zone), uj_(uj) {}
  void run() override {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (zone_) zone_->add(uj_);
    ++runs;
  }
  void sync() override {}
  std::optional<double> device_seconds_last() override { return std::nullopt; }
  HostTensor output() override { return {}; }
  int64_t runs = 0;

 private:
  FakeZone* zone_;
  uint64_t uj_;
};

BenchmarkSpec decode_spec() {
  BenchmarkSpec s;
  s.workload.phase = Phase::Decode;
  s.workload.batch = 4;
  s.workload.seq = 1;
  s.backend = "reference";
  s.device = "cpu0";
  return s;
}

CollectorTarget cpu_target() {
  CollectorTarget t;
  t.backend = "reference";
  t.device_id = "cpu0";
  t.device_kind = "cpu";
  return t;
}

const Summary* find(const PassOutcome& o, const std::string& tag) {
  for (const auto& s : o.summaries)
    if (s.tag == tag) return &s;
  return nullptr;
}

}  // namespace

TEST_CASE("energy pass: idle draw and per-inference energy from a wrapping RAPL counter") {
  ScratchDir dir;
  FakeZone zone(dir, kWrapUj - 40000);  // wraps after 0.04 J, early in the idle window
  // Idle draw: 1000 µJ every 10 ms = 0.1 W, all through the pass.
  std::atomic<bool> stop{false};
  std::thread idle([&] {
    while (!stop) {
      zone.add(1000);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  MeteredExecutable exe(&zone, 500);  // 0.5 mJ per inference on top
  const std::string root = zone.root();
  const EnergyPassLimits limits{0.3, 10, 3.0};
  const PassOutcome o = run_energy_pass(exe, decode_spec(), cpu_target(),
                                        {{"rapl", [&] { return make_rapl_collector(root); }}}, limits);
  stop = true;
  idle.join();

  INFO(o.block.dump(1));
  REQUIRE(o.block["state"] == "measured");
  const auto& d = o.block["domains"][0];
  CHECK(d["domain"] == "cpu-package-0");
  CHECK(d["source"] == "counter");
  CHECK(d["window_s"].get<double>() >= 0.3);
  CHECK(d["updates"].get<int64_t>() >= 10);
  CHECK(d["inferences"].get<int64_t>() == exe.runs);

  const Summary* idle_w = find(o, "energy/cpu-package-0/idle_power_w");
  const Summary* per_inf = find(o, "energy/cpu-package-0/joules_per_inference");
  const Summary* per_tok = find(o, "energy/cpu-package-0/joules_per_token");
  const Summary* above = find(o, "energy/cpu-package-0/joules_per_inference_above_idle");
  const Summary* mean = find(o, "energy/cpu-package-0/mean_power_w");
  REQUIRE((idle_w && per_inf && per_tok && above && mean));
  // The sleeps of a shared machine stretch the idle writer's period, never shorten it.
  CHECK(idle_w->value > 0.05);
  CHECK(idle_w->value < 0.11);
  CHECK(idle_w->unit == "W");
  // Above idle, each inference cost 0.5 mJ; the idle draw estimate and the window edges blur it.
  CHECK(above->value == Approx(0.0005).epsilon(0.35));
  CHECK(per_inf->value > above->value);
  CHECK(per_tok->value == Approx(per_inf->value / 4));  // 4 decode tokens per inference
  CHECK(per_tok->per == "token");
  CHECK_THAT(per_tok->description, Contains("decode"));
  CHECK(per_inf->extra["source"] == "counter");
  CHECK(mean->value == Approx(per_inf->value * exe.runs / d["window_s"].get<double>()).epsilon(1e-9));
}

TEST_CASE("energy pass: a counter that never advances is reported, not divided") {
  ScratchDir dir;
  FakeZone zone(dir, 123456);
  MeteredExecutable exe(nullptr, 0);
  const std::string root = zone.root();
  const PassOutcome o = run_energy_pass(exe, decode_spec(), cpu_target(),
                                        {{"rapl", [&] { return make_rapl_collector(root); }}},
                                        EnergyPassLimits{0.2, 10, 0.5});
  CHECK(o.block["state"] == "unavailable");
  CHECK(o.summaries.empty());
  CHECK_THAT(o.block["reason"].get<std::string>(), Contains("cpu-package-0") && Contains("changed 0 times"));
}

TEST_CASE("energy pass: unavailable collectors and --no-energy are recorded with the reason") {
  ScratchDir dir;
  MeteredExecutable exe(nullptr, 0);
  const std::string root = dir.file("none");
  const PassOutcome none = run_energy_pass(exe, decode_spec(), cpu_target(),
                                           {{"rapl", [&] { return make_rapl_collector(root); }}},
                                           EnergyPassLimits{});
  CHECK(none.block["state"] == "unavailable");
  CHECK_THAT(none.block["reason"].get<std::string>(), Contains("rapl: " + root + " does not exist"));
  CHECK(none.summaries.empty());
  CHECK(exe.runs == 0);  // nothing ran for an energy pass that cannot measure

  BenchmarkSpec off = decode_spec();
  off.energy = "off";
  const PassOutcome o = run_energy_pass(exe, off, cpu_target());
  CHECK(o.block["state"] == "off");
  CHECK_THAT(o.block["reason"].get<std::string>(), Contains("--no-energy"));
}
