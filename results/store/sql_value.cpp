// Reading SqlValue cells (sql_connection.hpp).
#include <cmath>
#include <string>

#include "results/store/sql_connection.hpp"

namespace infermark {

std::string sql_text(const SqlValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return std::to_string(*d);
  return {};
}

int64_t sql_int(const SqlValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return int64_t(*d);
  if (const auto* s = std::get_if<std::string>(&v)) return std::stoll(*s);
  return 0;
}

double sql_double(const SqlValue& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<int64_t>(&v)) return double(*i);
  if (const auto* s = std::get_if<std::string>(&v)) return std::stod(*s);
  return NAN;
}

bool sql_is_null(const SqlValue& v) { return std::holds_alternative<std::monostate>(v); }

}  // namespace infermark
