// End-to-end tests of `infermark run` (and validate, list, --version): the built executable is
// run as a user would run it, in a private directory, and its result files are read back.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>

#include "suites/safetensors.hpp"
#include "support/cli_fixture.hpp"
#include "support/tiny_gpt2_checkpoint.hpp"

using namespace infermark;
using namespace infermark::test;
using nlohmann::json;

namespace {

// Two inline models, an encoder and a GQA/RoPE decoder, and 7 workloads:
//   enc: encode b1,b2 × f32,bf16 (4); dec: prefill b1 s8 f32 (1); dec: decode b2 c9 f32,bf16 (2).
// Settings are loose (±50% CI target) so a busy machine still gives "passed".
const char* kMiniSuite = R"({
  "name": "cli-mini",
  "version": 1,
  "settings": {"warmup_s": 0.01, "min_time_s": 0.05, "max_time_s": 0.2, "min_iterations": 3,
               "target_ci": 0.5, "seed": 7, "correctness_budget_s": 10},
  "models": {
    "enc": {"family": "encoder", "hidden": 32, "heads": 2, "ffn": 64, "layers": 1, "vocab": 100,
            "norm": "layernorm", "activation": "gelu", "position": "learned", "max_seq": 32},
    "dec": {"family": "decoder", "hidden": 32, "heads": 4, "kv_heads": 2, "ffn": 48, "layers": 2,
            "vocab": 100, "norm": "rmsnorm", "activation": "silu_glu", "position": "rope",
            "max_seq": 64}
  },
  "workloads": [
    {"model": "enc", "phase": "encode", "batch": [1, 2], "seq": 8, "precision": ["f32", "bf16"]},
    {"model": "dec", "phase": "prefill", "batch": 1, "seq": 8, "precision": "f32"},
    {"model": "dec", "phase": "decode", "batch": 2, "seq": 1, "context": 9, "precision": ["f32", "bf16"]}
  ]
})";

// The ids the suite above must expand to (written out by hand from the id format
// model/phase/bB/sS[/cC]/precision/lL).
const std::set<std::string> kMiniIds = {
    "enc/encode/b1/s8/f32/l1",      "enc/encode/b1/s8/bf16/l1",  "enc/encode/b2/s8/f32/l1",
    "enc/encode/b2/s8/bf16/l1",     "dec/prefill/b1/s8/f32/l2",  "dec/decode/b2/s1/c9/f32/l2",
    "dec/decode/b2/s1/c9/bf16/l2"};

std::string write_mini_suite(const ScratchDir& dir) {
  const std::string path = dir.file("mini.json");
  write_text(path, kMiniSuite);
  return path;
}

// `run` with the options every test here uses: the reference backend, --quick, a private cache.
ProcessResult run_cli(const ScratchDir& dir, std::vector<std::string> args,
                      const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> all{"run", "--backend", "reference", "--quick", "--quiet",
                               "--cache-dir", dir.cache()};
  all.insert(all.end(), args.begin(), args.end());
  return run_infermark(all, env);
}

std::set<std::string> workload_ids(const json& doc) {
  std::set<std::string> ids;
  for (const auto& b : doc.at("benchmarks")) ids.insert(b.at("workload").at("id").get<std::string>());
  return ids;
}

const json& benchmark_for(const json& doc, const std::string& workload_id) {
  for (const auto& b : doc.at("benchmarks"))
    if (b.at("workload").at("id") == workload_id) return b;
  FAIL("no benchmark for workload " << workload_id);
  throw std::logic_error("unreachable");
}

// passed, or mistrusted with a warning (a noisy machine); and a correct output either way.
void check_measured_and_correct(const json& b) {
  INFO(b.at("id").get<std::string>() << ": " << b.at("reason").dump());
  const std::string state = b.at("state");
  CHECK((state == "passed" || state == "mistrusted"));
  if (state == "mistrusted")
    WARN("mistrusted (noisy machine?): " << b.at("id").get<std::string>() << ": "
                                         << b.at("reason").dump());
  CHECK(b.at("correctness").at("verdict") == "pass");
}

void check_validates(const std::string& file) {
  const ProcessResult v = run_infermark({"validate", file});
  INFO(transcript(v));
  CHECK(v.exited);
  CHECK(v.exit_code == 0);
}

std::string python_with_numpy() {
  std::vector<std::string> candidates{"/usr/bin/python3"};
  if (const char* path = std::getenv("PATH")) {
    std::istringstream dirs(path);
    for (std::string d; std::getline(dirs, d, ':');)
      if (!d.empty() && exists(d + "/python3")) candidates.push_back(d + "/python3");
  }
  for (const auto& py : candidates) {
    if (!exists(py)) continue;
    if (run_process({py, "-c", "import numpy"}).exit_code == 0) return py;
  }
  return "";
}

}  // namespace

