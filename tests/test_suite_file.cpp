// Suite files: the documented format, sweep expansion, defaults, every bad-input message (file +
// JSON pointer + what was expected), lookup by name and path, and the shipped suites.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "common/error.hpp"
#include "common/sha256.hpp"
#include "suites/suite_file.hpp"

using namespace infermark;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using nlohmann::json;

namespace {

// The example from the issue, verbatim.
const char* kExample = R"({
  "name": "my-suite", "version": 1,
  "settings": {"warmup_s": 0.2, "min_time_s": 1.0, "max_time_s": 10, "min_iterations": 10, "target_ci": 0.01, "seed": 42},
  "models": {"tiny": {"family": "decoder", "hidden": 96, "heads": 6, "kv_heads": 2, "ffn": 256, "layers": 2,
                      "vocab": 512, "norm": "rmsnorm", "activation": "silu_glu", "position": "rope", "max_seq": 256}},
  "workloads": [
    {"model": "bert-base", "phase": "encode", "batch": [1, 8], "seq": 128, "precision": ["f32", "bf16"], "layers": 1},
    {"model": "tiny", "phase": "decode", "batch": 1, "seq": 1, "context": [64, 128], "precision": "f32"}
  ]
})";

const std::string kFile = "suites/x.json";
const std::string kSuitesDir = std::string(INFERMARK_SOURCE_DIR) + "/suites";
const std::string kFixtures = std::string(INFERMARK_SOURCE_DIR) + "/tests/data/suites";

json example() { return json::parse(kExample); }

std::vector<std::string> ids(const Suite& s) {
  std::vector<std::string> out;
  for (const auto& w : s.workloads) out.push_back(w.id());
  return out;
}

// Runs `f`, requires a BadInput Error and returns its message.
template <class F>
std::string bad_input_from(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    return e.what();
  }
  FAIL("expected a BadInput error, but nothing was thrown");
  return {};
}

std::string bad_text(const std::string& text) {
  return bad_input_from([&] { parse_suite(text, kFile); });
}
std::string bad_input(const json& j) { return bad_text(j.dump()); }

// The one message format: "FILE: at POINTER: what was expected".
void require_at(const std::string& message, const std::string& pointer, const std::string& expected) {
  INFO(message);
  REQUIRE_THAT(message, StartsWith(kFile + ": at " + pointer + ": "));
  REQUIRE_THAT(message, Contains(expected));
}

// A valid inline encoder, for encoder-specific cases.
json tiny_encoder() {
  return json::parse(R"({"family": "encoder", "hidden": 32, "heads": 4, "ffn": 64, "layers": 2,
      "vocab": 100, "norm": "layernorm", "activation": "gelu", "position": "learned", "max_seq": 64})");
}

}  // namespace

TEST_CASE("the issue's example suite parses and expands", "[suite_file]") {
  Suite s = parse_suite(kExample, kFile);
  CHECK(s.name == "my-suite");
  CHECK(s.version == 1);
  CHECK(s.path == kFile);
  CHECK(s.settings.warmup_s == 0.2);
  CHECK(s.settings.min_time_s == 1.0);
  CHECK(s.settings.max_time_s == 10.0);
  CHECK(s.settings.min_iterations == 10);
  CHECK(s.settings.target_ci == 0.01);
  CHECK(s.settings.seed == 42u);

  // 2 batches × 2 precisions + 2 contexts = 6, in file order, the last key varying fastest.
  REQUIRE(ids(s) == std::vector<std::string>{
                        "bert-base/encode/b1/s128/f32/l1",
                        "bert-base/encode/b1/s128/bf16/l1",
                        "bert-base/encode/b8/s128/f32/l1",
                        "bert-base/encode/b8/s128/bf16/l1",
                        "tiny/decode/b1/s1/c64/f32/l2",
                        "tiny/decode/b1/s1/c128/f32/l2",
                    });

  // Built-in models are not copied into Suite::models; inline ones are.
  REQUIRE(s.models.size() == 1);
  const ModelConfig& tiny = s.models.at("tiny");
  CHECK(tiny.name == "tiny");
  CHECK(tiny.family == Family::Decoder);
  CHECK(tiny.hidden == 96);
  CHECK(tiny.heads == 6);
  CHECK(tiny.kv_heads == 2);
  CHECK(tiny.head_dim == 16);  // 96 / 6
  CHECK(tiny.ffn == 256);
  CHECK(tiny.layers == 2);
  CHECK(tiny.vocab == 512);
  CHECK(tiny.norm == NormKind::RMSNorm);
  CHECK(tiny.activation == Activation::SiluGlu);
  CHECK(tiny.position == Position::Rope);
  CHECK(tiny.max_seq == 256);
  // Llama-style defaults: eps 1e-5, theta 10000, no biases, untied, no token types.
  CHECK(tiny.norm_eps == 1e-5);
  CHECK(tiny.rope_theta == 10000.0);
  CHECK_FALSE(tiny.attention_bias);
  CHECK_FALSE(tiny.mlp_bias);
  CHECK_FALSE(tiny.tied_embeddings);
  CHECK(tiny.type_vocab == 0);

  const Workload& w4 = s.workloads[4];
  CHECK(w4.model.name == "tiny");
  CHECK(w4.model.hidden == 96);
  CHECK(w4.phase == Phase::Decode);
  CHECK(w4.batch == 1);
  CHECK(w4.seq == 1);
  CHECK(w4.context == 64);
  CHECK(w4.precision == Precision::F32);
  CHECK(w4.layers == 2);  // full depth by default

  const Workload& w3 = s.workloads[3];
  CHECK(w3.model.name == "bert-base");
  CHECK(w3.model.layers == 12);
  CHECK(w3.layers == 1);
  CHECK(w3.batch == 8);
  CHECK(w3.context == 0);  // context defaults to 0
  CHECK(w3.precision == Precision::BF16);
}

