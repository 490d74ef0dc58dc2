// Result documents: JSON round trips, strict readers, atomic files and the JSON Schema.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>

#include "common/error.hpp"
#include "results/json_file.hpp"
#include "results/model/result_json.hpp"
#include "support/result_fixture.hpp"

using namespace infermark;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("infermark-test-result-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void spit(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// Both values the same, NaN included.
bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

void check_same(const Summary& a, const Summary& b) {
  INFO(a.tag);
  CHECK(a.tag == b.tag);
  CHECK(a.unit == b.unit);
  CHECK(same(a.value, b.value));
  REQUIRE(a.ci95.has_value() == b.ci95.has_value());
  if (a.ci95) {
    CHECK(same(a.ci95->first, b.ci95->first));
    CHECK(same(a.ci95->second, b.ci95->second));
  }
  CHECK(a.description == b.description);
  CHECK(a.per == b.per);
}

void check_same(const BenchmarkResult& a, const BenchmarkResult& b) {
  INFO(a.id);
  CHECK(a.id == b.id);
  CHECK(nlohmann::json(a.workload) == nlohmann::json(b.workload));
  CHECK(a.backend == b.backend);
  CHECK(a.device == b.device);
  CHECK(a.state == b.state);
  CHECK(a.reason == b.reason);
  REQUIRE(a.correctness.has_value() == b.correctness.has_value());
  if (a.correctness) {
    const Correctness &x = *a.correctness, &y = *b.correctness;
    CHECK(x.verdict == y.verdict);
    CHECK(x.checked == y.checked);
    CHECK(x.checked_layers == y.checked_layers);
    CHECK(x.reference == y.reference);
    CHECK(same(x.max_abs_err, y.max_abs_err));
    CHECK(same(x.max_rel_err, y.max_rel_err));
    CHECK(same(x.nmse, y.nmse));
    CHECK(x.tolerance_nmse == y.tolerance_nmse);
    CHECK(x.rechecked_after_timing == y.rechecked_after_timing);
    CHECK(x.recheck == y.recheck);
  }
  REQUIRE(a.validity.has_value() == b.validity.has_value());
  if (a.validity) {
    const Validity &x = *a.validity, &y = *b.validity;
    CHECK(x.valid == y.valid);
    CHECK(x.reasons == y.reasons);
    CHECK(x.stopping == y.stopping);
    CHECK(x.samples == y.samples);
    CHECK(x.warmup_s == y.warmup_s);
    CHECK(x.warmup_iterations == y.warmup_iterations);
    CHECK(same(x.rel_ci95_half_width, y.rel_ci95_half_width));
    CHECK(same(x.rel_stddev, y.rel_stddev));
    CHECK(x.throttled == y.throttled);
    CHECK(x.load_average_before == y.load_average_before);
    CHECK(x.load_average_after == y.load_average_after);
  }
  CHECK(a.host_samples == b.host_samples);
  CHECK(a.device_samples == b.device_samples);
  REQUIRE(a.summaries.size() == b.summaries.size());
  for (size_t i = 0; i < a.summaries.size(); ++i) check_same(a.summaries[i], b.summaries[i]);
  CHECK(nlohmann::json(a.implementation) == nlohmann::json(b.implementation));
}

std::vector<std::string> keys(const ojson& j) {
  std::vector<std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) out.push_back(it.key());
  return out;
}

// The BadInput message of reading `j`, or "" when it reads.
std::string read_error(const nlohmann::json& j) {
  try {
    run_from_json(j, "runs/a.json");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    return e.what();
  }
  return "";
}

