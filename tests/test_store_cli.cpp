// Store URLs and the store's command line: parsing, password masking, the exit codes of bad and
// unreachable stores, and `run --store`, which keeps its result file when the store fails.
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "common/error.hpp"
#include "results/store/sql_connection.hpp"
#include "results/store/store.hpp"
#include "results/store/store_url.hpp"
#include "support/postgres_server.hpp"
#include "support/store_test.hpp"

using namespace infermark;
using namespace infermark::test;

TEST_CASE("store url: files, sqlite: and postgresql:// URLs, with passwords masked", "[store]") {
  CHECK(parse_store_url("").target == "results/infermark.db");
  CHECK(parse_store_url("").kind == StoreUrl::Kind::Sqlite);
  CHECK(parse_store_url("sqlite:/var/im.db").target == "/var/im.db");
  CHECK(parse_store_url("sqlite:///var/im.db").target == "/var/im.db");
  CHECK(parse_store_url("runs/my store.db").target == "runs/my store.db");
  const StoreUrl pg = parse_store_url("postgresql://bench:s3cr%40t@db.example:5433/results");
  CHECK(pg.kind == StoreUrl::Kind::Postgres);
  CHECK(pg.masked == "postgresql://bench:***@db.example:5433/results");
  CHECK(pg.password == "s3cr%40t");
  CHECK(mask_secret("auth failed for s3cr@t and s3cr%40t", pg.password) ==
        "auth failed for *** and ***");
  CHECK(parse_store_url("postgres://u@h/db?password=x1&sslmode=require").masked ==
        "postgres://u@h/db?password=***&sslmode=require");
  CHECK(parse_store_url("postgresql://u@h/db").masked == "postgresql://u@h/db");
  CHECK(mask_url_password("--store=postgresql://u:pw@h/db") == "--store=postgresql://u:***@h/db");
  for (const std::string bad : {"mysql://u@h/db", "sqlite:", "http://x"}) {
    INFO(bad);
    try {
      parse_store_url(bad);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::BadInput);
      CHECK_THAT(e.what(), Catch::Contains("--store"));
    }
  }
}

TEST_CASE("store cli: bad and unreachable stores exit 2 and 4 and never print the password", "[store]") {
  ScratchDir dir;
  const auto scheme = run_infermark({"store", "list", "--store", "mysql://u:pw@h/db"});
  CHECK(scheme.exit_code == 2);
  CHECK_THAT(scheme.err, Catch::Contains("unknown store URL scheme 'mysql'"));

  const auto bad = run_infermark({"store", "list", "--store", "postgresql://alice:s3cret@h/db?bogus=1"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("s3cret") == std::string::npos);
  CHECK_THAT(bad.err, Catch::Contains("alice:***@"));

  const std::string nowhere = "postgresql://alice:s3cret@/db?host=" + dir.file("no-server") + "&port=5432";
  const auto down = run_infermark({"store", "list", "--store", nowhere});
  CHECK(down.exit_code == 4);
  CHECK_THAT(down.err, Catch::Contains("cannot connect to the PostgreSQL store") &&
                           Catch::Contains("alice:***@"));
  CHECK(down.err.find("s3cret") == std::string::npos);
  // Through $INFERMARK_STORE, which keeps the password off the command line.
  const auto env = run_infermark({"store", "list"}, {{"INFERMARK_STORE", nowhere}});
  CHECK(env.exit_code == 4);
  CHECK(env.err.find("s3cret") == std::string::npos);

  // Commands that only read never create a store where a typo points.
  const auto missing = run_infermark({"history", "--workload", "w", "--store", dir.file("typo.db")});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("no results store at"));
  CHECK_FALSE(exists(dir.file("typo.db")));

  write_text(dir.file("not-a-db"), "this is not a database, just text that is long enough\n");
  const auto notdb = run_infermark({"store", "list", "--store", dir.file("not-a-db")});
  CHECK(notdb.exit_code == 2);
  CHECK_THAT(notdb.err, Catch::Contains("is not an SQLite database"));
}

TEST_CASE("store cli: run --store stores the finished run and keeps the file when the store is lost",
          "[store][postgresql]") {
  ScratchDir dir;
  const std::vector<std::string> run_args{
      "run", "--suite", "smoke", "--backend", "reference", "--quick", "--no-ceilings", "--quiet",
      "--filter", "^tiny-bert/encode/b1/", "--cache-dir", dir.cache()};

  // SQLite: stored, and export gives the result file back.
  auto args = run_args;
  args.insert(args.end(), {"--out", dir.file("a.json"), "--store", "sqlite:" + dir.file("s.db")});
  const auto ok = run_infermark(args, {}, 300);
  REQUIRE(ok.exit_code == 0);
  auto store = open_store("sqlite:" + dir.file("s.db"));
  REQUIRE(store->runs().size() == 1);
  CHECK(store->documents(store->runs()[0].run_id).at(0) == read_text(dir.file("a.json")));

  // PostgreSQL, with a password in the URL: the database is dropped while the run is going on.
  PostgresServer& server = PostgresServer::shared();
  const std::string url = server.create_database();
  const size_t db_at = url.find("@/") + 2;  // postgresql://infermark@/<db>?host=…
  const std::string db = url.substr(db_at, url.find('?') - db_at);
  const std::string with_password =
      "postgresql://infermark:pw-not-needed@/" + db + url.substr(url.find('?'));
  args = run_args;
  args.insert(args.end(), {"--out", dir.file("b.json"), "--store", with_password});
  std::vector<std::string> argv{INFERMARK_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  // The second benchmark hangs until --timeout: time enough to drop the database after the first
  // one's result is in the file (the store was checked before the first benchmark).
  argv.insert(argv.end(), {"--timeout", "3"});
  const pid_t pid = start_process_group(argv, dir.file("out"), dir.file("err"),
                                        {{"INFERMARK_TEST_FAULT", "hang:/bf16/"}});
  for (int i = 0; i < 3000 && !exists(dir.file("b.json")); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(exists(dir.file("b.json")));
  open_sql_connection(server.url("postgres"))->query("DROP DATABASE " + db + " WITH (FORCE)");
  const int status = wait_process(pid, 300);
  REQUIRE(WIFEXITED(status));
  const std::string err = read_text(dir.file("err"));
  INFO(err);
  CHECK(WEXITSTATUS(status) == 4);
  CHECK_THAT(err, Catch::Contains("could not store the run") &&
                      Catch::Contains("is kept; store it later with `infermark store ingest"));
  CHECK(err.find("pw-not-needed") == std::string::npos);
  const std::string result = read_text(dir.file("b.json"));
  CHECK(result.find("pw-not-needed") == std::string::npos);  // nor in the command line recorded
  CHECK_THAT(result, Catch::Contains("infermark:***@"));

  // Later, with the database back, the kept file goes in.
  open_sql_connection(server.url("postgres"))->query("CREATE DATABASE " + db);
  const auto later = run_infermark({"store", "ingest", dir.file("b.json"), "--store", url});
  CHECK(later.exit_code == 0);
  CHECK(open_store(url)->documents(read_json(dir.file("b.json"))["run"]["id"].get<std::string>()).at(0) == result);
}