TEST_CASE("sweeps expand as a cartesian product, first key outermost, values in file order",
          "[suite_file]") {
  json j = example();
  j["workloads"] = json::parse(R"([
    {"model": "tiny", "phase": ["prefill", "decode"], "batch": [2, 1], "seq": [8, 4],
     "precision": ["bf16", "f32"], "layers": [2, 1]}
  ])");
  Suite s = parse_suite(j.dump(), kFile);
  std::vector<std::string> expected;
  for (std::string phase : {"prefill", "decode"})
    for (std::string b : {"2", "1"})
      for (std::string sq : {"8", "4"})
        for (std::string p : {"bf16", "f32"})
          for (std::string l : {"2", "1"})
            expected.push_back("tiny/" + phase + "/b" + b + "/s" + sq +
                               (phase == "decode" ? "/c0" : "") + "/" + p + "/l" + l);
  REQUIRE(expected.size() == 32);
  CHECK(ids(s) == expected);

  // Context sweeps sit between seq and precision.
  j["workloads"] = json::parse(R"([
    {"model": "tiny", "phase": "decode", "batch": 1, "seq": [1, 2], "context": [10, 20],
     "precision": ["f32", "f16"]}
  ])");
  CHECK(ids(parse_suite(j.dump(), kFile)) ==
        std::vector<std::string>{"tiny/decode/b1/s1/c10/f32/l2", "tiny/decode/b1/s1/c10/f16/l2",
                                 "tiny/decode/b1/s1/c20/f32/l2", "tiny/decode/b1/s1/c20/f16/l2",
                                 "tiny/decode/b1/s2/c10/f32/l2", "tiny/decode/b1/s2/c10/f16/l2",
                                 "tiny/decode/b1/s2/c20/f32/l2", "tiny/decode/b1/s2/c20/f16/l2"});
}

