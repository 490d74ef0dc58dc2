#include "suites/json_fields.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <vector>

namespace infermark::json_fields {

std::string escape_pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

At At::operator/(std::string_view key) const {
  return {file, pointer + "/" + escape_pointer_token(key)};
}

At At::operator/(size_t index) const { return {file, pointer + "/" + std::to_string(index)}; }

void At::fail(const std::string& message) const { throw_bad_input(file, pointer, message); }

std::string describe(const json& v) {
  if (v.is_object()) return v.empty() ? "{}" : "an object";
  std::string text = v.dump();
  constexpr size_t kMax = 40;
  if (text.size() > kMax) text = text.substr(0, kMax) + "…";
  return text;
}

const json& object(const json& v, const At& at) {
  if (!v.is_object()) at.fail("expected an object, got " + describe(v));
  return v;
}

namespace {

// Edit distance, to suggest the key a typo was probably meant to be.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

void check_keys(const json& obj, const At& at, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string list;
    std::string_view nearest;
    size_t best = 3;  // suggest only keys within two edits
    for (std::string_view a : allowed) {
      list += (list.empty() ? "" : ", ") + std::string(a);
      size_t d = edit_distance(key, a);
      if (d < best) best = d, nearest = a;
    }
    std::string hint = nearest.empty() ? "" : " (did you mean \"" + std::string(nearest) + "\"?)";
    (at / key).fail("unknown key \"" + key + "\"" + hint + "; expected one of: " + list);
  }
}

const json* find(const json& obj, std::string_view key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

const json& require(const json& obj, const At& at, std::string_view key, std::string_view what) {
  const json* v = find(obj, key);
  if (!v) at.fail("missing required key \"" + std::string(key) + "\" (" + std::string(what) + ")");
  return *v;
}

namespace {

// A JSON integer in [lo, hi]; floats (even 2.0), strings and bools are not integers here.
int64_t integer_in(const json& v, const At& at, int64_t lo, int64_t hi, const std::string& what) {
  bool ok = false;
  int64_t x = 0;
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    ok = u <= uint64_t(hi) && (lo <= 0 || u >= uint64_t(lo));
    x = int64_t(std::min<uint64_t>(u, uint64_t(hi)));
  } else if (v.is_number_integer()) {
    x = v.get<int64_t>();
    ok = x >= lo && x <= hi;
  }
  if (!ok) at.fail("expected " + what + ", got " + describe(v));
  return x;
}

}  // namespace

int positive_int(const json& v, const At& at) {
  return int(integer_in(v, at, 1, INT_MAX, "a positive integer"));
}

int non_negative_int(const json& v, const At& at) {
  return int(integer_in(v, at, 0, INT_MAX, "a non-negative integer"));
}

uint64_t unsigned_int(const json& v, const At& at) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return uint64_t(v.get<int64_t>());
  at.fail("expected a non-negative integer, got " + describe(v));
}

double number(const json& v, const At& at) {
  if (!v.is_number() || !std::isfinite(v.get<double>()))
    at.fail("expected a number, got " + describe(v));
  return v.get<double>();
}

double positive_number(const json& v, const At& at) {
  if (!v.is_number() || !(v.get<double>() > 0) || !std::isfinite(v.get<double>()))
    at.fail("expected a positive number, got " + describe(v));
  return v.get<double>();
}

bool boolean(const json& v, const At& at) {
  if (!v.is_boolean()) at.fail("expected true or false, got " + describe(v));
  return v.get<bool>();
}

std::string string(const json& v, const At& at) {
  if (!v.is_string() || v.get_ref<const std::string&>().empty())
    at.fail("expected a non-empty string, got " + describe(v));
  return v.get<std::string>();
}

}  // namespace infermark::json_fields
