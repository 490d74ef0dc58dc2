// End to end: `infermark run --counters …` on the reference backend of the smoke suite writes
// counter/perf_event/… summaries and says why energy is unavailable (or measures it), the file
// passes `infermark validate` and the JSON Schema; bad --counters / --energy input exits 2;
// `infermark list` shows every collector.
#include <catch2/catch.hpp>

#include <dlfcn.h>

#include <filesystem>
#include <set>

#include "support/cli_fixture.hpp"

using namespace infermark;
using namespace infermark::test;
using nlohmann::json;
using Catch::Matchers::Contains;

namespace {

bool pmu_exposed() {
  for (const char* pmu : {"cpu", "cpu_core", "cpu_atom", "armv8_pmuv3_0"})
    if (std::filesystem::exists(std::string("/sys/bus/event_source/devices/") + pmu)) return true;
  return false;
}

bool nvml_loads() {
  void* h = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (h) dlclose(h);
  return h != nullptr;
}

const json* summary(const json& b, const std::string& tag) {
  for (const auto& s : b.at("summaries"))
    if (s.at("tag") == tag) return &s;
  return nullptr;
}

}  // namespace

TEST_CASE("cli counters: a run with --counters records counters, energy and collectors") {
  ScratchDir dir;
  const std::string out = dir.file("run.json");
  // A decode and a prefill workload of the smoke suite: J/token names each phase's token.
  const ProcessResult r = run_infermark(
      {"run", "--suite", "smoke", "--backend", "reference", "--quick", "--quiet", "--cache-dir",
       dir.cache(), "--filter", "tiny-gpt2/(decode/b2/s1/c31/f32|prefill/b1/s17/f32/l1)",
       "--counters", "PAPI_TOT_INS", "--out", out});
  INFO(transcript(r));
  REQUIRE(r.exited);
  REQUIRE(r.exit_code == 0);
  const json doc = read_json(out);
  CHECK(doc["run"]["options"]["counters"] == json::array({"PAPI_TOT_INS"}));
  CHECK(doc["run"]["options"]["energy"] == "auto");

  std::set<std::string> names;
  bool perf_available = false;  // false where perf_event_open is forbidden (paranoid 3, seccomp)
  for (const auto& c : doc["collectors"]) {
    names.insert(c["name"].get<std::string>());
    if (c["name"] == "perf_event") perf_available = c["available"].get<bool>();
    if (!c["available"].get<bool>()) CHECK_FALSE(c["reason"].get<std::string>().empty());
  }
  CHECK(names == std::set<std::string>{"perf_event", "papi", "rapl", "nvml", "cupti"});

  const bool energy_here = std::filesystem::exists("/sys/class/powercap") || nvml_loads();
  REQUIRE(doc["benchmarks"].size() == 2);
  for (const auto& b : doc["benchmarks"]) {
    INFO(b["id"]);
    REQUIRE((b["state"] == "passed" || b["state"] == "mistrusted"));  // mistrusted: a busy machine
    const int64_t tokens = b["workload"]["tokens"].get<int64_t>();
    const json* clock = summary(b, "counter/perf_event/task_clock");
    const json* clock_tok = summary(b, "counter/perf_event/task_clock/per_token");
    if (perf_available) {
      REQUIRE(clock);
      REQUIRE(clock_tok);
      CHECK((*clock)["per"] == "inference");
      CHECK((*clock)["unit"] == "s");
      CHECK((*clock)["value"].get<double>() > 0);
      CHECK((*clock_tok)["value"].get<double>() ==
            Approx((*clock)["value"].get<double>() / double(tokens)));
      CHECK(summary(b, "counter/perf_event/page_faults"));
    } else {
      CHECK_FALSE(clock);
    }

    const json& counters = b["counters"];
    CHECK(counters["requested"] == json::array({"PAPI_TOT_INS"}));
    bool papi_accounted = false;
    for (const auto& c : counters["collectors"]) {
      if (c["name"] != "papi") continue;
      papi_accounted = summary(b, "counter/papi/PAPI_TOT_INS") ||
                       (c.contains("unavailable") && c["unavailable"].contains("PAPI_TOT_INS"));
    }
    CHECK(papi_accounted);  // counted, or named as unavailable with the reason
    if (!pmu_exposed()) CHECK_FALSE(summary(b, "counter/perf_event/cycles"));

    const json& energy = b["energy"];
    if (!energy_here) {
      CHECK(energy["state"] == "unavailable");
      CHECK_THAT(energy["reason"].get<std::string>(), Contains("rapl: ") && Contains("nvml: "));
      for (const auto& s : b["summaries"]) CHECK(s["tag"].get<std::string>().rfind("energy/", 0) != 0);
    } else if (energy["state"] == "measured") {
      bool per_token = false;
      for (const auto& s : b["summaries"])
        per_token = per_token || s["tag"].get<std::string>().find("/joules_per_token") != std::string::npos;
      CHECK(per_token);
    } else {
      CHECK_FALSE(energy["reason"].get<std::string>().empty());
    }
    CHECK(b["validity"]["telemetry"].contains("state"));
  }

  const ProcessResult v = run_infermark({"validate", out});
  INFO(transcript(v));
  CHECK(v.exit_code == 0);
  const ProcessResult schema = run_process(
      {"/usr/bin/python3", std::string(INFERMARK_SOURCE_DIR) + "/tests/support/validate_schema.py",
       std::string(INFERMARK_SOURCE_DIR) + "/results/schema/result.schema.json", out});
  INFO(transcript(schema));
  CHECK((schema.exit_code == 0 || schema.exit_code == 77));
}

