// End-to-end test of an interrupted run: `infermark run` is killed with SIGKILL part-way, its
// result file must still be valid (complete: false, finished benchmarks only), and
// `run --resume FILE` must finish it without redoing or changing what was done.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "support/cli_fixture.hpp"

using namespace infermark::test;
using nlohmann::json;

namespace {

// Six tiny encoder workloads; min_time_s 0.3 makes each take about half a second, so the run
// can be caught part-way.
const char* kSixSuite = R"({
  "name": "cli-resume",
  "version": 1,
  "settings": {"warmup_s": 0.01, "min_time_s": 0.3, "max_time_s": 0.5, "min_iterations": 3,
               "target_ci": 0.5, "seed": 3, "correctness_budget_s": 10},
  "models": {
    "enc": {"family": "encoder", "hidden": 16, "heads": 2, "ffn": 32, "layers": 1, "vocab": 40,
            "norm": "layernorm", "activation": "gelu", "position": "learned", "max_seq": 16}
  },
  "workloads": [
    {"model": "enc", "phase": "encode", "batch": [1, 2, 3], "seq": 4, "precision": ["f32", "bf16"]}
  ]
})";

const std::set<std::string> kSixIds = {
    "enc/encode/b1/s4/f32/l1", "enc/encode/b1/s4/bf16/l1", "enc/encode/b2/s4/f32/l1",
    "enc/encode/b2/s4/bf16/l1", "enc/encode/b3/s4/f32/l1", "enc/encode/b3/s4/bf16/l1"};

// The number of benchmarks in `path`, or −1 while it does not exist or does not parse.
int benchmarks_in(const std::string& path) {
  if (!exists(path)) return -1;
  try {
    return int(read_json(path).at("benchmarks").size());
  } catch (const std::exception&) {
    return -1;
  }
}

// Freezes the run first (so it can neither start another benchmark nor record a killed one as
// failed), then kills its benchmark children, each in its own process group, then the run.
void kill_run(pid_t run) {
  kill(run, SIGSTOP);
  for (pid_t child : child_pids(run)) {
    kill(-child, SIGKILL);
    kill(child, SIGKILL);
  }
  kill(-run, SIGKILL);
  kill(run, SIGKILL);
}

// True while `pid` exists and is not a zombie (a zombie has ended; only its exit status is left).
bool running(pid_t pid) {
  const std::string stat = "/proc/" + std::to_string(pid) + "/stat";
  if (!exists(stat)) return false;
  try {
    const std::string text = read_text(stat);
    const size_t paren = text.rfind(')');
    return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] != 'Z';
  } catch (const std::exception&) {
    return false;  // it ended while being read
  }
}

void check_validates(const std::string& file) {
  const ProcessResult v = run_infermark({"validate", file});
  INFO(transcript(v));
  CHECK(v.exited);
  CHECK(v.exit_code == 0);
}

}  // namespace

TEST_CASE("cli resume: a run killed part-way keeps a valid partial file, and --resume ends it") {
  ScratchDir dir;
  const std::string suite = dir.file("six.json"), out = dir.file("run.json");
  write_text(suite, kSixSuite);
  // TMPDIR keeps the run's scratch files (left behind by SIGKILL) inside this test's directory.
  const std::string tmp = dir.file("tmp");
  std::filesystem::create_directories(tmp);

  const std::string tensors = dir.file("tensors");
  const pid_t run = start_process_group(
      {INFERMARK_BINARY, "run", "--suite", suite, "--backend", "reference", "--cache-dir",
       dir.cache(), "--save-tensors", tensors, "--out", out},
      dir.file("run.stdout"), dir.file("run.stderr"), {{"TMPDIR", tmp}});
  const auto t0 = std::chrono::steady_clock::now();
  bool caught = false;
  int status = 0;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(90)) {
    if (benchmarks_in(out) >= 2) {
      caught = true;
      break;
    }
    if (waitpid(run, &status, WNOHANG) == run) break;  // ended before it could be caught
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  INFO("run's stderr: " << read_text(dir.file("run.stderr")));
  if (!caught) kill_run(run);
  REQUIRE(caught);
  kill_run(run);
  REQUIRE(wait_process(run, 30) != -1);

  // The partial file: complete JSON, valid, not complete, finished benchmarks only.
  const json partial = read_json(out);
  check_validates(out);
  CHECK(partial.at("run").at("complete") == false);
  const size_t n_before = partial.at("benchmarks").size();
  CHECK(n_before >= 2);
  CHECK(n_before < kSixIds.size());
  std::map<std::string, json> before;
  for (const auto& b : partial.at("benchmarks")) {
    INFO(b.at("id").get<std::string>() << ": " << b.at("reason").dump());
    CHECK(kSixIds.count(b.at("workload").at("id")) == 1);
    const std::string state = b.at("state");
    CHECK((state == "passed" || state == "mistrusted"));  // none recorded as killed
    CHECK_FALSE(b.at("samples").at("host").empty());
    before[b.at("id")] = b;
  }

  // Resume with no option but the file; XDG_CACHE_HOME keeps its reference cache private too.
  const ProcessResult resumed = run_infermark({"run", "--resume", out}, {{"XDG_CACHE_HOME", dir.cache()},
                                                                     {"TMPDIR", tmp}});
  INFO(transcript(resumed));
  REQUIRE(resumed.exited);
  CHECK(resumed.exit_code == 0);
  check_validates(out);
  const json done = read_json(out);
  CHECK(done.at("run").at("complete") == true);
  CHECK(done.at("run").at("id") == partial.at("run").at("id"));
  CHECK(done.at("run").at("suite") == partial.at("run").at("suite"));
  std::multiset<std::string> ids;
  for (const auto& b : done.at("benchmarks")) ids.insert(b.at("workload").at("id").get<std::string>());
  CHECK(ids == std::multiset<std::string>(kSixIds.begin(), kSixIds.end()));
  for (const auto& b : done.at("benchmarks")) {
    auto it = before.find(b.at("id"));
    if (it == before.end()) continue;
    INFO("benchmark finished before the kill: " << it->first);
    CHECK(b.at("samples") == it->second.at("samples"));
    CHECK(b == it->second);
  }
  // --save-tensors carried over to the resumed part: every benchmark saved its output.
  size_t saved = 0;
  for (const auto& e : std::filesystem::directory_iterator(tensors))
    saved += exists(e.path().string() + "/output.npy");
  CHECK(saved == kSixIds.size());
}

