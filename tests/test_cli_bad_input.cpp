// End-to-end tests of bad input to the infermark executable: each mistake exits with code 2,
// prints one message naming the file and the key, and writes nothing (an existing --out file is
// left byte for byte as it was).
#include <catch2/catch.hpp>

#include <filesystem>

#include "suites/safetensors.hpp"
#include "support/cli_fixture.hpp"
#include "support/tiny_gpt2_checkpoint.hpp"

using namespace infermark;
using namespace infermark::test;

namespace {

// One model of each family and a workload for each, all valid; cases replace one piece.
const std::string kEncoder = R"("enc": {"family": "encoder", "hidden": 32, "heads": 2, "ffn": 64,
  "layers": 1, "vocab": 100, "norm": "layernorm", "activation": "gelu", "position": "learned",
  "max_seq": 32})";
const std::string kDecoder = R"("dec": {"family": "decoder", "hidden": 32, "heads": 4,
  "kv_heads": 2, "ffn": 48, "layers": 1, "vocab": 100, "norm": "rmsnorm",
  "activation": "silu_glu", "position": "rope", "max_seq": 16})";
const std::string kEncodeWorkload =
    R"({"model": "enc", "phase": "encode", "batch": 1, "seq": 8, "precision": "f32"})";
const std::string kDecodeWorkload =
    R"({"model": "dec", "phase": "decode", "batch": 1, "seq": 1, "context": 7, "precision": "f32"})";

std::string suite_text(const std::string& models, const std::string& workloads,
                       const std::string& head = R"("name": "bad", "version": 1,)") {
  return "{" + head + R"( "settings": {"warmup_s": 0.01, "min_time_s": 0.05, "max_time_s": 0.1},
    "models": {)" + models + R"(}, "workloads": [)" + workloads + "]}";
}

std::string valid_suite() { return suite_text(kEncoder + "," + kDecoder, kEncodeWorkload + "," + kDecodeWorkload); }

// The contract for one bad invocation of `run`: exit code exactly 2 (no signal), exactly one
// line on stderr containing every expected fragment, and --out untouched — absent when it did
// not exist, byte-identical when it did.
void expect_rejected(const ScratchDir& dir, const std::vector<std::string>& args,
                     const std::vector<std::string>& fragments) {
  for (bool out_exists : {false, true}) {
    const std::string out = dir.file(out_exists ? "existing.json" : "absent.json");
    const std::string before = "{\"not\": \"a result, and must survive\"}\n";
    std::filesystem::remove(out);
    if (out_exists) write_text(out, before);
    std::vector<std::string> all{"run", "--quick", "--quiet", "--cache-dir", dir.cache(), "--out", out};
    all.insert(all.end(), args.begin(), args.end());
    const ProcessResult r = run_infermark(all);
    INFO("args: " << Catch::Detail::stringify(args) << (out_exists ? " (existing --out)" : "")
                  << "\n" << transcript(r));
    REQUIRE(r.exited);
    CHECK(r.exit_code == 2);
    const auto lines = lines_of(r.err);
    CHECK(lines.size() == 1);
    // One clear message, not a dump (an unknown workload key lists all 18 keys: ~310 bytes).
    CHECK(r.err.size() < 400);
    CHECK_THAT(r.err, Catch::StartsWith("infermark: "));
    for (const auto& f : fragments) CHECK_THAT(r.err, Catch::Contains(f));
    if (out_exists)
      CHECK(read_text(out) == before);
    else
      CHECK_FALSE(exists(out));
    // No temporary file of an atomic write may be left behind either.
    for (const auto& e : std::filesystem::directory_iterator(dir.path()))
      CHECK(e.path().filename().string().find(".tmp") == std::string::npos);
  }
}

