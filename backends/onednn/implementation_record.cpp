#include "backends/onednn/implementation_record.hpp"

namespace infermark::onednn {

void ImplementationRecord::primitive(const std::string& kind, const std::string& op_name,
                                     const dnnl::primitive_desc& pd) {
  const std::string impl = pd.impl_info_str();
  ++primitives_[kind][impl];
  if (impl.rfind("ref", 0) == 0) {
    warnings_.push_back(kind + " of op '" + op_name + "' runs oneDNN's reference implementation '" +
                        impl + "'");
  }
}

std::map<std::string, int> ImplementationRecord::implementations(const std::string& kind) const {
  auto it = primitives_.find(kind);
  return it == primitives_.end() ? std::map<std::string, int>{} : it->second;
}

nlohmann::ordered_json ImplementationRecord::to_json() const {
  nlohmann::ordered_json j = notes_;
  auto prims = nlohmann::ordered_json::object();
  for (const auto& [kind, impls] : primitives_) {
    auto o = nlohmann::ordered_json::object();
    for (const auto& [impl, n] : impls) o[impl] = n;
    prims[kind] = o;
  }
  j["primitives"] = prims;
  auto own = nlohmann::ordered_json::object();
  for (const auto& [k, n] : own_) own[k] = n;
  j["own_kernels"] = own;
  auto fus = nlohmann::ordered_json::object();
  for (const auto& [k, n] : fusions_) fus[k] = n;
  j["fusions"] = fus;
  for (const auto& [k, n] : counts_) j[k] = n;
  if (!warnings_.empty()) j["warnings"] = warnings_;
  return j;
}

}  // namespace infermark::onednn
