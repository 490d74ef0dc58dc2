// Runs one command in a child process with a time-out, because a sticky CUDA error or an abort()
// in a driver must end one benchmark, not the whole run.
#pragma once

#include <string>
#include <vector>

namespace infermark {

struct ChildOutcome {
  bool exited = false;     // normal exit (see exit_code)
  int exit_code = -1;
  int signal = 0;          // the signal that killed it, when !exited
  bool timed_out = false;  // killed by us after the time-out
  std::string stderr_tail; // last lines the child wrote to stderr
  double seconds = 0;

  // "exit code 3", "killed by signal 6 (Aborted)", "timed out after 12.0 s"
  std::string describe(double timeout_s) const;
};

// argv[0] is the executable path. stderr goes to a file whose tail is kept; stdout to /dev/null.
ChildOutcome run_child(const std::vector<std::string>& argv, double timeout_s);

// Path of the running executable (/proc/self/exe), for re-executing ourselves.
std::string self_executable();

}  // namespace infermark
