#include "results/text_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace infermark {

std::string three_digits(double v) {
  if (!std::isfinite(v)) return "-";
  const double mag = v == 0 ? 0 : std::floor(std::log10(std::fabs(v)));
  const int decimals = int(std::clamp(2 - mag, 0.0, 9.0));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string format_p(double p) {
  if (!std::isfinite(p)) return "-";
  if (p < 1e-4) return "< 1e-4";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", p);
  return buf;
}

size_t display_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string aligned_table(const std::vector<std::vector<std::string>>& rows,
                          const std::vector<bool>& right) {
  if (rows.empty()) return "";
  const size_t cols = rows.front().size();
  std::vector<size_t> w(cols, 0);
  for (const auto& r : rows)
    for (size_t c = 0; c < cols && c < r.size(); ++c) w[c] = std::max(w[c], display_width(r[c]));
  std::string out;
  auto emit = [&](const std::vector<std::string>& r) {
    std::string line;
    for (size_t c = 0; c < cols; ++c) {
      const std::string cell = c < r.size() ? r[c] : "";
      const std::string pad(w[c] - display_width(cell), ' ');
      if (c) line += "  ";
      line += c < right.size() && right[c] ? pad + cell : cell + pad;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  emit(rows.front());
  std::vector<std::string> rule;
  for (size_t c = 0; c < cols; ++c) rule.push_back(std::string(w[c], '-'));
  emit(rule);
  for (size_t i = 1; i < rows.size(); ++i) emit(rows[i]);
  return out;
}

}  // namespace infermark
