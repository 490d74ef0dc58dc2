#include "results/json_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/error.hpp"
#include "results/model/result_json.hpp"
#include "results/text_file.hpp"

namespace infermark {

namespace fs = std::filesystem;

namespace {

std::string read_text(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw_bad_input(path, "", "file does not exist");
  if (fs::is_directory(path, ec))
    throw_bad_input(path, "", "is a directory, expected a JSON file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_bad_input(path, "", std::string("cannot open for reading: ") + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw_bad_input(path, "", std::string("read failed: ") + std::strerror(errno));
  return text;
}

template <class J>
J parse_text(const std::string& text, const std::string& path) {
  try {
    return J::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // what() is "[json.exception.parse_error.101] parse error at line L, column C: …"; the id
    // means nothing to a user, the position does.
    std::string what = e.what();
    auto close = what.find("] ");
    if (what.rfind("[json.exception", 0) == 0 && close != std::string::npos)
      what = what.substr(close + 2);
    throw_bad_input(path, "", "malformed JSON at byte " + std::to_string(e.byte) + ": " + what);
  } catch (const nlohmann::json::exception& e) {
    // e.g. out_of_range.406, a number too large for a double (found by fuzzing).
    std::string what = e.what();
    if (auto close = what.find("] "); close != std::string::npos) what = what.substr(close + 2);
    throw_bad_input(path, "", "malformed JSON: " + what);
  }
}

}  // namespace

void write_json_atomic(const std::string& path, const ojson& j) {
  // Serialise first: nothing on disk is touched until the whole text exists.
  write_text_atomic(path, j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

nlohmann::json read_json_file(const std::string& path) {
  return parse_text<nlohmann::json>(read_text(path), path);
}

ojson read_ordered_json_file(const std::string& path) {
  return parse_text<ojson>(read_text(path), path);
}

RunResult read_run_file(const std::string& path) {
  return run_from_json(read_ordered_json_file(path), path);
}

void write_run_file(const std::string& path, const RunResult& r) {
  write_json_atomic(path, to_json(r));
}

}  // namespace infermark