TEST_CASE("defaults: model keys, workload layers and context, settings", "[suite_file]") {
  json j = example();
  j.erase("settings");
  j["models"]["plain"] = json::parse(R"({"family": "decoder", "hidden": 64, "heads": 8, "ffn": 128,
      "layers": 3, "vocab": 50, "norm": "layernorm", "activation": "gelu_tanh",
      "position": "learned", "max_seq": 32})");
  j["models"]["enc"] = tiny_encoder();
  j["workloads"] = json::parse(R"([
    {"model": "plain", "phase": "prefill", "batch": 1, "seq": 32, "precision": "f32"},
    {"model": "enc", "phase": "encode", "batch": 1, "seq": 64, "precision": "f32"},
    {"model": "gpt2", "phase": "decode", "batch": 1, "seq": 1, "precision": "f32"}
  ])");
  Suite s = parse_suite(j.dump(), kFile);

  MeasurementSettings defaults;
  CHECK(s.settings.warmup_s == defaults.warmup_s);
  CHECK(s.settings.min_time_s == defaults.min_time_s);
  CHECK(s.settings.max_time_s == defaults.max_time_s);
  CHECK(s.settings.min_iterations == defaults.min_iterations);
  CHECK(s.settings.target_ci == defaults.target_ci);
  CHECK(s.settings.seed == defaults.seed);
  CHECK(s.settings.timeout_s == defaults.timeout_s);
  CHECK(s.settings.correctness_budget_s == defaults.correctness_budget_s);

  // GPT-2 style: kv_heads = heads, head_dim = hidden / heads, biases, tied, eps 1e-5.
  const ModelConfig& plain = s.models.at("plain");
  CHECK(plain.kv_heads == 8);
  CHECK(plain.head_dim == 8);
  CHECK(plain.attention_bias);
  CHECK(plain.mlp_bias);
  CHECK(plain.tied_embeddings);
  CHECK(plain.norm_eps == 1e-5);
  CHECK(plain.type_vocab == 0);

  // BERT style: eps 1e-12, two token types, biases, no LM head to tie.
  const ModelConfig& enc = s.models.at("enc");
  CHECK(enc.kv_heads == 4);
  CHECK(enc.head_dim == 8);
  CHECK(enc.norm_eps == 1e-12);
  CHECK(enc.type_vocab == 2);
  CHECK(enc.attention_bias);
  CHECK(enc.mlp_bias);
  CHECK_FALSE(enc.tied_embeddings);

  CHECK(ids(s) == std::vector<std::string>{"plain/prefill/b1/s32/f32/l3", "enc/encode/b1/s64/f32/l2",
                                           "gpt2/decode/b1/s1/c0/f32/l12"});
  CHECK(s.workloads[2].context == 0);  // decode with an empty cache is allowed

  // Explicit values override the defaults.
  j["models"]["plain"]["head_dim"] = 16;  // heads × head_dim need not equal hidden
  j["models"]["plain"]["kv_heads"] = 2;
  j["models"]["plain"]["tied_embeddings"] = false;
  j["models"]["plain"]["attention_bias"] = false;
  j["models"]["plain"]["norm_eps"] = 1e-6;
  j["models"]["enc"]["type_vocab"] = 1;
  j["models"]["tiny"]["rope_theta"] = 500000.0;
  s = parse_suite(j.dump(), kFile);
  CHECK(s.models.at("plain").head_dim == 16);
  CHECK(s.models.at("plain").kv_heads == 2);
  CHECK_FALSE(s.models.at("plain").tied_embeddings);
  CHECK_FALSE(s.models.at("plain").attention_bias);
  CHECK(s.models.at("plain").mlp_bias);
  CHECK(s.models.at("plain").norm_eps == 1e-6);
  CHECK(s.models.at("enc").type_vocab == 1);
  CHECK(s.models.at("tiny").rope_theta == 500000.0);
}

TEST_CASE("the suite hash covers content, not formatting or key order", "[suite_file]") {
  Suite a = parse_suite(kExample, kFile);
  CHECK_THAT(a.hash, StartsWith("sha256:"));
  CHECK(a.hash.size() == 7 + 64);

  // Same content, other whitespace and key order.
  json j = example();
  nlohmann::ordered_json reordered;
  reordered["workloads"] = j["workloads"];
  reordered["models"] = j["models"];
  reordered["settings"] = j["settings"];
  reordered["version"] = j["version"];
  reordered["name"] = j["name"];
  CHECK(parse_suite(reordered.dump(2), kFile).hash == a.hash);

  j["settings"]["seed"] = 43;
  CHECK(parse_suite(j.dump(), kFile).hash != a.hash);
}

TEST_CASE("malformed JSON names the file and the position", "[suite_file][bad_input]") {
  std::string msg = bad_text("{\n  \"name\": \"x\",\n  \"version\": 1\n  \"workloads\": []\n}");
  INFO(msg);
  CHECK_THAT(msg, StartsWith(kFile + ": "));
  CHECK_THAT(msg, Contains("malformed JSON"));
  CHECK_THAT(msg, Contains("byte"));
  CHECK_THAT(msg, Contains("line 4"));  // the missing comma is noticed at "workloads"

  CHECK_THAT(bad_text(""), StartsWith(kFile + ": malformed JSON"));
  CHECK_THAT(bad_text("{\"name\": \"x\", }"), Contains("malformed JSON"));
}