TEST_CASE("cli run: the smoke suite runs, passes and validates") {
  ScratchDir dir;
  const std::string out = dir.file("smoke.json");
  const ProcessResult r = run_cli(dir, {"--suite", "smoke", "--out", out});
  INFO(transcript(r));
  REQUIRE(r.exited);
  CHECK(r.exit_code == 0);
  REQUIRE(exists(out));
  check_validates(out);

  const json doc = read_json(out);
  CHECK(doc.at("run").at("complete") == true);
  CHECK(doc.at("run").at("suite").at("name") == "smoke");
  // suites/smoke.json: tiny-bert 2×2, tiny-gpt2 prefill 2 + decode 2, tiny-llama 2 + 2.
  CHECK(doc.at("benchmarks").size() == 12);
  for (const auto& b : doc.at("benchmarks")) {
    CHECK(b.at("backend") == "reference");
    check_measured_and_correct(b);
  }
}

TEST_CASE("cli run: a suite file with inline encoder and decoder models runs and passes") {
  ScratchDir dir;
  const std::string suite = write_mini_suite(dir), out = dir.file("mini-result.json");
  const ProcessResult r = run_cli(dir, {"--suite", suite, "--out", out});
  INFO(transcript(r));
  REQUIRE(r.exited);
  CHECK(r.exit_code == 0);
  REQUIRE(exists(out));
  check_validates(out);
  const json doc = read_json(out);
  CHECK(doc.at("run").at("complete") == true);
  CHECK(doc.at("run").at("suite").at("name") == "cli-mini");
  CHECK(doc.at("run").at("seed") == 7);
  CHECK(workload_ids(doc) == kMiniIds);
  CHECK(doc.at("benchmarks").size() == kMiniIds.size());
  for (const auto& b : doc.at("benchmarks")) check_measured_and_correct(b);
  // The decoder's definition travels with the result: GQA 4/2, RoPE, RMSNorm.
  const json& dec = benchmark_for(doc, "dec/decode/b2/s1/c9/bf16/l2").at("workload");
  CHECK(dec.at("model").at("kv_heads") == 2);
  CHECK(dec.at("model").at("position") == "rope");
  CHECK(dec.at("context") == 9);
  CHECK(dec.at("tokens") == 2);  // batch 2 × seq 1
}

TEST_CASE("cli run: --filter and --precision select the matching workloads only") {
  ScratchDir dir;
  const std::string suite = write_mini_suite(dir);
  struct Case {
    std::vector<std::string> args;
    std::set<std::string> expected;
  };
  const std::vector<Case> cases = {
      {{"--filter", "^enc/"},
       {"enc/encode/b1/s8/f32/l1", "enc/encode/b1/s8/bf16/l1", "enc/encode/b2/s8/f32/l1",
        "enc/encode/b2/s8/bf16/l1"}},
      {{"--precision", "bf16"},
       {"enc/encode/b1/s8/bf16/l1", "enc/encode/b2/s8/bf16/l1", "dec/decode/b2/s1/c9/bf16/l2"}},
      {{"--filter", "decode|b2", "--precision", "f32"},
       {"enc/encode/b2/s8/f32/l1", "dec/decode/b2/s1/c9/f32/l2"}},
  };
  int n = 0;
  for (const auto& c : cases) {
    const std::string out = dir.file("subset" + std::to_string(n++) + ".json");
    std::vector<std::string> args{"--suite", suite, "--out", out};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const ProcessResult r = run_cli(dir, args);
    INFO(transcript(r));
    REQUIRE(r.exit_code == 0);
    const json doc = read_json(out);
    CHECK(doc.at("benchmarks").size() == c.expected.size());
    CHECK(workload_ids(doc) == c.expected);
    CHECK(doc.at("run").at("complete") == true);
  }
}

