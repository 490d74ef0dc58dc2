#include "results/text_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "common/error.hpp"

namespace infermark {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void failed(const std::string& path, const std::string& step, int err) {
  throw Error(ErrorKind::Unavailable, "cannot write " + path + ": " + step + ": " + std::strerror(err));
}

}  // namespace

void write_text_atomic(const std::string& path, const std::string& text) {
  const fs::path target(path);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) failed(path, "creating directory " + dir.string(), ec.value());

  std::string pattern = (dir / ("." + target.filename().string() + ".tmp.XXXXXX")).string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0) failed(path, "creating a temporary file in " + dir.string(), errno);
  const std::string tmp = name.data();
  // On any failure below the temporary file goes away and `path` keeps its old content.
  auto fail = [&](const char* step) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    failed(path, step, err);
  };
  ::fchmod(fd, 0644);  // mkstemp makes it private; a report is an ordinary document
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    p += n;
    left -= size_t(n);
  }
  if (::fsync(fd) != 0) fail("fsync");
  const int closing = fd;
  fd = -1;
  if (::close(closing) != 0) fail("close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace infermark