// A suite file with `text`, run on the reference backend; the message must name the file and
// each fragment.
void expect_suite_rejected(const ScratchDir& dir, const std::string& text,
                           std::vector<std::string> fragments) {
  const std::string suite = dir.file("suite.json");
  write_text(suite, text);
  fragments.insert(fragments.begin(), suite);
  expect_rejected(dir, {"--suite", suite, "--backend", "reference"}, fragments);
}

}  // namespace

TEST_CASE("cli bad input: a malformed suite file") {
  ScratchDir dir;
  expect_suite_rejected(dir, R"({"name": "bad", "version": 1, "workloads": [)", {"malformed JSON"});
  expect_suite_rejected(dir, R"({"name": "bad", "version": 1,, "workloads": []})", {"malformed JSON"});
}

TEST_CASE("cli bad input: an unknown key, a wrong type, a missing key") {
  ScratchDir dir;
  expect_suite_rejected(
      dir, suite_text(kEncoder, R"({"model": "enc", "phase": "encode", "batch": 1, "seq": 8,
        "precision": "f32", "bacth": 2})"),
      {"/workloads/0/bacth", "unknown key"});
  expect_suite_rejected(dir, suite_text(kEncoder, kEncodeWorkload, R"("name": "bad", "version": 1, "setings": {},)"),
                        {"/setings", "unknown key"});
  expect_suite_rejected(
      dir, suite_text(kEncoder, R"({"model": "enc", "phase": "encode", "batch": "two", "seq": 8,
        "precision": "f32"})"),
      {"/workloads/0/batch"});
  expect_suite_rejected(dir, suite_text(kEncoder, kEncodeWorkload, R"("name": "bad", "version": "1",)"),
                        {"/version"});
  // A suite without a name.
  expect_suite_rejected(dir, suite_text(kEncoder, kEncodeWorkload, R"("version": 1,)"),
                        {"\"name\""});
}

TEST_CASE("cli bad input: zero and negative batch sizes") {
  ScratchDir dir;
  expect_suite_rejected(
      dir, suite_text(kEncoder, R"({"model": "enc", "phase": "encode", "batch": 0, "seq": 8, "precision": "f32"})"),
      {"/workloads/0/batch"});
  expect_suite_rejected(
      dir, suite_text(kEncoder, kEncodeWorkload + R"(, {"model": "enc", "phase": "encode", "batch": -3,
        "seq": 8, "precision": "f32"})"),
      {"/workloads/1/batch"});
  expect_suite_rejected(
      dir, suite_text(kEncoder, R"({"model": "enc", "phase": "encode", "batch": [1, 0], "seq": 8, "precision": "f32"})"),
      {"/workloads/0/batch/1"});
}

TEST_CASE("cli bad input: impossible model shapes") {
  ScratchDir dir;
  // 30 hidden units cannot be split into 4 heads.
  expect_suite_rejected(
      dir, suite_text(R"("enc": {"family": "encoder", "hidden": 30, "heads": 4, "ffn": 64, "layers": 1,
        "vocab": 100, "norm": "layernorm", "activation": "gelu", "position": "learned", "max_seq": 32})",
                      kEncodeWorkload),
      {"/models/enc/heads"});
  // 4 query heads cannot share 3 KV heads.
  expect_suite_rejected(
      dir, suite_text(R"("dec": {"family": "decoder", "hidden": 32, "heads": 4, "kv_heads": 3, "ffn": 48,
        "layers": 1, "vocab": 100, "norm": "rmsnorm", "activation": "silu_glu", "position": "rope",
        "max_seq": 16})",
                      kDecodeWorkload),
      {"/models/dec/kv_heads"});
}

TEST_CASE("cli bad input: seq + context beyond max_seq") {
  ScratchDir dir;
  // max_seq 16: a decode step of 1 token after 16 cached ones needs 17 positions.
  expect_suite_rejected(
      dir, suite_text(kDecoder, R"({"model": "dec", "phase": "decode", "batch": 1, "seq": 1,
        "context": [7, 16], "precision": "f32"})"),
      {"/workloads/0/context", "max_seq"});
  expect_suite_rejected(
      dir, suite_text(kDecoder, R"({"model": "dec", "phase": "prefill", "batch": 1, "seq": 17, "precision": "f32"})"),
      {"/workloads/0/seq", "max_seq"});
}

