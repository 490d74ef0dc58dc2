// Workloads: canonical ids, content hashes (what changes them and what does not) and the JSON
// round trip that --resume relies on.
#include <catch2/catch.hpp>

#include <functional>
#include <set>

#include "suites/workload.hpp"

using namespace infermark;

namespace {

Workload make(const std::string& model, Phase phase, int batch, int seq, int context,
              Precision p, int layers) {
  Workload w;
  w.model = builtin_models().at(model);
  w.phase = phase;
  w.batch = batch;
  w.seq = seq;
  w.context = context;
  w.precision = p;
  w.layers = layers;
  return w;
}

Workload base() { return make("llama-1.1b", Phase::Decode, 2, 1, 64, Precision::F32, 3); }

}  // namespace

TEST_CASE("workload ids are canonical", "[workload]") {
  CHECK(make("bert-base", Phase::Encode, 1, 128, 0, Precision::F32, 1).id() ==
        "bert-base/encode/b1/s128/f32/l1");
  CHECK(make("gpt2", Phase::Prefill, 4, 256, 0, Precision::BF16, 12).id() ==
        "gpt2/prefill/b4/s256/bf16/l12");
  CHECK(make("gpt2", Phase::Decode, 8, 1, 511, Precision::F16, 2).id() ==
        "gpt2/decode/b8/s1/c511/f16/l2");
  // A decode step names its context even when it is 0.
  CHECK(make("llama-1.1b", Phase::Decode, 1, 1, 0, Precision::F32, 22).id() ==
        "llama-1.1b/decode/b1/s1/c0/f32/l22");
  CHECK(base().tokens() == 2);
  CHECK(make("bert-base", Phase::Encode, 8, 128, 0, Precision::F32, 1).tokens() == 1024);
}

TEST_CASE("the hash is a sha256 of the definition and stable", "[workload]") {
  const std::string h = base().hash();
  REQUIRE(h.size() == 7 + 64);
  CHECK(h.rfind("sha256:", 0) == 0);
  CHECK(h.find_first_not_of("0123456789abcdef", 7) == std::string::npos);
  CHECK(base().hash() == h);  // separately built, same definition

  // The model's name is not part of the definition: the same shapes under another name compare.
  Workload renamed = base();
  renamed.model.name = "my-tinyllama";
  CHECK(renamed.hash() == h);
  CHECK(renamed.id() != base().id());
}

TEST_CASE("any change of the definition changes the hash", "[workload]") {
  const std::vector<std::pair<std::string, std::function<void(Workload&)>>> changes{
      {"batch", [](Workload& w) { w.batch = 3; }},
      {"seq", [](Workload& w) { w.seq = 2; }},
      {"context", [](Workload& w) { w.context = 65; }},
      {"precision bf16", [](Workload& w) { w.precision = Precision::BF16; }},
      {"precision f16", [](Workload& w) { w.precision = Precision::F16; }},
      {"layers", [](Workload& w) { w.layers = 4; }},
      {"phase", [](Workload& w) { w.phase = Phase::Prefill; }},
      {"hidden", [](Workload& w) { w.model.hidden = 1024; }},
      {"heads", [](Workload& w) { w.model.heads = 16; }},
      {"kv_heads", [](Workload& w) { w.model.kv_heads = 8; }},
      {"head_dim", [](Workload& w) { w.model.head_dim = 128; }},
      {"ffn", [](Workload& w) { w.model.ffn = 5633; }},
      {"model layers", [](Workload& w) { w.model.layers = 23; }},
      {"vocab", [](Workload& w) { w.model.vocab = 32001; }},
      {"max_seq", [](Workload& w) { w.model.max_seq = 4096; }},
      {"norm", [](Workload& w) { w.model.norm = NormKind::LayerNorm; }},
      {"norm_eps", [](Workload& w) { w.model.norm_eps = 1e-6; }},
      {"activation", [](Workload& w) { w.model.activation = Activation::Gelu; }},
      {"rope_theta", [](Workload& w) { w.model.rope_theta = 500000.0; }},
      {"tied_embeddings", [](Workload& w) { w.model.tied_embeddings = true; }},
      {"attention_bias", [](Workload& w) { w.model.attention_bias = true; }},
      {"mlp_bias", [](Workload& w) { w.model.mlp_bias = true; }},
  };
  std::set<std::string> seen{base().hash()};
  for (const auto& [what, change] : changes) {
    INFO(what);
    Workload w = base();
    change(w);
    CHECK(w.hash() != base().hash());
    CHECK(seen.insert(w.hash()).second);  // and different from every other change
  }
}

TEST_CASE("workload_to_json reads back with the same id and hash", "[workload]") {
  Workload inline_model = make("llama-1.1b", Phase::Prefill, 2, 16, 0, Precision::BF16, 1);
  inline_model.model.name = "tiny";
  inline_model.model.hidden = 64;
  inline_model.model.heads = 4;
  inline_model.model.kv_heads = 2;
  inline_model.model.head_dim = 16;
  inline_model.model.ffn = 160;
  inline_model.model.layers = 2;
  inline_model.model.vocab = 512;
  inline_model.model.max_seq = 256;

  for (const Workload& w : {make("bert-base", Phase::Encode, 1, 128, 0, Precision::F32, 1),
                            make("gpt2", Phase::Decode, 2, 1, 31, Precision::BF16, 12), base(),
                            inline_model}) {
    INFO(w.id());
    const auto j = workload_to_json(w);
    CHECK(j.at("id") == w.id());
    CHECK(j.at("hash") == w.hash());
    CHECK(j.at("tokens") == w.tokens());
    // Through text, as a result file stores it.
    const nlohmann::json parsed = nlohmann::json::parse(j.dump());
    const Workload back = workload_from_json(parsed, "run.json", "/benchmarks/0/workload");
    CHECK(back.id() == w.id());
    CHECK(back.hash() == w.hash());
    CHECK(back.model.name == w.model.name);
  }
}