TEST_CASE("cli counters: a misspelt event or --energy with --no-energy is bad input") {
  ScratchDir dir;
  const std::string out = dir.file("run.json");
  const ProcessResult bad = run_infermark({"run", "--suite", "smoke", "--backend", "reference",
                                           "--quick", "--counters", "PAPI_TOT_INZ", "--out", out});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Contains("--counters") && Contains("PAPI_TOT_INZ"));
  CHECK_FALSE(exists(out));
  const ProcessResult both = run_infermark({"run", "--energy", "--no-energy", "--out", out});
  CHECK(both.exit_code == 2);
  CHECK_FALSE(exists(out));
}

TEST_CASE("cli counters: --no-energy is recorded per benchmark") {
  ScratchDir dir;
  const std::string out = dir.file("run.json");
  const ProcessResult r = run_infermark({"run", "--suite", "smoke", "--backend", "reference",
                                         "--quick", "--quiet", "--cache-dir", dir.cache(), "--filter",
                                         "tiny-bert/encode/b1/s16/f32", "--no-energy", "--out", out});
  INFO(transcript(r));
  REQUIRE(r.exit_code == 0);
  const json doc = read_json(out);
  CHECK(doc["run"]["options"]["energy"] == "off");
  CHECK(doc["benchmarks"][0]["energy"]["state"] == "off");
}

TEST_CASE("cli counters: list shows every collector, what it measures or why not") {
  const ProcessResult r = run_infermark({"list"});
  INFO(transcript(r));
  REQUIRE(r.exit_code == 0);
  for (const char* c : {"perf_event: ", "papi: ", "rapl: ", "nvml: ", "cupti: "})
    CHECK_THAT(r.out, Contains(std::string("  ") + c));
  CHECK_THAT(r.out, Contains("perf_event: measures task_clock") || Contains("perf_event: unavailable: "));
  if (!pmu_exposed()) CHECK_THAT(r.out, Contains("not here: hardware counters: perf_event_open"));
  if (!nvml_loads()) CHECK_THAT(r.out, Contains("nvml: unavailable: dlopen(libnvidia-ml.so.1)"));
}