TEST_CASE("duplicate JSON keys are errors, not silently collapsed", "[suite_file][bad_input]") {
  require_at(bad_text(R"({"name": "a", "name": "b", "version": 1, "workloads": []})"), "/name",
             "duplicate key \"name\"");
  std::string text = kExample;
  // Repeat a key deep inside the second workload.
  auto pos = text.find("\"context\": [64, 128]");
  REQUIRE(pos != std::string::npos);
  text.insert(pos, "\"seq\": 2, ");
  require_at(bad_text(text), "/workloads/1/seq", "duplicate key \"seq\"");
}

TEST_CASE("unknown keys are errors at every level", "[suite_file][bad_input]") {
  SECTION("top level") {
    json j = example();
    j["nmae"] = "typo";
    std::string msg = bad_input(j);
    require_at(msg, "/nmae", "unknown key \"nmae\"");
    CHECK_THAT(msg, Contains("did you mean \"name\"?"));
    CHECK_THAT(msg, Contains("workloads"));  // lists what is allowed
  }
  SECTION("settings") {
    json j = example();
    j["settings"]["warmup"] = 0.1;
    require_at(bad_input(j), "/settings/warmup", "did you mean \"warmup_s\"?");
  }
  SECTION("inline model") {
    json j = example();
    j["models"]["tiny"]["hiden"] = 96;
    require_at(bad_input(j), "/models/tiny/hiden", "unknown key \"hiden\"");
  }
  SECTION("workload") {
    json j = example();
    j["workloads"][1]["contexts"] = 3;
    require_at(bad_input(j), "/workloads/1/contexts", "did you mean \"context\"?");
  }
  SECTION("a key with '/' in it is escaped in the pointer") {
    json j = example();
    j["workloads"][0]["a/b"] = 1;
    require_at(bad_input(j), "/workloads/0/a~1b", "unknown key \"a/b\"");
  }
}

TEST_CASE("wrong types are errors naming what was expected", "[suite_file][bad_input]") {
  json j = example();
  SECTION("string where an integer belongs") {
    j["workloads"][0]["seq"] = "128";
    require_at(bad_input(j), "/workloads/0/seq", "expected a positive integer, got \"128\"");
  }
  SECTION("float where an integer belongs") {
    j["workloads"][1]["batch"] = 1.5;
    require_at(bad_input(j), "/workloads/1/batch", "expected a positive integer, got 1.5");
  }
  SECTION("bool where an integer belongs") {
    j["models"]["tiny"]["layers"] = true;
    require_at(bad_input(j), "/models/tiny/layers", "expected a positive integer, got true");
  }
  SECTION("string where a number belongs") {
    j["settings"]["warmup_s"] = "fast";
    require_at(bad_input(j), "/settings/warmup_s", "expected a number");
  }
  SECTION("number where a boolean belongs") {
    j["models"]["tiny"]["mlp_bias"] = 1;
    require_at(bad_input(j), "/models/tiny/mlp_bias", "expected true or false, got 1");
  }
  SECTION("list where a model name belongs") {
    j["workloads"][0]["model"] = json::array({"bert-base"});
    require_at(bad_input(j), "/workloads/0/model", "expected a non-empty string");
  }
  SECTION("object where a list of workloads belongs") {
    j["workloads"] = json::object();
    require_at(bad_input(j), "/workloads", "expected a non-empty list of workloads");
  }
  SECTION("a workload that is not an object") {
    j["workloads"][1] = "tiny";
    require_at(bad_input(j), "/workloads/1", "expected an object");
  }
  SECTION("models that are not an object") {
    j["models"] = json::array();
    require_at(bad_input(j), "/models", "expected an object");
  }
  SECTION("a document that is not an object") {
    CHECK_THAT(bad_text("[1, 2]"), StartsWith(kFile + ": expected an object"));
  }
  SECTION("an empty sweep list") {
    j["workloads"][0]["batch"] = json::array();
    require_at(bad_input(j), "/workloads/0/batch", "non-empty list");
  }
}