TEST_CASE("cli bad input: an unknown model") {
  ScratchDir dir;
  expect_suite_rejected(
      dir, suite_text(kEncoder, R"({"model": "no-such-model", "phase": "encode", "batch": 1, "seq": 8,
        "precision": "f32"})"),
      {"/workloads/0/model", "no-such-model"});
}

TEST_CASE("cli bad input: unknown backend, precision, suite name and filter regex") {
  ScratchDir dir;
  const std::string suite = dir.file("suite.json");
  write_text(suite, valid_suite());
  expect_rejected(dir, {"--suite", suite, "--backend", "nosuch"}, {"nosuch", "reference"});
  expect_rejected(dir, {"--suite", suite, "--backend", "reference", "--precision", "f8"},
                  {"--precision", "f8"});
  expect_rejected(dir, {"--suite", "no-such-suite", "--backend", "reference"},
                  {"no-such-suite", "smoke"});
  expect_rejected(dir, {"--suite", dir.file("missing.json"), "--backend", "reference"},
                  {dir.file("missing.json")});
  expect_rejected(dir, {"--suite", suite, "--backend", "reference", "--filter", "enc/(["},
                  {"--filter", "enc/(["});
  expect_rejected(dir, {"--suite", suite, "--backend", "reference", "--timeout", "abc"},
                  {"--timeout", "abc"});
  expect_rejected(dir, {"--suite", suite, "--backend", "reference", "--threads", "-1"},
                  {"--threads", "-1"});
  expect_rejected(dir, {"--suite", suite, "--backend", "reference", "--no-such-option"},
                  {"--no-such-option"});
}

TEST_CASE("cli bad input: an --out that cannot be written is refused before anything runs") {
  ScratchDir dir;
  const std::string suite = dir.file("suite.json");
  write_text(suite, valid_suite());
  const std::string a_file = dir.file("a-file");
  write_text(a_file, "not a directory\n");
  const std::string a_dir = dir.file("a-dir");
  std::filesystem::create_directories(a_dir);
  for (const std::string& out : {a_dir, a_file + "/result.json"}) {
    const ProcessResult r = run_infermark({"run", "--quick", "--quiet", "--cache-dir", dir.cache(),
                                           "--backend", "reference", "--suite", suite, "--out", out});
    INFO("--out " << out << "\n" << transcript(r));
    REQUIRE(r.exited);
    CHECK(r.exit_code == 2);
    CHECK(lines_of(r.err).size() == 1);
    CHECK_THAT(r.err, Catch::Contains("--out"));
    CHECK_THAT(r.err, Catch::Contains(out == a_dir ? a_dir : a_file));
    // Refused before the first benchmark: nothing was computed, so nothing was cached.
    CHECK_FALSE(exists(dir.cache()));
  }
  CHECK(read_text(a_file) == "not a directory\n");
  CHECK(std::filesystem::is_empty(a_dir));
}

TEST_CASE("cli bad input: missing, truncated and mismatched weights files") {
  ScratchDir dir;
  const std::string suite = dir.file("gpt.json");
  write_text(suite, kTinyGpt2Suite);
  const std::vector<std::string> run{"--suite", suite, "--backend", "reference"};
  auto with = [&](const std::string& weights) {
    auto a = run;
    a.insert(a.end(), {"--weights", weights});
    return a;
  };

  const std::string missing = dir.file("missing.safetensors");
  expect_rejected(dir, with(missing), {"--weights", missing});

  const std::string good = dir.file("good.safetensors");
  write_safetensors(good, tiny_gpt2_checkpoint());
  const std::string text = read_text(good);
  const std::string truncated = dir.file("truncated.safetensors");
  write_text(truncated, text.substr(0, text.size() / 2));
  expect_rejected(dir, with(truncated), {truncated});
  const std::string header_only = dir.file("header-cut.safetensors");
  write_text(header_only, text.substr(0, 20));  // the 8-byte length, then part of the header
  expect_rejected(dir, with(header_only), {header_only});

  const std::string wrong = dir.file("wrong-shape.safetensors");
  write_safetensors(wrong, tiny_gpt2_checkpoint(33));
  expect_rejected(dir, with(wrong), {wrong, "h.0.mlp.c_fc.weight", "[16, 32]", "[16, 33]"});
}

