#include "harness/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/error.hpp"

namespace infermark {

std::string ChildOutcome::describe(double timeout_s) const {
  char buf[128];
  if (timed_out)
    std::snprintf(buf, sizeof buf, "timed out after %.1f s", timeout_s);
  else if (exited)
    std::snprintf(buf, sizeof buf, "exit code %d", exit_code);
  else
    std::snprintf(buf, sizeof buf, "killed by signal %d (%s)", signal, strsignal(signal));
  std::string s = buf;
  if (!stderr_tail.empty()) s += ": " + stderr_tail;
  return s;
}

std::string self_executable() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error(ErrorKind::Internal, "cannot resolve /proc/self/exe: " + ec.message());
  return p.string();
}

namespace {

std::string tail_of(const std::string& path, size_t max_lines) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  std::string out;
  for (size_t i = lines.size() > max_lines ? lines.size() - max_lines : 0; i < lines.size(); ++i)
    out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

}  // namespace

ChildOutcome run_child(const std::vector<std::string>& argv, double timeout_s) {
  char err_path[] = "/tmp/infermark-child-XXXXXX";
  const int err_fd = mkstemp(err_path);
  if (err_fd < 0) throw Error(ErrorKind::Internal, std::string("mkstemp: ") + strerror(errno));

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  const auto start = std::chrono::steady_clock::now();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw Error(ErrorKind::Internal, std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);  // its own process group, so a time-out kills what it started too
    // Being in its own group, the child misses the terminal's Ctrl-C: it must die with the run
    // rather than live on as an orphan (a hung benchmark would otherwise never end).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the run died before prctl took effect
    const int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  close(err_fd);

  ChildOutcome o;
  int status = 0;
  while (true) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (timeout_s > 0 && elapsed > timeout_s) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      o.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(elapsed < 1 ? 2 : 20));
  }
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (WIFEXITED(status)) {
    o.exited = true;
    o.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    o.signal = WTERMSIG(status);
  }
  o.stderr_tail = tail_of(err_path, 3);
  unlink(err_path);
  return o;
}

}  // namespace infermark