TEST_CASE("negative and zero sizes are rejected at their exact pointer", "[suite_file][bad_input]") {
  json j = example();
  SECTION("the issue's example message, exactly") {
    j["workloads"][1]["batch"] = json::array({-1});
    REQUIRE_THROWS_WITH(parse_suite(j.dump(), kFile),
                        "suites/x.json: at /workloads/1/batch/0: expected a positive integer, got -1");
  }
  SECTION("zero seq") {
    j["workloads"][0]["seq"] = 0;
    require_at(bad_input(j), "/workloads/0/seq", "expected a positive integer, got 0");
  }
  SECTION("negative context inside a list") {
    j["workloads"][1]["context"] = json::array({64, -5});
    require_at(bad_input(j), "/workloads/1/context/1", "expected a non-negative integer, got -5");
  }
  SECTION("zero layers") {
    j["workloads"][0]["layers"] = 0;
    require_at(bad_input(j), "/workloads/0/layers", "expected a positive integer, got 0");
  }
  SECTION("zero model size") {
    j["models"]["tiny"]["hidden"] = 0;
    require_at(bad_input(j), "/models/tiny/hidden", "expected a positive integer, got 0");
  }
  SECTION("negative vocab") {
    j["models"]["tiny"]["vocab"] = -512;
    require_at(bad_input(j), "/models/tiny/vocab", "expected a positive integer, got -512");
  }
  SECTION("too large for an int") {
    j["workloads"][0]["seq"] = 4294967296LL;
    require_at(bad_input(j), "/workloads/0/seq", "expected a positive integer, got 4294967296");
  }
}

TEST_CASE("inconsistent model dimensions", "[suite_file][bad_input]") {
  json j = example();
  SECTION("heads does not divide hidden") {
    j["models"]["tiny"]["heads"] = 5;
    j["models"]["tiny"]["kv_heads"] = 1;
    require_at(bad_input(j), "/models/tiny/heads", "expected heads to divide hidden");
    // Given head_dim explicitly, heads × head_dim need not be hidden.
    j["models"]["tiny"]["head_dim"] = 16;
    CHECK(parse_suite(j.dump(), kFile).models.at("tiny").head_dim == 16);
  }
  SECTION("kv_heads does not divide heads") {
    j["models"]["tiny"]["kv_heads"] = 4;
    require_at(bad_input(j), "/models/tiny/kv_heads", "expected kv_heads to divide heads (6)");
  }
  SECTION("more kv_heads than heads") {
    j["models"]["tiny"]["kv_heads"] = 12;
    require_at(bad_input(j), "/models/tiny/kv_heads", "expected kv_heads to divide heads");
  }
  SECTION("odd head_dim with rope") {
    j["models"]["tiny"]["heads"] = 32;  // 96 / 32 = 3
    require_at(bad_input(j), "/models/tiny/head_dim", "expected an even head_dim, got 3");
  }
  SECTION("type_vocab on a decoder") {
    j["models"]["tiny"]["type_vocab"] = 2;
    require_at(bad_input(j), "/models/tiny/type_vocab", "only to encoders");
  }
  SECTION("rope_theta on learned positions") {
    j["models"]["enc"] = tiny_encoder();
    j["models"]["enc"]["rope_theta"] = 10000;
    require_at(bad_input(j), "/models/enc/rope_theta", "only to models with position \"rope\"");
  }
  SECTION("non-positive norm_eps") {
    j["models"]["tiny"]["norm_eps"] = 0;
    require_at(bad_input(j), "/models/tiny/norm_eps", "expected a positive number");
  }
  SECTION("unknown enum values") {
    j["models"]["tiny"]["norm"] = "batchnorm";
    require_at(bad_input(j), "/models/tiny/norm",
               "expected one of layernorm | rmsnorm, got \"batchnorm\"");
  }
  SECTION("missing required model key") {
    j["models"]["tiny"].erase("ffn");
    require_at(bad_input(j), "/models/tiny", "missing required key \"ffn\"");
  }
  SECTION("an inline model may not shadow a built-in") {
    j["models"]["gpt2"] = j["models"]["tiny"];
    require_at(bad_input(j), "/models/gpt2", "\"gpt2\" is a built-in model");
  }
  SECTION("a model name that cannot appear in an id") {
    j["models"]["my/tiny"] = j["models"]["tiny"];
    require_at(bad_input(j), "/models/my~1tiny", "expected a model name made of letters");
  }
}

TEST_CASE("encoders must be BERT-style", "[suite_file][bad_input]") {
  json j = example();
  j["models"]["enc"] = tiny_encoder();
  SECTION("rope") {
    j["models"]["enc"]["position"] = "rope";
    std::string msg = bad_input(j);
    require_at(msg, "/models/enc/position", "expected position \"learned\", got \"rope\"");
  }
  SECTION("rmsnorm") {
    j["models"]["enc"]["norm"] = "rmsnorm";
    require_at(bad_input(j), "/models/enc/norm", "expected norm \"layernorm\"");
  }
  SECTION("silu_glu") {
    j["models"]["enc"]["activation"] = "silu_glu";
    require_at(bad_input(j), "/models/enc/activation", "expected activation \"gelu\" or \"gelu_tanh\"");
  }
  SECTION("tied_embeddings") {
    j["models"]["enc"]["tied_embeddings"] = false;
    require_at(bad_input(j), "/models/enc/tied_embeddings", "encoders have no LM head");
  }
  SECTION("gelu_tanh is fine") {
    j["models"]["enc"]["activation"] = "gelu_tanh";
    CHECK(parse_suite(j.dump(), kFile).models.at("enc").activation == Activation::GeluTanh);
  }
}

