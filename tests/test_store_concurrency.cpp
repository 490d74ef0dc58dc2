// Many writers at once, on SQLite and PostgreSQL alike: ten runs from three machines, each
// ingested by four `infermark store ingest` processes at the same time, end up stored once each.
#include <sys/wait.h>

#include "results/json_file.hpp"
#include "results/store/sql_connection.hpp"
#include "results/store/store.hpp"
#include "support/store_test.hpp"

using namespace infermark;
using namespace infermark::test;

STORE_TEST("ten runs from three machines ingested concurrently are stored once each") {
  std::vector<std::string> files;
  for (int run = 0; run < 10; ++run) {
    files.push_back(t.scratch->file("run" + std::to_string(run) + ".json"));
    write_json_atomic(files.back(), machine_document(run % 3, run, 1.0 + run / 100.0));
  }
  open_store(t.url);  // the schema exists before the race (creating it concurrently is tested too, below)

  constexpr int kWriters = 4;
  std::vector<pid_t> writers;
  for (int w = 0; w < kWriters; ++w) {
    // Each writer takes the files in a different rotation, so they collide on different runs.
    std::vector<std::string> argv{INFERMARK_BINARY, "store", "ingest", "--store", t.url};
    for (size_t i = 0; i < files.size(); ++i) argv.push_back(files[(i + 3 * w) % files.size()]);
    writers.push_back(start_process_group(argv, t.scratch->file("out" + std::to_string(w)),
                                          t.scratch->file("err" + std::to_string(w))));
  }
  size_t added = 0;
  for (int w = 0; w < kWriters; ++w) {
    const int status = wait_process(writers[w], 60);
    INFO("writer " << w << ": " << read_text(t.scratch->file("err" + std::to_string(w))));
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    for (const auto& line : lines_of(read_text(t.scratch->file("out" + std::to_string(w)))))
      added += line.find(": added run ") != std::string::npos;
  }
  CHECK(added == 10);

  auto store = open_store(t.url);
  const auto runs = store->runs();
  REQUIRE(runs.size() == 10);
  for (int run = 0; run < 10; ++run) {
    CHECK(runs[run].run_id == "run-m" + std::to_string(run % 3) + "-" + std::to_string(run));
    CHECK(runs[run].benchmarks == 2);
  }
  auto db = open_sql_connection(t.url);
  CHECK(sql_int(db->query("SELECT COUNT(*) FROM systems")[0][0]) == 3);
  CHECK(sql_int(db->query("SELECT COUNT(*) FROM workloads")[0][0]) == 2);
  CHECK(sql_int(db->query("SELECT COUNT(*) FROM benchmarks")[0][0]) == 20);
  CHECK(sql_int(db->query("SELECT COUNT(*) FROM samples")[0][0]) == 200);

  // Every run is exported as it went in.
  for (int run = 0; run < 10; ++run) {
    const auto docs = store->documents(runs[run].run_id);
    REQUIRE(docs.size() == 1);
    CHECK(docs[0] == read_text(files[run]));
  }
}

STORE_TEST("writers racing to create a new store's schema all succeed") {
  const std::string file = t.scratch->file("run.json");
  write_json_atomic(file, machine_document(0, 0, 1.0));
  std::vector<pid_t> writers;
  for (int w = 0; w < 3; ++w)
    writers.push_back(start_process_group({INFERMARK_BINARY, "store", "ingest", "--store", t.url, file},
                                          t.scratch->file("out" + std::to_string(w)),
                                          t.scratch->file("err" + std::to_string(w))));
  for (int w = 0; w < 3; ++w) {
    const int status = wait_process(writers[w], 60);
    INFO("writer " << w << ": " << read_text(t.scratch->file("err" + std::to_string(w))));
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  CHECK(open_store(t.url)->runs().size() == 1);
}
