#include "common/error.hpp"

namespace infermark {

void throw_bad_input(const std::string& file, const std::string& key, const std::string& message) {
  std::string text = file.empty() ? std::string() : file + ": ";
  if (!key.empty()) text += "at " + key + ": ";
  throw Error(ErrorKind::BadInput, text + message);
}

void throw_backend_error(const std::string& call, const std::string& detail, const char* file,
                         int line) {
  throw Error(ErrorKind::Backend,
              call + " failed: " + detail + " (" + file + ":" + std::to_string(line) + ")");
}

}  // namespace infermark