TEST_CASE("impossible workloads", "[suite_file][bad_input]") {
  json j = example();
  SECTION("seq + context over max_seq") {
    j["workloads"][1]["context"] = json::array({64, 256});  // 1 + 256 > 256
    std::string msg = bad_input(j);
    require_at(msg, "/workloads/1/context", "expected seq + context ≤ max_seq of tiny (256)");
    CHECK_THAT(msg, Contains("= 257"));
  }
  SECTION("seq over max_seq without context") {
    j["workloads"][0]["seq"] = 513;  // bert-base max_seq 512
    require_at(bad_input(j), "/workloads/0/seq", "max_seq of bert-base (512)");
  }
  SECTION("seq + context exactly max_seq is fine") {
    j["workloads"][1]["context"] = 255;
    CHECK(parse_suite(j.dump(), kFile).workloads.back().context == 255);
  }
  SECTION("unknown model") {
    j["workloads"][0]["model"] = "gpt3";
    std::string msg = bad_input(j);
    require_at(msg, "/workloads/0/model", "unknown model \"gpt3\"");
    CHECK_THAT(msg, Contains("bert-base") && Contains("llama-8b") && Contains("(tiny)"));
  }
  SECTION("unknown precision") {
    j["workloads"][0]["precision"] = json::array({"f32", "fp8"});
    require_at(bad_input(j), "/workloads/0/precision/1",
               "expected one of f32 | bf16 | f16 | int8 | int4w, got \"fp8\"");
  }
  SECTION("unknown phase") {
    j["workloads"][1]["phase"] = "generate";
    require_at(bad_input(j), "/workloads/1/phase",
               "expected one of encode | prefill | decode, got \"generate\"");
  }
  SECTION("encoder with decode phase") {
    j["workloads"][0]["phase"] = "decode";
    require_at(bad_input(j), "/workloads/0/phase",
               "bert-base is an encoder: expected phase \"encode\", got \"decode\"");
  }
  SECTION("decoder with encode phase") {
    j["workloads"][1]["phase"] = "encode";
    require_at(bad_input(j), "/workloads/1/phase", "tiny is a decoder");
  }
  SECTION("context with prefill") {
    j["workloads"][1]["phase"] = "prefill";
    require_at(bad_input(j), "/workloads/1/context", "expected context 0 for phase \"prefill\"");
  }
  SECTION("layers beyond the model's depth") {
    j["workloads"][0]["layers"] = 13;
    require_at(bad_input(j), "/workloads/0/layers",
               "expected 1 ≤ layers ≤ 12 (the depth of bert-base), got 13");
  }
  SECTION("missing required workload key") {
    j["workloads"][1].erase("precision");
    require_at(bad_input(j), "/workloads/1", "missing required key \"precision\"");
  }
  SECTION("duplicate ids across entries name both pointers") {
    j["workloads"].push_back(json::parse(
        R"({"model": "tiny", "phase": "decode", "batch": 1, "seq": 1, "context": 128, "precision": "f32", "layers": 2})"));
    std::string msg = bad_input(j);
    require_at(msg, "/workloads/2", "duplicate workload id \"tiny/decode/b1/s1/c128/f32/l2\"");
    CHECK_THAT(msg, Contains("/workloads/1"));
  }
  SECTION("duplicate values inside one sweep") {
    j["workloads"][0]["batch"] = json::array({1, 8, 1});
    std::string msg = bad_input(j);
    require_at(msg, "/workloads/0/batch/2", "duplicate value 1");
    CHECK_THAT(msg, Contains("/workloads/0/batch/0"));
  }
}