TEST_CASE("cli run: each injected fault ends its benchmark alone, the others pass and the file validates") {
  // Every way a child can die or refuse, and the state and reason it must leave behind.
  struct Fault {
    const char* kind;
    const char* state;
    std::vector<const char*> reason;  // any of these
  };
  const std::vector<Fault> faults = {
      {"crash", "failed", {"signal 6", "SIGABRT", "Aborted"}},
      {"segv", "failed", {"signal 11", "SIGSEGV", "Segmentation", "SEGV"}},  // ASan: "SEGV", then abort
      {"throw", "failed", {"injected fault"}},
      // Real exhaustion under a capped address space: bad_alloc, or a sanitizer's abort.
      {"oom", "failed", {"out of host memory", "signal 6", "SIGABRT"}},
      {"device-oom", "skipped", {"does not fit", "device allocation failed"}},
  };
  ScratchDir dir;
  const std::string suite = write_mini_suite(dir);
  for (const Fault& f : faults) {
    DYNAMIC_SECTION(f.kind) {
      const std::string out = dir.file(std::string(f.kind) + ".json");
      const ProcessResult r = run_cli(dir, {"--suite", suite, "--filter", "^dec/", "--out", out},
                                      {{"INFERMARK_TEST_FAULT", std::string(f.kind) + ":^dec/prefill/"}});
      INFO(transcript(r));
      REQUIRE(r.exited);
      CHECK(r.exit_code == (std::string(f.state) == "failed" ? 1 : 0));
      REQUIRE(exists(out));
      check_validates(out);
      const json doc = read_json(out);
      CHECK(doc.at("run").at("complete") == true);
      REQUIRE(doc.at("benchmarks").size() == 3);
      const json& hit = benchmark_for(doc, "dec/prefill/b1/s8/f32/l2");
      CHECK(hit.at("state") == f.state);
      const std::string reason = hit.at("reason");
      INFO("reason: " << reason);
      CHECK(std::any_of(f.reason.begin(), f.reason.end(),
                        [&](const char* want) { return reason.find(want) != std::string::npos; }));
      check_measured_and_correct(benchmark_for(doc, "dec/decode/b2/s1/c9/f32/l2"));
      check_measured_and_correct(benchmark_for(doc, "dec/decode/b2/s1/c9/bf16/l2"));
    }
  }
}

TEST_CASE("cli run: a hanging benchmark is killed at --timeout and recorded as timed out") {
  ScratchDir dir;
  const std::string suite = write_mini_suite(dir), out = dir.file("hang.json");
  const auto t0 = std::chrono::steady_clock::now();
  const ProcessResult r =
      run_cli(dir, {"--suite", suite, "--filter", "^dec/", "--timeout", "2", "--out", out},
              {{"INFERMARK_TEST_FAULT", "hang:^dec/decode/b2/s1/c9/bf16/"}});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO(transcript(r));
  REQUIRE(r.exited);
  CHECK(r.exit_code == 1);
  CHECK(seconds < 60);  // the hang ended at the time-out, not at the test's own limit
  REQUIRE(exists(out));
  check_validates(out);
  const json doc = read_json(out);
  REQUIRE(doc.at("benchmarks").size() == 3);
  const json& hung = benchmark_for(doc, "dec/decode/b2/s1/c9/bf16/l2");
  CHECK(hung.at("state") == "failed");
  CHECK_THAT(hung.at("reason").get<std::string>(), Catch::Contains("timed out"));
  check_measured_and_correct(benchmark_for(doc, "dec/prefill/b1/s8/f32/l2"));
  check_measured_and_correct(benchmark_for(doc, "dec/decode/b2/s1/c9/f32/l2"));
}

TEST_CASE("cli run: --save-tensors writes each benchmark's input ids and output as .npy") {
  ScratchDir dir;
  const std::string suite = write_mini_suite(dir), out = dir.file("tensors.json");
  const std::string tensors = dir.file("tensors");
  const ProcessResult r = run_cli(dir, {"--suite", suite, "--filter", "b2/s8/f32|c9/f32",
                                        "--save-tensors", tensors, "--out", out});
  INFO(transcript(r));
  REQUIRE(r.exit_code == 0);
  const json doc = read_json(out);
  REQUIRE(doc.at("benchmarks").size() == 2);

  // One folder per benchmark, named by its id with '/', '@' and ':' made '_'.
  std::map<std::string, std::string> folder;  // workload id → folder
  for (const auto& b : doc.at("benchmarks")) {
    std::string name = b.at("id");
    std::replace_if(name.begin(), name.end(), [](char c) { return c == '/' || c == '@' || c == ':'; }, '_');
    const std::string f = tensors + "/" + name;
    INFO(f);
    CHECK(exists(f + "/token_ids.npy"));
    CHECK(exists(f + "/output.npy"));
    folder[b.at("workload").at("id")] = f;
  }
  size_t folders = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(tensors)) ++folders;
  CHECK(folders == 2);

  const std::string py = python_with_numpy();
  if (py.empty()) {
    WARN("numpy is not available to python3: the .npy shapes are not checked");
    return;
  }
  // Encoder: ids [B*S] = [16], output [B*S, hidden] = [16, 32].
  // Decoder decode step: ids [B*S] = [2], output logits of the last token [B, vocab] = [2, 100].
  const std::string script =
      "import numpy, sys\n"
      "for f in sys.argv[1:]:\n"
      "    a = numpy.load(f)\n"
      "    print(a.dtype.kind + ' ' + 'x'.join(str(d) for d in a.shape) + ' ' +\n"
      "          str(bool(numpy.isfinite(a).all())))\n";
  const std::string enc = folder.at("enc/encode/b2/s8/f32/l1"),
                    dec = folder.at("dec/decode/b2/s1/c9/f32/l2");
  const ProcessResult p = run_process({py, "-c", script, enc + "/token_ids.npy", enc + "/output.npy",
                                       dec + "/token_ids.npy", dec + "/output.npy"});
  INFO(transcript(p));
  REQUIRE(p.exit_code == 0);
  const auto lines = lines_of(p.out);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "i 16 True");
  CHECK(lines[1] == "f 16x32 True");
  CHECK(lines[2] == "i 2 True");
  CHECK(lines[3] == "f 2x100 True");
}

