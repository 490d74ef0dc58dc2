#include "suites/workload.hpp"

#include "common/error.hpp"
#include "common/sha256.hpp"
#include "suites/quantize.hpp"

namespace infermark {

namespace {
// Bumped whenever lowering or op semantics change, so old hashes stop matching new graphs.
constexpr int kGraphVersion = 1;
}  // namespace

std::string to_string(Phase p) {
  switch (p) {
    case Phase::Encode: return "encode";
    case Phase::Prefill: return "prefill";
    case Phase::Decode: return "decode";
  }
  return "?";
}

std::string to_string(Precision p) {
  switch (p) {
    case Precision::F32: return "f32";
    case Precision::BF16: return "bf16";
    case Precision::F16: return "f16";
    case Precision::Int8: return "int8";
    case Precision::Int4W: return "int4w";
  }
  return "?";
}

Phase phase_from_string(const std::string& s) {
  if (s == "encode") return Phase::Encode;
  if (s == "prefill") return Phase::Prefill;
  if (s == "decode") return Phase::Decode;
  throw Error(ErrorKind::BadInput, "unknown phase '" + s + "' (expected encode, prefill or decode)");
}

Precision precision_from_string(const std::string& s) {
  if (s == "f32") return Precision::F32;
  if (s == "bf16") return Precision::BF16;
  if (s == "f16") return Precision::F16;
  if (s == "int8") return Precision::Int8;
  if (s == "int4w") return Precision::Int4W;
  throw Error(ErrorKind::BadInput,
              "unknown precision '" + s + "' (expected f32, bf16, f16, int8 or int4w)");
}

int bytes_per_element(Precision p) {
  if (is_quantized(p))
    throw Error(ErrorKind::Internal, "bytes_per_element(" + to_string(p) +
                                         "): a quantized precision has no single element size");
  return p == Precision::F32 ? 4 : 2;
}

bool is_quantized(Precision p) { return p == Precision::Int8 || p == Precision::Int4W; }

Precision float_precision(const Workload& w) {
  return is_quantized(w.precision) ? w.compute : w.precision;
}

std::string precision_segment(const Workload& w) {
  switch (w.precision) {
    case Precision::Int8: return "int8-" + to_string(w.compute);
    case Precision::Int4W: return "int4w-g" + std::to_string(w.group_size) + "-" + to_string(w.compute);
    default: return to_string(w.precision);
  }
}

std::string Workload::id() const {
  if (!scenario.is_step())
    return model.name + "/" + to_string(scenario.kind) + "/b" + std::to_string(batch) + "/" +
           scenario_id_segment(scenario) + "/" + precision_segment(*this) + "/l" +
           std::to_string(layers);
  std::string s = model.name + "/" + to_string(phase) + "/b" + std::to_string(batch) + "/s" +
                  std::to_string(seq);
  if (phase == Phase::Decode) s += "/c" + std::to_string(context);
  return s + "/" + precision_segment(*this) + "/l" + std::to_string(layers);
}

namespace {

// The definition that the hash covers: everything that changes what runs, nothing derived.
nlohmann::ordered_json definition_json(const Workload& w) {
  nlohmann::ordered_json j;
  j["model"] = model_to_json(w.model);
  j["phase"] = to_string(w.phase);
  j["scenario"] = to_string(w.scenario.kind);
  j["batch"] = w.batch;
  j["seq"] = w.seq;
  j["context"] = w.context;
  j["precision"] = to_string(w.precision);
  j["layers"] = w.layers;
  // Only quantized workloads carry these, so float workloads keep their hashes.
  if (is_quantized(w.precision)) {
    j["compute"] = to_string(w.compute);
    if (w.precision == Precision::Int4W) j["group_size"] = w.group_size;
    j["quantization"] = quantization_method(w);
  }
  scenario_to_json(w.scenario, j);  // nothing for step workloads, so their hashes are unchanged
  return j;
}

}  // namespace

std::string Workload::hash() const {
  // The model's name is left out: two suites that define the same shapes under different names
  // run the same workload and may be compared.
  nlohmann::json def = nlohmann::json::parse(definition_json(*this).dump());
  def["model"].erase("name");
  def["graph_version"] = kGraphVersion;
  return sha256_hex(def.dump());  // nlohmann::json sorts object keys: a canonical text
}

nlohmann::ordered_json workload_to_json(const Workload& w) {
  nlohmann::ordered_json j;
  j["id"] = w.id();
  j["hash"] = w.hash();
  const auto def = definition_json(w);
  for (auto& [k, v] : def.items()) j[k] = v;
  j["tokens"] = w.tokens();
  return j;
}

}  // namespace infermark
