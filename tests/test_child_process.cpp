// Child-process isolation: exit codes, deaths by signal, time-outs and the stderr tail, on real
// /bin/sh children.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "harness/child_process.hpp"

using namespace infermark;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

ChildOutcome sh(const std::string& script, double timeout_s = 10) {
  return run_child({"/bin/sh", "-c", script}, timeout_s);
}

}  // namespace

TEST_CASE("a child's exit code is captured", "[child_process]") {
  const ChildOutcome ok = sh("exit 0");
  CHECK(ok.exited);
  CHECK(ok.exit_code == 0);
  CHECK_FALSE(ok.timed_out);
  CHECK(ok.signal == 0);

  const ChildOutcome three = sh("exit 3");
  CHECK(three.exited);
  CHECK(three.exit_code == 3);
  CHECK(three.describe(10) == "exit code 3");
  CHECK(three.seconds >= 0);
  CHECK(three.seconds < 5);
}

TEST_CASE("a child killed by a signal is described with the signal", "[child_process]") {
  const ChildOutcome o = sh("kill -SEGV $$");
  CHECK_FALSE(o.exited);
  CHECK_FALSE(o.timed_out);
  CHECK(o.signal == SIGSEGV);
  const std::string d = o.describe(10);
  CHECK_THAT(d, Contains("signal " + std::to_string(SIGSEGV)));
  CHECK_THAT(d, Contains(strsignal(SIGSEGV)));  // "Segmentation fault"

  const ChildOutcome abrt = sh("kill -ABRT $$");
  CHECK(abrt.signal == SIGABRT);
  CHECK_THAT(abrt.describe(10), Contains(strsignal(SIGABRT)));
}

TEST_CASE("a child that runs past its time-out is killed and reported", "[child_process]") {
  const auto t0 = std::chrono::steady_clock::now();
  const ChildOutcome o = sh("echo started >&2; sleep 30", 0.5);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(o.timed_out);
  CHECK_FALSE(o.exited);
  CHECK(o.signal == SIGKILL);
  CHECK(wall >= 0.5);
  CHECK(wall < 1.5);
  CHECK(o.seconds < 1.5);
  CHECK_THAT(o.describe(0.5), StartsWith("timed out after 0.5 s"));
  CHECK(o.stderr_tail == "started");
}

TEST_CASE("the time-out also kills what the child started", "[child_process]") {
  // The shell starts a background sleep that writes its pid; after the time-out it must be gone.
  const std::string pid_file = (std::filesystem::temp_directory_path() /
                                ("infermark-test-grandchild-" + std::to_string(::getpid())))
                                   .string();
  const ChildOutcome o = sh("sleep 30 & echo $! > " + pid_file + "; wait", 0.5);
  CHECK(o.timed_out);
  std::ifstream in(pid_file);
  long pid = 0;
  REQUIRE(in >> pid);
  std::filesystem::remove(pid_file);
  REQUIRE(pid > 0);
  // Killed with the group; it may linger as a zombie of init for a moment, never as a sleeper.
  bool alive = true;
  for (int i = 0; i < 50 && alive; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    alive = bool(std::getline(stat, line)) && line.find(") Z") == std::string::npos;
    if (alive) usleep(20000);
  }
  CHECK_FALSE(alive);
}

TEST_CASE("the last lines of stderr are kept, stdout is not", "[child_process]") {
  const ChildOutcome o = sh("echo to-stdout; echo one >&2; echo two >&2; echo three >&2; "
                            "echo four >&2; exit 1");
  CHECK(o.exit_code == 1);
  CHECK(o.stderr_tail == "two | three | four");
  CHECK(o.describe(10) == "exit code 1: two | three | four");
  CHECK(o.stderr_tail.find("to-stdout") == std::string::npos);
}

TEST_CASE("a missing executable is reported as a failure to start", "[child_process]") {
  const ChildOutcome o = run_child({"/nonexistent/infermark-no-such-binary"}, 5);
  CHECK(o.exited);
  CHECK(o.exit_code == 127);
}

TEST_CASE("self_executable names the running test binary", "[child_process]") {
  const std::string self = self_executable();
  CHECK(std::filesystem::exists(self));
  CHECK(std::filesystem::path(self).filename() == "infermark_tests");
}