TEST_CASE("cli run: --weights runs a GPT-2-style checkpoint and records its digest") {
  ScratchDir dir;
  const std::string suite = dir.file("gpt.json");
  write_text(suite, kTinyGpt2Suite);
  const std::string weights = dir.file("gpt.safetensors");
  write_safetensors(weights, tiny_gpt2_checkpoint(32));
  const ProcessResult sum = run_process({"/usr/bin/sha256sum", weights});
  REQUIRE(sum.exit_code == 0);
  const std::string digest = sum.out.substr(0, 64);

  const std::string out = dir.file("gpt-result.json");
  const ProcessResult r = run_cli(dir, {"--suite", suite, "--weights", weights, "--out", out});
  INFO(transcript(r));
  REQUIRE(r.exited);
  CHECK(r.exit_code == 0);
  check_validates(out);
  const json doc = read_json(out);
  CHECK(doc.at("run").at("complete") == true);
  REQUIRE(doc.at("benchmarks").size() == 2);
  for (const auto& b : doc.at("benchmarks")) {
    check_measured_and_correct(b);
    const std::string w = b.at("workload").at("weights");
    CHECK_THAT(w, Catch::StartsWith("safetensors:sha256:"));
    CHECK(w == "safetensors:sha256:" + digest);
  }
}

TEST_CASE("cli run: a checkpoint with a wrong shape is bad input naming the tensor and shapes") {
  ScratchDir dir;
  const std::string suite = dir.file("gpt.json");
  write_text(suite, kTinyGpt2Suite);
  const std::string weights = dir.file("gpt-wrong.safetensors");
  write_safetensors(weights, tiny_gpt2_checkpoint(31));  // mlp.c_fc is [16, 31], the model needs [16, 32]
  const std::string out = dir.file("never.json");
  const ProcessResult r = run_cli(dir, {"--suite", suite, "--weights", weights, "--out", out});
  INFO(transcript(r));
  REQUIRE(r.exited);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(weights));
  CHECK_THAT(r.err, Catch::Contains("h.0.mlp.c_fc.weight"));
  CHECK_THAT(r.err, Catch::Contains("[16, 32]"));
  CHECK_THAT(r.err, Catch::Contains("[16, 31]"));
  CHECK_FALSE(exists(out));
}

TEST_CASE("cli list names the reference backend and the shipped suites, --version the version") {
  const ProcessResult l = run_infermark({"list"});
  INFO(transcript(l));
  REQUIRE(l.exited);
  CHECK(l.exit_code == 0);
  CHECK_THAT(l.out, Catch::Contains("reference"));
  for (const char* suite : {"smoke", "standard", "edge", "datacenter"})
    CHECK_THAT(l.out, Catch::Contains(std::string("  ") + suite + " v"));

  const ProcessResult v = run_infermark({"--version"});
  INFO(transcript(v));
  CHECK(v.exit_code == 0);
  // The version in the top-level CMakeLists.txt: project(infermark VERSION x.y.z …).
  const std::string cmake = read_text(std::string(INFERMARK_SOURCE_DIR) + "/CMakeLists.txt");
  const std::string key = "project(infermark VERSION ";
  const size_t at = cmake.find(key);
  REQUIRE(at != std::string::npos);
  const std::string version = cmake.substr(at + key.size(), cmake.find(' ', at + key.size()) - at - key.size());
  CHECK_THAT(v.out, Catch::Contains(version));
}