TEST_CASE("top-level keys and settings ranges", "[suite_file][bad_input]") {
  json j = example();
  SECTION("missing name") {
    j.erase("name");
    CHECK_THAT(bad_input(j), StartsWith(kFile + ": missing required key \"name\""));
  }
  SECTION("missing workloads") {
    j.erase("workloads");
    CHECK_THAT(bad_input(j), StartsWith(kFile + ": missing required key \"workloads\""));
  }
  SECTION("version must be a positive integer") {
    j["version"] = "1";
    require_at(bad_input(j), "/version", "expected a positive integer");
  }
  SECTION("max_time_s below min_time_s") {
    j["settings"]["max_time_s"] = 0.5;
    require_at(bad_input(j), "/settings/max_time_s", "expected max_time_s ≥ min_time_s");
  }
  SECTION("min_time_s above the default max_time_s") {
    j["settings"].erase("max_time_s");
    j["settings"]["min_time_s"] = 20;
    require_at(bad_input(j), "/settings/min_time_s", "expected max_time_s ≥ min_time_s");
  }
  SECTION("target_ci outside (0, 1)") {
    j["settings"]["target_ci"] = 1.5;
    require_at(bad_input(j), "/settings/target_ci", "between 0 and 1");
    j["settings"]["target_ci"] = 0;
    require_at(bad_input(j), "/settings/target_ci", "between 0 and 1");
  }
  SECTION("non-positive times and counts") {
    j["settings"]["min_time_s"] = 0;
    require_at(bad_input(j), "/settings/min_time_s", "expected a positive number, got 0");
    j = example();
    j["settings"]["min_iterations"] = 0;
    require_at(bad_input(j), "/settings/min_iterations", "expected a positive integer, got 0");
    j = example();
    j["settings"]["warmup_s"] = -1;
    require_at(bad_input(j), "/settings/warmup_s", "expected a non-negative number, got -1");
    j = example();
    j["settings"]["correctness_budget_s"] = 0;
    require_at(bad_input(j), "/settings/correctness_budget_s", "expected a positive number");
    j = example();
    j["settings"]["seed"] = -1;
    require_at(bad_input(j), "/settings/seed", "expected a non-negative integer, got -1");
  }
  SECTION("every settings key is read") {
    j["settings"] = json::parse(R"({"warmup_s": 0, "min_time_s": 2, "max_time_s": 3,
        "min_iterations": 4, "target_ci": 0.5, "seed": 18446744073709551615,
        "timeout_s": 60, "correctness_budget_s": 7})");
    MeasurementSettings s = parse_suite(j.dump(), kFile).settings;
    CHECK(s.warmup_s == 0);
    CHECK(s.min_time_s == 2);
    CHECK(s.max_time_s == 3);
    CHECK(s.min_iterations == 4);
    CHECK(s.target_ci == 0.5);
    CHECK(s.seed == 18446744073709551615ull);
    CHECK(s.timeout_s == 60);
    CHECK(s.correctness_budget_s == 7);
    auto out = settings_to_json(s);
    CHECK(out["seed"].get<uint64_t>() == 18446744073709551615ull);
    CHECK(out["correctness_budget_s"] == 7.0);
    CHECK(out.size() == 8);
  }
}

TEST_CASE("workloads read back from result JSON", "[suite_file]") {
  Suite s = parse_suite(kExample, kFile);
  for (const Workload& w : s.workloads) {
    nlohmann::ordered_json out = workload_to_json(w);
    Workload back = workload_from_json(json::parse(out.dump()), "run.json", "/benchmarks/0/workload");
    CHECK(back.id() == w.id());
    CHECK(back.hash() == w.hash());
    CHECK(back.model.kv_heads == w.model.kv_heads);
  }
  // A built-in model may be named instead of spelled out; derived fields are ignored.
  json j = json::parse(R"({"model": "gpt2", "phase": "decode", "batch": 2, "seq": 1,
      "context": 7, "precision": "f16", "layers": 3, "tokens": 2, "flops": 123})");
  Workload w = workload_from_json(j, "run.json", "/w");
  CHECK(w.id() == "gpt2/decode/b2/s1/c7/f16/l3");

  j["layers"] = 13;
  std::string msg = bad_input_from([&] { workload_from_json(j, "run.json", "/w"); });
  CHECK_THAT(msg, StartsWith("run.json: at /w/layers: expected 1 ≤ layers ≤ 12"));

  nlohmann::ordered_json full = workload_to_json(s.workloads[4]);
  full["model"]["kv_heads"] = 4;  // tiny has 6 heads: 4 KV heads cannot share them evenly
  msg = bad_input_from([&] { workload_from_json(json::parse(full.dump()), "run.json", "/w"); });
  CHECK_THAT(msg, StartsWith("run.json: at /w/model/kv_heads: expected kv_heads to divide heads"));
}

