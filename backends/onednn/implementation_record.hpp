// What a oneDNN executable actually runs, for the result file: per primitive kind the
// implementations oneDNN chose (impl_info_str), our own loops, fusions, and warnings.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <oneapi/dnnl/dnnl.hpp>

namespace infermark::onednn {

class ImplementationRecord {
 public:
  // Every primitive runs once per inference, so a "ref:" implementation (oneDNN's slow
  // reference code) is a performance bug on the hot path and gets a warning naming the op.
  void primitive(const std::string& kind, const std::string& op_name,
                 const dnnl::primitive_desc& pd);
  void own_kernel(const std::string& kind) { ++own_[kind]; }
  void fusion(const std::string& pattern) { ++fusions_[pattern]; }
  void count(const std::string& what, int n) { counts_[what] += n; }
  void note(const std::string& key, nlohmann::ordered_json value) { notes_[key] = std::move(value); }

  const std::vector<std::string>& warnings() const { return warnings_; }
  // The implementations chosen for one primitive kind (impl string → count).
  std::map<std::string, int> implementations(const std::string& kind) const;
  nlohmann::ordered_json to_json() const;

 private:
  std::map<std::string, std::map<std::string, int>> primitives_;
  std::map<std::string, int> own_;
  std::map<std::string, int> fusions_;
  std::map<std::string, int> counts_;
  std::vector<std::string> warnings_;
  nlohmann::ordered_json notes_ = nlohmann::ordered_json::object();
};

}  // namespace infermark::onednn