// Runs tests/support/validate_schema.py; returns its exit code and output.
std::pair<int, std::string> validate_with_python(const fs::path& doc) {
  const std::string cmd = std::string("/usr/bin/python3 ") + INFERMARK_SOURCE_DIR +
                          "/tests/support/validate_schema.py " + INFERMARK_SOURCE_DIR +
                          "/results/schema/result.schema.json " + doc.string() + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace

TEST_CASE("result JSON: a run survives a round trip through JSON text, field by field") {
  const RunResult r = test::fixture_run();
  const std::string text = to_json(r).dump(1);

  SECTION("through the unordered reader") {
    const RunResult back = run_from_json(nlohmann::json::parse(text), "mem.json");
    CHECK(back.schema == "infermark-result");
    CHECK(back.schema_version == "1.0");
    CHECK(nlohmann::json(back.tool) == nlohmann::json(r.tool));
    CHECK(nlohmann::json(back.run) == nlohmann::json(r.run));
    CHECK(nlohmann::json(back.system) == nlohmann::json(r.system));
    CHECK(nlohmann::json(back.collectors) == nlohmann::json(r.collectors));
    REQUIRE(back.benchmarks.size() == 2);
    check_same(back.benchmarks[0], r.benchmarks[0]);
    check_same(back.benchmarks[1], r.benchmarks[1]);
  }
  SECTION("through the ordered reader, re-written byte for byte") {
    const RunResult back = run_from_json(ojson::parse(text), "mem.json");
    REQUIRE(back.benchmarks.size() == 2);
    check_same(back.benchmarks[0], r.benchmarks[0]);
    CHECK(to_json(back).dump(1) == text);
  }
}

TEST_CASE("result JSON: keys are written in the documented order, absent parts as null") {
  const ojson j = to_json(test::fixture_run());
  CHECK(keys(j) == std::vector<std::string>{"schema", "schema_version", "tool", "run", "system",
                                            "collectors", "benchmarks"});
  const ojson& passed = j["benchmarks"][0];
  CHECK(keys(passed) == std::vector<std::string>{"id", "workload", "backend", "device", "state",
                                                 "reason", "correctness", "validity", "samples",
                                                 "summaries", "implementation"});
  CHECK(keys(passed["correctness"]) ==
        std::vector<std::string>{"verdict", "checked", "checked_layers", "reference",
                                 "max_abs_err", "max_rel_err", "nmse", "tolerance",
                                 "rechecked_after_timing", "recheck"});
  CHECK(keys(passed["validity"]) ==
        std::vector<std::string>{"valid", "reasons", "stopping", "samples", "warmup_s",
                                 "warmup_iterations", "rel_ci95_half_width", "rel_stddev",
                                 "throttled", "load_average_before", "load_average_after"});
  CHECK(passed["state"] == "passed");
  CHECK(passed["reason"].is_null());
  CHECK(passed["correctness"]["tolerance"]["nmse"] == 1e-9);
  CHECK(passed["validity"]["load_average_after"].is_null());
  CHECK(passed["samples"]["unit"] == "s");
  CHECK(passed["samples"]["host"].size() == 10);
  CHECK(passed["samples"]["device"].size() == 10);
  // ci95 and description only where present, per only where non-empty.
  CHECK(keys(passed["summaries"][0]) ==
        std::vector<std::string>{"tag", "unit", "value", "ci95", "description"});
  CHECK(keys(passed["summaries"][1]) == std::vector<std::string>{"tag", "unit", "value"});
  CHECK(keys(passed["summaries"][10]) == std::vector<std::string>{"tag", "unit", "value", "per"});
  CHECK(passed["summaries"][10]["per"] == "inference");

  const ojson& unimpl = j["benchmarks"][1];
  CHECK(unimpl["state"] == "unimplemented");
  CHECK(unimpl["reason"] == "bf16 storage not supported by llvmpipe");
  CHECK(unimpl["correctness"].is_null());
  CHECK(unimpl["validity"].is_null());
  CHECK(unimpl["samples"]["host"] == ojson::array());
  CHECK(unimpl["samples"]["device"].is_null());
  CHECK(unimpl["summaries"] == ojson::array());
}

TEST_CASE("result JSON: non-finite values are written as null and read back as NaN") {
  RunResult r = test::fixture_run();
  BenchmarkResult& b = r.benchmarks[0];
  b.state = State::Failed;
  b.reason = "output differs from the reference (nmse nan)";
  b.correctness->verdict = "fail";
  b.correctness->nmse = std::numeric_limits<double>::quiet_NaN();
  b.correctness->max_rel_err = std::numeric_limits<double>::infinity();
  b.summaries[0].ci95->second = std::numeric_limits<double>::infinity();
  const std::string text = to_json(r).dump();
  // Every document written must parse, strictly.
  const nlohmann::json parsed = nlohmann::json::parse(text);
  CHECK(parsed["benchmarks"][0]["correctness"]["nmse"].is_null());
  CHECK(parsed["benchmarks"][0]["correctness"]["max_rel_err"].is_null());
  CHECK(parsed["benchmarks"][0]["summaries"][0]["ci95"][1].is_null());
  // No bare non-finite token anywhere (printf-style "nan", "inf", JavaScript's "NaN", …).
  CHECK_FALSE(std::regex_search(text, std::regex(R"([:,\[]\s*-?(nan|NaN|inf|Infinity)\b)")));

  const RunResult back = run_from_json(parsed, "mem.json");
  CHECK(std::isnan(back.benchmarks[0].correctness->nmse));
  CHECK(std::isnan(back.benchmarks[0].correctness->max_rel_err));
  CHECK(std::isnan(back.benchmarks[0].summaries[0].ci95->second));
  CHECK_FALSE(back.benchmarks[0].validity->load_average_after.has_value());
  CHECK(back.benchmarks[0].validity->load_average_before == 0.08);
}

TEST_CASE("result JSON: unknown fields survive a round trip") {
  ojson j = to_json(test::fixture_run());
  j["signed_by"] = "lab-7";
  ojson& b = j["benchmarks"][0];
  b["energy"] = {{"joules_per_token", 0.25}, {"source", "rapl"}};
  b["validity"]["clock_changes"] = 3;
  b["correctness"]["per_layer_nmse"] = {1e-12, 2e-12};
  b["samples"]["timer"] = "steady_clock";
  b["summaries"][2]["source"] = "perf_event";
  const std::string text = j.dump(1);

  const RunResult back = run_from_json(ojson::parse(text), "newer.json");
  CHECK(back.extra["signed_by"] == "lab-7");
  CHECK(back.benchmarks[0].extra["energy"]["source"] == "rapl");
  CHECK(back.benchmarks[0].validity->extra["clock_changes"] == 3);
  CHECK(back.benchmarks[0].correctness->extra["per_layer_nmse"].size() == 2);
  CHECK(back.benchmarks[0].samples_extra["timer"] == "steady_clock");
  CHECK(back.benchmarks[0].summaries[2].extra["source"] == "perf_event");
  // Known fields are still read as such, and the whole document is written back unchanged.
  CHECK(back.benchmarks[0].validity->samples == 10);
  CHECK(to_json(back).dump(1) == text);
  // The unordered reader keeps them too (key order aside).
  const RunResult back2 = run_from_json(nlohmann::json::parse(text), "newer.json");
  CHECK(nlohmann::json(to_json(back2)) == nlohmann::json::parse(text));
}

TEST_CASE("result JSON: a wrong type is BadInput naming the file, the pointer and the expectation") {
  const nlohmann::json good = nlohmann::json::parse(to_json(test::fixture_run()).dump());
  REQUIRE(read_error(good).empty());
  nlohmann::json j = good;
  std::string msg;
  SECTION("a count given as a string") {
    j["benchmarks"][0]["validity"]["samples"] = "10";
    msg = read_error(j);
    CHECK_THAT(msg, Catch::Contains("runs/a.json"));
    CHECK_THAT(msg, Catch::Contains("/benchmarks/0/validity/samples"));
    CHECK_THAT(msg, Catch::Contains("expected an integer"));
  }
  SECTION("a measured value given as a string") {
    j["benchmarks"][0]["correctness"]["nmse"] = "tiny";
    msg = read_error(j);
    CHECK_THAT(msg, Catch::Contains("/benchmarks/0/correctness/nmse"));
    CHECK_THAT(msg, Catch::Contains("expected a number or null"));
  }
  SECTION("a sample that is not a number") {
    j["benchmarks"][0]["samples"]["host"][3] = true;
    msg = read_error(j);
    CHECK_THAT(msg, Catch::Contains("/benchmarks/0/samples/host/3"));
  }
  SECTION("a summary value that is an object") {
    j["benchmarks"][0]["summaries"][4]["value"] = nlohmann::json::object();
    msg = read_error(j);
    CHECK_THAT(msg, Catch::Contains("/benchmarks/0/summaries/4/value"));
  }
  SECTION("an unknown state") {
    j["benchmarks"][1]["state"] = "great";
    msg = read_error(j);
    CHECK_THAT(msg, Catch::Contains("/benchmarks/1/state"));
    CHECK_THAT(msg, Catch::Contains("\"unimplemented\""));
    CHECK_THAT(msg, Catch::Contains("\"great\""));
  }
  SECTION("a missing required key") {
    j["benchmarks"][1].erase("backend");
    msg = read_error(j);
    CHECK_THAT(msg, Catch::Contains("/benchmarks/1/backend"));
    CHECK_THAT(msg, Catch::Contains("missing"));
  }
  SECTION("samples in another unit") {
    j["benchmarks"][0]["samples"]["unit"] = "ms";
    msg = read_error(j);
    CHECK_THAT(msg, Catch::Contains("/benchmarks/0/samples/unit"));
  }
  SECTION("a ci95 with one bound") {
    j["benchmarks"][0]["summaries"][0]["ci95"] = {0.006};
    msg = read_error(j);
    CHECK_THAT(msg, Catch::Contains("/benchmarks/0/summaries/0/ci95"));
  }
  SECTION("benchmarks that are not an array") {
    j["benchmarks"] = nlohmann::json::object();
    msg = read_error(j);
    CHECK_THAT(msg, Catch::Contains("/benchmarks"));
    CHECK_THAT(msg, Catch::Contains("expected an array"));
  }
  CHECK_FALSE(msg.empty());
}

TEST_CASE("result JSON: schema and schema_version are checked") {
  nlohmann::json j = nlohmann::json::parse(to_json(test::fixture_run()).dump());
  SECTION("a newer minor version is read") {
    j["schema_version"] = "1.7";
    CHECK(read_error(j).empty());
  }
  SECTION("another major version is refused, saying what this build reads") {
    j["schema_version"] = "2.0";
    const std::string msg = read_error(j);
    CHECK_THAT(msg, Catch::Contains("/schema_version"));
    CHECK_THAT(msg, Catch::Contains("2.0"));
    CHECK_THAT(msg, Catch::Contains("1.x"));
  }
  SECTION("a malformed version is refused") {
    j["schema_version"] = "one";
    CHECK_THAT(read_error(j), Catch::Contains("1.x"));
  }
  SECTION("another document type is refused") {
    j["schema"] = "google-benchmark";
    CHECK_THAT(read_error(j), Catch::Contains("/schema"));
  }
}

TEST_CASE("result JSON: the example document in tests/data reads, with its extra fields kept") {
  const RunResult r =
      read_run_file(std::string(INFERMARK_SOURCE_DIR) + "/tests/data/result_example.json");
  REQUIRE(r.benchmarks.size() == 2);
  const BenchmarkResult& b = r.benchmarks[0];
  CHECK(b.state == State::Passed);
  CHECK(b.host_samples == std::vector<double>{0.00613, 0.00609, 0.00611});
  CHECK_FALSE(b.device_samples.has_value());
  CHECK(b.summaries.size() == 10);
  CHECK(b.correctness->nmse == 2.3e-12);
  CHECK(b.validity->samples == 342);
  CHECK(b.validity->extra.contains("clock_changes"));
  CHECK(r.benchmarks[1].state == State::Unimplemented);
  CHECK_FALSE(r.benchmarks[1].correctness.has_value());
  CHECK(r.system["cpu"]["cores"] == 2);
}

TEST_CASE("result files: write_json_atomic writes, overwrites and leaves no temporary files") {
  TempDir dir;
  const fs::path target = dir.path / "nested" / "deeper" / "run.json";
  write_json_atomic(target.string(), ojson{{"n", 1}});
  CHECK(read_json_file(target.string()) == nlohmann::json{{"n", 1}});
  write_json_atomic(target.string(), ojson{{"n", 2}, {"text", "second"}});
  CHECK(read_json_file(target.string()) == nlohmann::json{{"n", 2}, {"text", "second"}});
  CHECK(slurp(target).back() == '\n');
  std::vector<std::string> left;
  for (auto& e : fs::directory_iterator(target.parent_path()))
    left.push_back(e.path().filename().string());
  CHECK(left == std::vector<std::string>{"run.json"});
  CHECK((fs::status(target).permissions() & fs::perms::others_read) != fs::perms::none);

  // A whole run, through the file helpers.
  const RunResult r = test::fixture_run();
  write_run_file(target.string(), r);
  const RunResult back = read_run_file(target.string());
  REQUIRE(back.benchmarks.size() == 2);
  check_same(back.benchmarks[0], r.benchmarks[0]);
  CHECK(slurp(target) == to_json(r).dump(1) + "\n");
}

TEST_CASE("result files: a write that fails leaves the previous file intact") {
  TempDir dir;
  const fs::path target = dir.path / "run.json";
  write_json_atomic(target.string(), ojson{{"n", 1}});
  const std::string before = slurp(target);

  SECTION("the disk refuses the data (file size limit)") {
    // RLIMIT_FSIZE makes write() fail with EFBIG part-way, as a full disk would.
    rlimit old{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = old;
    small.rlim_cur = 64;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    ojson big = {{"text", std::string(4096, 'x')}};
    bool threw = false;
    try {
      write_json_atomic(target.string(), big);
    } catch (const Error& e) {
      threw = true;
      CHECK_THAT(e.what(), Catch::Contains(target.string()));
    }
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);
    CHECK(threw);
  }
  SECTION("the target's name is taken by a directory") {
    const fs::path blocked = dir.path / "blocked.json";
    fs::create_directories(blocked / "inside");
    CHECK_THROWS_AS(write_json_atomic(blocked.string(), ojson{{"n", 2}}), Error);
    CHECK(fs::is_directory(blocked / "inside"));
    fs::remove_all(blocked);
  }
  CHECK(slurp(target) == before);
  CHECK(dir.names() == std::vector<std::string>{"run.json"});
}

TEST_CASE("result files: missing and malformed files are BadInput naming the file") {
  TempDir dir;
  const std::string missing = (dir.path / "nope.json").string();
  try {
    read_json_file(missing);
    FAIL("read a missing file");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK_THAT(e.what(), Catch::Contains(missing));
    CHECK_THAT(e.what(), Catch::Contains("does not exist"));
  }
  const fs::path bad = dir.path / "bad.json";
  spit(bad, "{\"a\": 1,, \"b\": 2}");  // the second ',' is the 9th byte
  try {
    read_json_file(bad.string());
    FAIL("read malformed JSON");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK_THAT(e.what(), Catch::Contains(bad.string()));
    CHECK_THAT(e.what(), Catch::Contains("byte 9"));
    CHECK_THAT(e.what(), Catch::Contains("line 1, column 9"));
  }
  spit(bad, "");
  CHECK_THROWS_AS(read_run_file(bad.string()), Error);
  spit(bad, "[1, 2]");
  try {
    read_run_file(bad.string());
    FAIL("read an array as a run");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    CHECK_THAT(e.what(), Catch::Contains("expected an object"));
  }
}

TEST_CASE("result schema: a written run validates against results/schema/result.schema.json") {
  TempDir dir;
  const fs::path doc = dir.path / "run.json";
  write_run_file(doc.string(), test::fixture_run());
  auto [rc, out] = validate_with_python(doc);
  if (rc == 77) {
    WARN("SKIPPED: " << out);
    return;
  }
  INFO(out);
  CHECK(rc == 0);

  // The schema is not vacuous: each of these breaks it (one python run checks them all).
  const std::vector<std::pair<std::string, void (*)(ojson&)>> tampered = {
      {"state", [](ojson& j) { j["benchmarks"][0]["state"] = "great"; }},
      {"no_summaries", [](ojson& j) { j["benchmarks"][1].erase("summaries"); }},
      {"no_unit", [](ojson& j) { j["benchmarks"][0]["summaries"][3].erase("unit"); }},
      {"no_reason", [](ojson& j) { j["benchmarks"][1]["reason"] = nullptr; }},
      {"passed_failing", [](ojson& j) { j["benchmarks"][0]["correctness"]["verdict"] = "fail"; }},
      {"stopping", [](ojson& j) { j["benchmarks"][0]["validity"]["stopping"] = "max-time"; }},
      {"sample_string", [](ojson& j) { j["benchmarks"][0]["samples"]["host"][0] = "0.006"; }},
      {"major", [](ojson& j) { j["schema_version"] = "2.0"; }},
  };
  std::string paths;
  for (auto& [name, tamper] : tampered) {
    ojson j = to_json(test::fixture_run());
    tamper(j);
    const fs::path p = dir.path / ("tampered_" + name + ".json");
    spit(p, j.dump(1));
    // (appended piecewise: GCC 12 -O3 warns falsely on `" " + std::string` here, -Wrestrict)
    paths += ' ';
    paths += p.string();
  }
  auto [rc2, out2] = validate_with_python(paths.substr(1));
  INFO(out2);
  CHECK(rc2 == 1);
  for (auto& [name, tamper] : tampered)
    CHECK_THAT(out2, Catch::Contains("tampered_" + name + ".json: at"));
}
