#include "harness/quantization_error.hpp"

#include "harness/correctness.hpp"
#include "harness/reference_cache.hpp"
#include "suites/quantize.hpp"

namespace infermark {

double top1_agreement(const HostTensor& a, const HostTensor& b) {
  if (a.shape != b.shape || a.shape.size() != 2 || a.shape[0] == 0) return 0;
  const int64_t rows = a.shape[0], cols = a.shape[1];
  auto argmax = [&](const std::vector<float>& v, int64_t r) {
    int64_t best = 0;
    for (int64_t c = 1; c < cols; ++c)
      if (v[size_t(r * cols + c)] > v[size_t(r * cols + best)]) best = c;
    return best;
  };
  int64_t same = 0;
  for (int64_t r = 0; r < rows; ++r) same += argmax(a.f32, r) == argmax(b.f32, r);
  return double(same) / double(rows);
}

QuantizationReport quantization_error(const BenchmarkSpec& spec, int layers,
                                      const std::string& weights_id) {
  QuantizationReport r;
  if (!is_quantized(spec.workload.precision)) return r;
  Workload q = spec.workload;
  q.layers = layers;
  Workload f = q;
  f.precision = Precision::F32;  // the reference is f64 whatever the float type: the float model
  const uint64_t seed = spec.settings.seed;
  const HostTensor ref_q =
      reference_output(q, seed, spec.weights_path, weights_id, spec.cache_dir).output;
  const HostTensor ref_f =
      reference_output(f, seed, spec.weights_path, weights_id, spec.cache_dir).output;
  const ErrorStats e = compare_outputs(ref_q, ref_f);

  ojson& b = r.block;
  b["method"] = quantization_method(spec.workload);
  b["compared"] = "reference (f64) on the quantized model vs reference (f64) on the float model, "
                  "same weights and inputs";
  b["layers"] = layers;
  b["nmse"] = e.nmse;
  b["max_abs_err"] = e.max_abs_err;
  auto add = [&](const std::string& tag, double v, const std::string& what) {
    r.summaries.push_back({tag, "1", v, std::nullopt, what, "", ojson::object()});
  };
  add("quantization/nmse", e.nmse,
      "quantization error: NMSE of the quantized model's output vs the float model's");
  add("quantization/max_abs_err", e.max_abs_err,
      "quantization error: max abs difference of the outputs (quantized vs float model)");
  if (q.model.family == Family::Decoder) {
    const double agree = top1_agreement(ref_q, ref_f);
    b["top1_agreement"] = agree;
    b["top1_sequences"] = ref_q.shape.empty() ? 0 : ref_q.shape[0];
    add("quantization/top1_agreement", agree,
        "fraction of sequences whose next token (argmax of the last position's logits) is the "
        "same for the quantized and the float model");
  } else {
    b["top1_agreement"] = nullptr;
    b["top1_skipped"] = "encoder: the graph ends in hidden states, there is no LM head";
  }
  return r;
}

}  // namespace infermark
