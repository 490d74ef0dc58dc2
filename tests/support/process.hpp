// Runs a command (argv, no shell) with extra environment variables and captures its exit status,
// stdout and stderr; or starts one in the background in its own process group, for kill tests.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace infermark::test {

struct ProcessResult {
  bool exited = false;    // ended by exit(); otherwise by a signal (or our time-out)
  int exit_code = -1;     // when exited
  int term_signal = 0;    // when !exited
  bool timed_out = false; // killed by run_process after timeout_s
  std::string out;        // everything written to stdout
  std::string err;        // everything written to stderr

  // "exit code 2" / "killed by signal 11" / "timed out", for assertion messages.
  std::string describe() const;
};

// argv[0] is the executable's path (execv, no PATH search, no shell: paths with spaces or quotes
// are passed as they are). The child inherits this process's environment, with `env` added or
// overriding and the names in `unset_env` removed. The child leads its own process group; on
// time-out that whole group is killed with SIGKILL.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          const std::vector<std::string>& unset_env = {}, double timeout_s = 120);

// Starts argv in the background as the leader of a new process group, stdout and stderr sent to
// the given files. Returns its pid (== its process group id).
pid_t start_process_group(const std::vector<std::string>& argv, const std::string& stdout_path,
                          const std::string& stderr_path,
                          const std::map<std::string, std::string>& env = {});

// Pids of the direct children of `pid` (from /proc/*/stat).
std::vector<pid_t> child_pids(pid_t pid);

// Blocks until `pid` (a child of this process) ends; returns the raw wait status, or −1 after
// timeout_s (the process is left running).
int wait_process(pid_t pid, double timeout_s);

}  // namespace infermark::test