TEST_CASE("cli resume: resuming with a changed suite file is refused and changes nothing") {
  ScratchDir dir;
  const std::string suite = dir.file("one.json"), out = dir.file("run.json");
  const std::string text = R"({"name": "cli-one", "version": 1,
    "settings": {"warmup_s": 0.01, "min_time_s": 0.05, "max_time_s": 0.1, "target_ci": 0.5},
    "models": {"enc": {"family": "encoder", "hidden": 16, "heads": 2, "ffn": 32, "layers": 1,
      "vocab": 40, "norm": "layernorm", "activation": "gelu", "position": "learned", "max_seq": 16}},
    "workloads": [{"model": "enc", "phase": "encode", "batch": 1, "seq": SEQ, "precision": "f32"}]})";
  auto with_seq = [&](const std::string& seq) {
    std::string t = text;
    t.replace(t.find("SEQ"), 3, seq);
    return t;
  };
  write_text(suite, with_seq("4"));
  const ProcessResult first = run_infermark({"run", "--quiet", "--backend", "reference", "--cache-dir",
                                         dir.cache(), "--suite", suite, "--out", out});
  INFO(transcript(first));
  REQUIRE(first.exit_code == 0);
  const std::string before = read_text(out);

  write_text(suite, with_seq("5"));  // the suite the run came from is no longer the same
  const ProcessResult r = run_infermark({"run", "--resume", out}, {{"XDG_CACHE_HOME", dir.cache()}});
  INFO(transcript(r));
  REQUIRE(r.exited);
  CHECK(r.exit_code == 2);
  CHECK(lines_of(r.err).size() == 1);
  CHECK_THAT(r.err, Catch::Contains(out));
  CHECK_THAT(r.err, Catch::Contains(suite));
  CHECK_THAT(r.err, Catch::Contains("different suite"));
  CHECK(read_text(out) == before);
}

TEST_CASE("cli resume: a run ended by a signal leaves no benchmark process behind") {
  // The benchmark child sits in its own process group, so a terminal's Ctrl-C or a TERM sent to
  // the run does not reach it; it must still end with the run, even when it hangs.
  ScratchDir dir;
  const std::string suite = dir.file("six.json"), out = dir.file("run.json");
  write_text(suite, kSixSuite);
  const std::string tmp = dir.file("tmp");
  std::filesystem::create_directories(tmp);
  for (int sig : {SIGTERM, SIGINT}) {
    INFO("signal " << sig);
    const pid_t run = start_process_group(
        {INFERMARK_BINARY, "run", "--suite", suite, "--backend", "reference", "--quick",
         "--cache-dir", dir.cache(), "--out", out},
        dir.file("run.stdout"), dir.file("run.stderr"),
        {{"TMPDIR", tmp}, {"INFERMARK_TEST_FAULT", "hang:."}});
    std::vector<pid_t> children;
    const auto t0 = std::chrono::steady_clock::now();
    while (children.empty() && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      children = child_pids(run);
    }
    if (children.empty()) kill_run(run);
    REQUIRE(children.size() == 1);
    kill(-run, sig);  // the run's group only, as a terminal would; the child has its own
    REQUIRE(wait_process(run, 30) != -1);
    bool ended = false;
    for (int i = 0; i < 500 && !ended; ++i) {
      ended = !running(children[0]);
      if (!ended) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!ended) kill(-children[0], SIGKILL);
    CHECK(ended);
  }
}
