#include "cli/percent.hpp"

#include <cmath>
#include <stdexcept>

#include "common/error.hpp"

namespace infermark::cli {

double parse_percent(const std::string& flag, const std::string& text) {
  std::string t = text;
  if (!t.empty() && t.back() == '%') t.pop_back();
  size_t used = 0;
  double v = NAN;
  try {
    v = std::stod(t, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != t.size() || !std::isfinite(v) || v < 0 || v >= 1000)
    throw_bad_input("command line", flag,
                    "expected a percentage such as 5% or 2.5, got '" + text + "'");
  return v / 100;
}

}  // namespace infermark::cli
