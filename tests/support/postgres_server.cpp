// The store tests' PostgreSQL server (postgres_server.hpp). A watchdog child, started before
// initdb, waits for this process's end of a pipe to close, then stops the server and removes its
// directory: on a normal exit, a failed assertion, std::exit or a crash alike.
#include "support/postgres_server.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <vector>

#include "results/store/sql_connection.hpp"
#include "support/process.hpp"

namespace fs = std::filesystem;

namespace infermark::test {

namespace {

// $INFERMARK_PG_BINDIR, else the newest /usr/lib/postgresql/<version>/bin (Debian's layout).
std::string find_bindir() {
  if (const char* env = std::getenv("INFERMARK_PG_BINDIR"); env && *env) return env;
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string bin = (e.path() / "bin").string();
    int version = std::atoi(e.path().filename().c_str());
    if (version > best_version && fs::exists(bin + "/initdb") && fs::exists(bin + "/pg_ctl")) {
      best = bin;
      best_version = version;
    }
  }
  return best;
}

}  // namespace

PostgresServer& PostgresServer::shared() {
  static std::unique_ptr<PostgresServer> server;
  if (!server) {
    server.reset(new PostgresServer());
    const std::string why = server->start();
    if (!why.empty()) {
      server.reset();
      std::cout << "SKIP: PostgreSQL tests: " << why << "\n";
      std::exit(77);
    }
  }
  return *server;
}

std::string PostgresServer::start() {
  bindir_ = find_bindir();
  if (bindir_.empty() || !fs::exists(bindir_ + "/initdb") || !fs::exists(bindir_ + "/pg_ctl"))
    return "no PostgreSQL server binaries (initdb, pg_ctl) in " +
           (bindir_.empty() ? std::string("/usr/lib/postgresql/*/bin") : bindir_) +
           " ($INFERMARK_PG_BINDIR chooses another directory); scripts/install-deps.sh installs "
           "Debian's postgresql";
  // initdb refuses to run as root: then the server runs as an ordinary system user.
  if (geteuid() == 0) {
    for (const char* user : {"postgres", "nobody"})
      if (getpwnam(user)) {
        run_as_ = user;
        break;
      }
    if (run_as_.empty()) return "running as root and no 'postgres' or 'nobody' user to run the server as";
    if (!fs::exists("/usr/sbin/runuser") && !fs::exists("/sbin/runuser"))
      return "running as root and no runuser to start the server as " + run_as_;
  }
  // Under /tmp, not $TMPDIR: a Unix socket path must stay under 108 bytes.
  const passwd* pw = run_as_.empty() ? nullptr : getpwnam(run_as_.c_str());
  auto make_dir = [&](std::string pattern) -> std::string {
    if (!mkdtemp(pattern.data())) return {};
    if (pw && chown(pattern.c_str(), pw->pw_uid, pw->pw_gid) != 0) return {};
    return pattern;
  };
  dir_ = make_dir("/tmp/infermark-pg-XXXXXX");
  if (dir_.empty()) return "cannot create a directory in /tmp for the server";

  // Everything runs through sh, in `dir` as the server's user, with the paths as positional
  // parameters (no quoting issues): $1 = dir, $2 = the binaries' directory, then `args`.
  auto command = [&](const std::string& dir, const std::string& script,
                     std::vector<std::string> args = {}) {
    std::vector<std::string> argv;
    if (!run_as_.empty())
      argv = {fs::exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser", "-u",
              run_as_, "--"};
    argv.insert(argv.end(), {"/bin/sh", "-c", "cd \"$1\" && " + script, "sh", dir, bindir_});
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  };

  // The watchdog: blocks reading the pipe until every write end is closed, then cleans up.
  const auto pg_stop = command(dir_, "\"$2/pg_ctl\" -D \"$1/data\" -m immediate -w stop >/dev/null 2>&1");
  std::vector<std::string> stop{"/bin/sh", "-c", "\"$@\"; rm -rf \"" + dir_ + "\"", "sh"};
  stop.insert(stop.end(), pg_stop.begin(), pg_stop.end());
  std::vector<char*> stop_argv;
  for (auto& s : stop) stop_argv.push_back(s.data());
  stop_argv.push_back(nullptr);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return "pipe2 failed";
  watchdog_ = fork();
  if (watchdog_ < 0) return "fork failed";
  if (watchdog_ == 0) {
    close(fds[1]);
    setpgid(0, 0);  // not killed with a test's process group
    char c;
    while (read(fds[0], &c, 1) != 0) {
    }
    execv(stop_argv[0], stop_argv.data());
    _exit(127);
  }
  close(fds[0]);
  watchdog_fd_ = fds[1];

  // initdb takes seconds on a loaded machine, so it runs once: into a template directory that
  // appears complete or not at all (rename), which every later server copies.
  const std::string tmpl = "/tmp/infermark-pg-template-" + std::to_string(geteuid()) + "-" +
                           fs::path(bindir_).parent_path().filename().string();
  if (!fs::exists(tmpl + "/data/PG_VERSION")) {
    const std::string fresh = make_dir("/tmp/infermark-pg-template-XXXXXX");
    if (fresh.empty()) return "cannot create a directory in /tmp for initdb";
    const ProcessResult init = run_process(
        command(fresh, "\"$2/initdb\" -D \"$1/data\" -U infermark -A trust -E UTF8 --no-locale --no-sync"),
        {}, {}, 120);
    if (!init.exited || init.exit_code != 0) {
      run_process({"/bin/rm", "-rf", fresh});
      return "initdb failed (" + init.describe() + "): " + init.err;
    }
    if (rename(fresh.c_str(), tmpl.c_str()) != 0) run_process({"/bin/rm", "-rf", fresh});  // lost a race
  }
  const ProcessResult copy = run_process({"/bin/cp", "-a", tmpl + "/data", dir_ + "/data"});
  if (!copy.exited || copy.exit_code != 0)
    return "copying the initdb template " + tmpl + " failed: " + copy.err;

  // Port 5432 is safe: the socket lives in our own directory and TCP is off.
  const ProcessResult up = run_process(
      command(dir_, "\"$2/pg_ctl\" -D \"$1/data\" -l \"$1/server.log\" -w -t 30 -o "
                    "\"-p 5432 -k $1 -c listen_addresses='' -c fsync=off\" start"),
      {}, {}, 60);
  if (!up.exited || up.exit_code != 0) {
    std::string log;
    if (FILE* f = std::fopen((dir_ + "/server.log").c_str(), "r")) {
      char buf[4096];
      log.assign(buf, std::fread(buf, 1, sizeof buf, f));
      std::fclose(f);
    }
    return "pg_ctl start failed (" + up.describe() + "): " + up.out + up.err + log;
  }
  return {};
}

PostgresServer::~PostgresServer() {
  if (watchdog_fd_ >= 0) close(watchdog_fd_);
  if (watchdog_ > 0) {
    int status = 0;
    waitpid(watchdog_, &status, 0);
  }
}

std::string PostgresServer::url(const std::string& database) const {
  return "postgresql://infermark@/" + database + "?host=" + dir_ + "&port=5432";
}

std::string PostgresServer::create_database() {
  const std::string name = "t" + std::to_string(getpid()) + "_" + std::to_string(++databases_);
  auto admin = open_sql_connection(url("postgres"));
  admin->query("CREATE DATABASE " + name);  // a generated name: nothing to bind
  return url(name);
}

}  // namespace infermark::test
