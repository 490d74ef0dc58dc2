// Small text helpers shared by the compare table and the report exports: number formatting
// and aligned plain-text tables whose widths count UTF-8 characters, not bytes.
#pragma once

#include <string>
#include <vector>

namespace infermark {

// At least three significant digits, never scientific notation: "20949", "305", "1.23",
// "0.0123"; "-" when not finite.
std::string three_digits(double v);

// A fixed number of decimals ("%.*f"); "-" when not finite.
std::string fixed(double v, int decimals);

// A p-value: "0.0123", "< 1e-4" below 0.0001 (more digits would only suggest precision that the
// normal approximation does not have), "-" when not finite.
std::string format_p(double p);

// Terminal columns taken by a UTF-8 string ("µ" is two bytes, one column).
size_t display_width(const std::string& s);

// Renders rows (the first is the header) as columns separated by two spaces, with a dashed rule
// under the header; right[c] right-aligns column c. Trailing spaces are trimmed.
std::string aligned_table(const std::vector<std::vector<std::string>>& rows,
                          const std::vector<bool>& right);

}  // namespace infermark
