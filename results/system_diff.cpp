#include "results/system_diff.hpp"

#include <map>

#include "results/model/result_json.hpp"

namespace infermark {

namespace {

// A leaf: a scalar, an empty container, or an array holding no objects (compared whole: a list
// of CPU flags is one fact, not hundreds).
bool is_leaf(const ojson& v) {
  if (v.is_object()) return v.empty();
  if (!v.is_array()) return true;
  for (const auto& e : v)
    if (e.is_object() || e.is_array()) return false;
  return true;
}

void flatten(const ojson& v, const std::string& at, std::vector<std::pair<std::string, ojson>>& out) {
  if (is_leaf(v)) {
    out.emplace_back(at, v);
    return;
  }
  if (v.is_object()) {
    for (const auto& [k, e] : v.items()) flatten(e, at + "/" + json_pointer_token(k), out);
  } else {
    for (size_t i = 0; i < v.size(); ++i) flatten(v[i], at + "/" + std::to_string(i), out);
  }
}

bool ignored(const std::string& key, const std::vector<std::string>& ignore) {
  for (const auto& p : ignore)
    if (key == p || key.rfind(p + "/", 0) == 0) return true;
  return false;
}

std::string shown(const ojson& v) {
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.size() > 80) s = s.substr(0, 77) + "…";
  return s;
}

}  // namespace

std::vector<SystemDifference> diff_systems(const ojson& a, const ojson& b,
                                           const std::vector<std::string>& ignore) {
  std::vector<std::pair<std::string, ojson>> fa, fb;
  flatten(a, "", fa);
  flatten(b, "", fb);
  std::map<std::string, const ojson*> in_b;
  for (const auto& [k, v] : fb) in_b[k] = &v;
  std::vector<SystemDifference> out;
  std::map<std::string, bool> seen;
  for (const auto& [k, v] : fa) {
    seen[k] = true;
    if (ignored(k, ignore)) continue;
    auto it = in_b.find(k);
    if (it == in_b.end()) {
      out.push_back({k, shown(v), "(absent)"});
    } else if (*it->second != v) {
      out.push_back({k, shown(v), shown(*it->second)});
    }
  }
  for (const auto& [k, v] : fb)
    if (!seen.count(k) && !ignored(k, ignore)) out.push_back({k, "(absent)", shown(v)});
  return out;
}

std::string format_system_differences(const std::vector<SystemDifference>& d) {
  std::string out;
  for (const auto& x : d) out += "  " + x.key + ": " + x.original + " → " + x.rerun + "\n";
  return out;
}

}  // namespace infermark
