// Percentages on the command line ("5%", "5", "0.5%"), shared by compare and rerun so both read
// --threshold the same way.
#pragma once

#include <string>

namespace infermark::cli {

// "5%", "5" and "0.5%" all mean percent; the result is a fraction (0.05). Anything else (empty,
// negative, ≥ 1000%, trailing junk) throws BadInput naming `flag`.
double parse_percent(const std::string& flag, const std::string& text);

}  // namespace infermark::cli
