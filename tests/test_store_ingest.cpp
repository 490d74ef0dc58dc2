// The results store, on SQLite and on a throw-away PostgreSQL server alike: idempotent,
// transactional ingestion, export identical to the input, bound parameters, schema versions.
#include <stdexcept>

#include "common/error.hpp"
#include "results/json_file.hpp"
#include "results/store/sql_connection.hpp"
#include "results/store/store.hpp"
#include "support/store_test.hpp"

using namespace infermark;
using namespace infermark::test;

namespace {

int64_t count(const std::string& url, const std::string& table) {
  auto db = open_sql_connection(url);
  return sql_int(db->query("SELECT COUNT(*) FROM " + table).at(0).at(0));
}

std::string text_of(const ojson& doc) { return doc.dump(1) + "\n"; }

}  // namespace

STORE_TEST("ingesting a run twice adds nothing") {
  const ojson doc = fixture_document();
  {
    auto store = open_store(t.url);
    const IngestResult first = store->ingest(doc, "run.json");
    CHECK(first.status == IngestResult::Status::Added);
    CHECK(first.run_id == "20261128T154002Z-7d3e");
    CHECK(first.benchmarks == 2);
    CHECK(store->ingest(doc, "run.json").status == IngestResult::Status::AlreadyStored);
  }
  // A second connection (another process, another day) sees the same run as stored.
  auto again = open_store(t.url);
  CHECK(again->ingest(doc, "copy.json").status == IngestResult::Status::AlreadyStored);
  REQUIRE(again->runs().size() == 1);
  CHECK(again->runs()[0].benchmarks == 2);
  // The fixture: one passed benchmark (10 host + 10 device samples, 11 summaries) and one
  // unimplemented one (none), two workload definitions, one machine.
  CHECK(count(t.url, "runs") == 1);
  CHECK(count(t.url, "systems") == 1);
  CHECK(count(t.url, "workloads") == 2);
  CHECK(count(t.url, "benchmarks") == 2);
  CHECK(count(t.url, "samples") == 20);
  CHECK(count(t.url, "summaries") == 11);
}

STORE_TEST("export gives back the document that went in, byte for byte") {
  const std::string file = t.scratch->file("run.json");
  write_json_atomic(file, fixture_document());
  const auto in = run_infermark({"store", "ingest", file, "--store", t.url});
  REQUIRE(in.exit_code == 0);
  CHECK(in.out.find("added run 20261128T154002Z-7d3e (2 benchmarks)") != std::string::npos);
  const auto twice = run_infermark({"store", "ingest", file, "--store", t.url});
  CHECK(twice.exit_code == 0);
  CHECK(twice.out.find("already stored; nothing added") != std::string::npos);

  const std::string back = t.scratch->file("back.json");
  const auto out = run_infermark(
      {"store", "export", "--run", "20261128T154002Z-7d3e", "--out", back, "--store", t.url});
  REQUIRE(out.exit_code == 0);
  CHECK(read_text(back) == read_text(file));
  const auto to_stdout =
      run_infermark({"store", "export", "--run", "20261128T154002Z-7d3e", "--store", t.url});
  CHECK(to_stdout.out == read_text(file));
  const auto missing = run_infermark({"store", "export", "--run", "no-such-run", "--store", t.url});
  CHECK(missing.exit_code == 2);
}

STORE_TEST("names with quotes and SQL in them are stored and read back literally") {
  const std::string hostile = "x'; DROP TABLE runs; -- \"quoted\" \\ 'it''s' $1 ?";
  ojson doc = fixture_document();
  doc["system"]["hostname"] = hostile;
  doc["run"]["id"] = hostile;
  doc["benchmarks"][0]["workload"]["id"] = hostile;
  doc["benchmarks"][0]["id"] = hostile + "@onednn:cpu0";
  doc["benchmarks"][0]["reason"] = hostile;
  auto store = open_store(t.url);
  REQUIRE(store->ingest(doc, "hostile.json").status == IngestResult::Status::Added);

  REQUIRE(store->runs().size() == 1);
  CHECK(store->runs()[0].run_id == hostile);
  CHECK(store->runs()[0].hostname == hostile);
  const auto docs = store->documents(hostile);
  REQUIRE(docs.size() == 1);
  CHECK(docs[0] == text_of(doc));
  HistoryFilter f;
  f.workload = hostile;
  const auto h = store->history(f);
  REQUIRE(h.size() == 1);
  CHECK(h[0].workload_id == hostile);
  CHECK(h[0].hostname == hostile);
  CHECK(count(t.url, "runs") == 1);  // the table is still there
}

STORE_TEST("a different document under a stored run's id is a conflict and is not stored") {
  const ojson doc = fixture_document();
  ojson changed = doc;
  changed["benchmarks"][0]["summaries"][0]["value"] = 1.0;
  auto store = open_store(t.url);
  REQUIRE(store->ingest(doc, "a.json").status == IngestResult::Status::Added);
  CHECK(store->ingest(changed, "b.json").status == IngestResult::Status::Conflict);
  const auto docs = store->documents("20261128T154002Z-7d3e");
  REQUIRE(docs.size() == 1);
  CHECK(docs[0] == text_of(doc));
  CHECK(count(t.url, "benchmarks") == 2);
}

STORE_TEST("a document that is not a result is bad input and stores nothing") {
  auto store = open_store(t.url);
  ojson doc = fixture_document();
  doc["schema"] = "something-else";
  try {
    store->ingest(doc, "other.json");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
  }
  CHECK(store->runs().empty());
}

STORE_TEST("a store with a newer schema version is refused with what to do") {
  open_store(t.url);  // creates the current version
  open_sql_connection(t.url)->query("UPDATE schema_version SET version = 99");
  try {
    open_store(t.url);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Unavailable);
    CHECK_THAT(e.what(), Catch::Contains("schema version 99") && Catch::Contains("upgrade infermark"));
  }
  const auto cli = run_infermark({"store", "list", "--store", t.url});
  CHECK(cli.exit_code == 4);
  CHECK_THAT(cli.err, Catch::Contains("schema version 99"));
}

STORE_TEST("an ingest cut off half-way is rolled back and can be repeated") {
  const ojson doc = fixture_document();
  {
    auto store = open_store(t.url);
    const auto cut = [&](size_t benchmark) {
      if (benchmark != 0) return;
      if (t.kind == "postgresql") {
        // The server ends this session, as when the network or the server goes away.
        auto admin = open_sql_connection(t.url);
        const auto killed = admin->query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()");
        REQUIRE(killed.size() == 1);
      } else {
        throw std::runtime_error("cut off after the first benchmark");
      }
    };
    try {
      store->ingest(doc, "run.json", cut);
      FAIL("no error");
    } catch (const SqlError& e) {
      CHECK(t.kind == "postgresql");
      CHECK(e.connection_lost());
      CHECK_THAT(e.what(), Catch::Contains("rolled back"));
    } catch (const std::runtime_error& e) {
      CHECK(t.kind == "sqlite");
      CHECK_THAT(e.what(), Catch::Contains("cut off"));
    }
  }
  CHECK(count(t.url, "runs") == 0);
  CHECK(count(t.url, "benchmarks") == 0);
  CHECK(count(t.url, "samples") == 0);
  auto store = open_store(t.url);
  CHECK(store->ingest(doc, "run.json").status == IngestResult::Status::Added);
  CHECK(count(t.url, "samples") == 20);
}