TEST_CASE("cli bad input: validate of a malformed, truncated or mistyped result file") {
  ScratchDir dir;
  // A real result to damage: one tiny benchmark.
  const std::string suite = dir.file("suite.json");
  write_text(suite, suite_text(kEncoder, kEncodeWorkload));
  const std::string good = dir.file("good.json");
  const ProcessResult made = run_infermark({"run", "--quick", "--quiet", "--backend", "reference",
                                        "--cache-dir", dir.cache(), "--suite", suite, "--out", good});
  INFO(transcript(made));
  REQUIRE(made.exit_code == 0);
  const std::string text = read_text(good);

  auto expect_validate_rejects = [&](const std::string& file, const std::vector<std::string>& fragments) {
    const ProcessResult r = run_infermark({"validate", file});
    INFO(file << "\n" << transcript(r));
    REQUIRE(r.exited);
    CHECK(r.exit_code == 2);
    CHECK(lines_of(r.err).size() == 1);
    CHECK_THAT(r.err, Catch::Contains(file));
    for (const auto& f : fragments) CHECK_THAT(r.err, Catch::Contains(f));
  };

  const std::string truncated = dir.file("truncated.json");
  write_text(truncated, text.substr(0, text.size() / 2));
  expect_validate_rejects(truncated, {"malformed JSON"});

  const std::string malformed = dir.file("malformed.json");
  write_text(malformed, "{\"schema\": \"infermark-result\",, }");
  expect_validate_rejects(malformed, {"malformed JSON"});

  const std::string empty = dir.file("empty.json");
  write_text(empty, "");
  expect_validate_rejects(empty, {});

  expect_validate_rejects(dir.file("absent.json"), {});

  nlohmann::ordered_json doc = nlohmann::ordered_json::parse(text);
  doc["benchmarks"] = "none";
  const std::string mistyped = dir.file("mistyped.json");
  write_text(mistyped, doc.dump(1));
  expect_validate_rejects(mistyped, {"/benchmarks"});
}

TEST_CASE("cli bad input: an int4w group size the model cannot use") {
  ScratchDir dir;
  // kEncoder has hidden 32: groups of 128 cannot tile its matmuls' K.
  expect_suite_rejected(
      dir, suite_text(kEncoder, R"({"model": "enc", "phase": "encode", "batch": 1, "seq": 8,
        "precision": "int4w", "group_size": 128})"),
      {"/workloads/0/group_size", "does not divide hidden = 32", "enc/encode/b1/s8/int4w-g128-bf16/l1"});
  expect_suite_rejected(
      dir, suite_text(kEncoder, R"({"model": "enc", "phase": "encode", "batch": 1, "seq": 8,
        "precision": "int4w", "group_size": 64})"),
      {"/workloads/0/group_size", "expected 32 or 128"});
  expect_suite_rejected(
      dir, suite_text(kEncoder, R"({"model": "enc", "phase": "encode", "batch": 1, "seq": 8,
        "precision": ["f32", "int8"], "group_size": 32})"),
      {"/workloads/0/group_size", "int4w only"});
  expect_suite_rejected(
      dir, suite_text(kEncoder, R"({"model": "enc", "phase": "encode", "batch": 1, "seq": 8,
        "precision": "int8", "compute": "int8"})"),
      {"/workloads/0/compute"});
}
