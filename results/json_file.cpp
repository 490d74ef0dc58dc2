#include "results/json_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "common/error.hpp"
#include "results/model/result_json.hpp"

namespace infermark {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void write_failed(const std::string& path, const std::string& step, int err) {
  throw Error(ErrorKind::Unavailable,
              "cannot write " + path + ": " + step + ": " + std::strerror(err));
}

// Closes and removes the temporary file unless it was renamed into place.
struct TempFile {
  std::string name;
  int fd = -1;
  bool keep = false;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!keep && !name.empty()) ::unlink(name.c_str());
  }
};

void write_all(int fd, const std::string& text, const std::string& path) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      write_failed(path, "write", errno);
    }
    p += n;
    left -= size_t(n);
  }
}

// Makes the rename itself durable; file systems that cannot sync a directory are not an error.
void sync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

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
  }
}

}  // namespace

void write_json_atomic(const std::string& path, const ojson& j) {
  // Serialise first: nothing on disk is touched until the whole text exists.
  const std::string text = j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";

  const fs::path target(path);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) write_failed(path, "creating directory " + dir.string(), ec.value());

  TempFile tmp;
  std::string pattern = (dir / ("." + target.filename().string() + ".tmp.XXXXXX")).string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  tmp.fd = ::mkstemp(buf.data());
  if (tmp.fd < 0) write_failed(path, "creating a temporary file in " + dir.string(), errno);
  tmp.name = buf.data();
  // mkstemp makes the file private; a result file is an ordinary, shareable document.
  ::fchmod(tmp.fd, 0644);

  write_all(tmp.fd, text, path);
  if (::fsync(tmp.fd) != 0) write_failed(path, "fsync", errno);
  int fd = tmp.fd;
  tmp.fd = -1;
  if (::close(fd) != 0) write_failed(path, "close", errno);
  if (::rename(tmp.name.c_str(), path.c_str()) != 0) write_failed(path, "rename", errno);
  tmp.keep = true;
  sync_directory(dir);
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