TEST_CASE("suites load by name or path", "[suite_file]") {
  Suite by_name = load_suite("smoke", kSuitesDir);
  Suite by_path = load_suite(kSuitesDir + "/smoke.json", "/nonexistent");
  CHECK(by_name.name == "smoke");
  CHECK(by_name.path == kSuitesDir + "/smoke.json");
  CHECK(by_name.hash == by_path.hash);
  CHECK(ids(by_name) == ids(by_path));

  SECTION("unknown suite name lists the shipped suites") {
    std::string msg = bad_input_from([&] { load_suite("smok", kSuitesDir); });
    CHECK_THAT(msg, Contains("unknown suite \"smok\""));
    CHECK_THAT(msg, Contains("smoke") && Contains("standard") && Contains("edge") &&
                        Contains("datacenter"));
  }
  SECTION("missing file names the path") {
    std::string path = kFixtures + "/does-not-exist.json";
    std::string msg = bad_input_from([&] { load_suite(path, kSuitesDir); });
    CHECK_THAT(msg, StartsWith(path + ": "));
  }
  SECTION("errors in a file loaded by name name that file and the pointer") {
    std::string msg = bad_input_from([&] { load_suite("broken", kFixtures); });
    CHECK_THAT(msg, StartsWith(kFixtures + "/broken.json: at /workloads/0/batch: "));
  }
  SECTION("shipped_suites lists the stems of the files that parse, sorted") {
    CHECK(shipped_suites(kFixtures) == std::vector<std::string>{"alpha", "minimal"});
    CHECK(shipped_suites(kFixtures + "/no-such-dir").empty());
  }
}

TEST_CASE("every shipped suite loads", "[suite_file][shipped]") {
  std::vector<std::string> names = shipped_suites(kSuitesDir);
  CHECK(std::is_sorted(names.begin(), names.end()));
  for (const char* expected : {"datacenter", "edge", "smoke", "standard"})
    CHECK(std::count(names.begin(), names.end(), expected) == 1);

  // Counts worked out by hand from each file's sweeps.
  const std::map<std::string, size_t> counts = {
      {"smoke", 2 * 2 + 2 + 2 + 2 + 2},           // 12
      {"standard", 2 * 4 + 4 + 4 + 4 + 4 + 4},    // 28: f32, bf16, int8, int4w
      {"edge", 2 * 2 + 3 * 2 + 2 * 2 + 3 * 2 + 1 + 1},  // 22: with a generate and a server scenario
      {"datacenter", 2 + 2 + 2},                  // 6
  };
  for (const auto& [name, count] : counts) {
    INFO(name);
    Suite s = load_suite(name, kSuitesDir);
    CHECK(s.name == name);
    CHECK(s.workloads.size() == count);
  }
}

TEST_CASE("the smoke suite covers every family, phase and convention, quickly", "[suite_file][shipped]") {
  Suite s = load_suite("smoke", kSuitesDir);
  std::set<Phase> phases;
  std::set<Precision> precisions;
  bool encoder = false, gpt2_like = false, llama_like = false;
  for (const Workload& w : s.workloads) {
    phases.insert(w.phase);
    precisions.insert(w.precision);
    const ModelConfig& m = w.model;
    CHECK(builtin_models().count(m.name) == 0);  // tiny inline models only
    CHECK(m.hidden <= 128);
    encoder |= m.family == Family::Encoder && m.norm == NormKind::LayerNorm &&
               m.activation == Activation::Gelu && m.position == Position::Learned;
    gpt2_like |= m.family == Family::Decoder && m.norm == NormKind::LayerNorm &&
                 m.activation == Activation::GeluTanh && m.position == Position::Learned &&
                 m.tied_embeddings;
    llama_like |= m.family == Family::Decoder && m.norm == NormKind::RMSNorm &&
                  m.activation == Activation::SiluGlu && m.position == Position::Rope &&
                  m.kv_heads < m.heads;
  }
  CHECK(encoder);
  CHECK(gpt2_like);
  CHECK(llama_like);
  CHECK(phases.size() == 3);
  CHECK(precisions.count(Precision::F32) == 1);
  CHECK(precisions.count(Precision::BF16) == 1);
  CHECK(s.settings.max_time_s <= 0.5);
  CHECK(s.settings.correctness_budget_s <= 10);
}
