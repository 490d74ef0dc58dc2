// A throw-away PostgreSQL server for the store tests: initdb into a temporary directory and
// pg_ctl start with a Unix socket there (no TCP port to collide with), one per test process.
#pragma once

#include <sys/types.h>

#include <string>

namespace infermark::test {

class PostgresServer {
 public:
  // The server of this test process, started on first use. When it cannot start (no PostgreSQL
  // server binaries, no unprivileged user to run them as root) prints "SKIP: <why>" and exits 77.
  static PostgresServer& shared();

  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // A new, empty database on the server, and its postgresql:// URL.
  std::string create_database();
  // The URL of an existing database.
  std::string url(const std::string& database) const;

 private:
  PostgresServer() = default;
  std::string start();  // "" on success, else why not

  std::string bindir_;   // initdb, pg_ctl
  std::string dir_;      // data directory, socket and log live here
  std::string run_as_;   // the user the server runs as when this process is root; else ""
  pid_t watchdog_ = -1;  // stops the server and removes dir_ when this process ends, however
  int watchdog_fd_ = -1;  // closing it (or dying) wakes the watchdog
  int databases_ = 0;
};

}  // namespace infermark::test
