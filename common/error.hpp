// Errors that cross layer boundaries: one exception type with a kind the CLI maps to an exit code.
// Messages name the file, the key (a JSON pointer) and what was expected, so a user can act on them.
#pragma once

#include <stdexcept>
#include <string>

namespace infermark {

enum class ErrorKind {
  BadInput,     // the user's input is wrong: exit code 2
  Unavailable,  // a device, library or file the run needs is not there
  Backend,      // a backend call failed at run time
  OutOfMemory,  // an allocation the workload needs failed: it does not fit (ends `skipped`)
  Internal,     // a bug in infermark
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// "FILE: at KEY: MESSAGE" — the one format for every bad-input message.
[[noreturn]] void throw_bad_input(const std::string& file, const std::string& key,
                                  const std::string& message);

// A backend call failed: records the call text, source file and line.
[[noreturn]] void throw_backend_error(const std::string& call, const std::string& detail,
                                      const char* file, int line);

}  // namespace infermark

#define IM_CHECK(cond, msg)                                                              \
  do {                                                                                   \
    if (!(cond)) ::infermark::throw_backend_error(#cond, (msg), __FILE__, __LINE__);     \
  } while (0)
