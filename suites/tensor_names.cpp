#include "suites/tensor_names.hpp"

#include <cctype>

namespace infermark::names {

std::string without_layer_index(const std::string& name) {
  static const std::string prefix = "layer.";
  std::string out;
  size_t i = 0;
  while (i < name.size()) {
    if (name.compare(i, prefix.size(), prefix) == 0 && (i == 0 || name[i - 1] == '+')) {
      size_t j = i + prefix.size();
      const size_t digits = j;
      while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j]))) ++j;
      if (j > digits && j < name.size() && name[j] == '.') {
        i = j + 1;
        continue;
      }
    }
    out += name[i++];
  }
  return out;
}

}  // namespace infermark::names
