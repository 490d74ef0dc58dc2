// Typed reads of JSON values for the suite, model and workload parsers (user-written files).
// Every failure is a BadInput Error naming the file, the JSON pointer and what was expected.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace infermark::json_fields {

using nlohmann::json;

// Where a value sits: the file it came from and its JSON pointer (RFC 6901).
struct At {
  std::string file;
  std::string pointer;

  At operator/(std::string_view key) const;  // the member `key` (escaped: ~ → ~0, / → ~1)
  At operator/(size_t index) const;          // the array element `index`
  [[noreturn]] void fail(const std::string& message) const;
};

// RFC 6901 escaping of one reference token.
std::string escape_pointer_token(std::string_view key);

// A value as the user wrote it, shortened for messages: -1, "abc", [1,2], {…}.
std::string describe(const json& v);

// Requires an object; returns it.
const json& object(const json& v, const At& at);
// Every key of `obj` must be in `allowed`; an unknown key fails at its own pointer, listing the
// allowed keys (and the nearest one when it looks like a typo).
void check_keys(const json& obj, const At& at, std::initializer_list<std::string_view> allowed);
// The member `key`, or nullptr.
const json* find(const json& obj, std::string_view key);
// The member `key`; fails at `at` when missing, saying what the key should hold.
const json& require(const json& obj, const At& at, std::string_view key, std::string_view what);

int positive_int(const json& v, const At& at);       // 1 … INT_MAX; no floats, strings, bools
int non_negative_int(const json& v, const At& at);   // 0 … INT_MAX
uint64_t unsigned_int(const json& v, const At& at);  // 0 … 2^64 − 1
double number(const json& v, const At& at);          // any finite number
double positive_number(const json& v, const At& at);
bool boolean(const json& v, const At& at);
std::string string(const json& v, const At& at);     // non-empty

// A string naming one of `values` (as spelled by to_string(E)).
template <class E>
E enum_value(const json& v, const At& at, std::initializer_list<E> values) {
  std::string expected;
  for (E e : values) {
    if (v.is_string() && v.get_ref<const std::string&>() == to_string(e)) return e;
    expected += (expected.empty() ? "" : " | ") + to_string(e);
  }
  at.fail("expected one of " + expected + ", got " + describe(v));
}

}  // namespace infermark::json_fields
