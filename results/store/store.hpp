// The results store (DESIGN.md §6): many result documents in one SQLite file or PostgreSQL
// database, normalised so history and regression checks can join runs from many machines.
#pragma once

#include <cmath>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "results/model/result.hpp"

namespace infermark {

// The store layout this build creates and reads (table schema_version); migrations bring an
// older store up to it, a newer store is refused.
// Version 2 adds each run's run group and shard (run.run_group, run.shard) as columns.
inline constexpr int kStoreSchemaVersion = 2;

struct IngestResult {
  enum class Status {
    Added,          // the run is in the store now
    AlreadyStored,  // the same document was stored before: nothing was added
    Conflict,       // a different document with the same run id, start and system is stored
  };
  Status status = Status::Added;
  std::string run_id;  // the document's /run/id
  std::string run_key;  // "sha256:…" of run id, start time and system: what makes a run unique
  size_t benchmarks = 0;
};

struct StoredRun {
  std::string run_id;
  std::string started_at;
  std::string hostname;
  std::string system_hash;
  size_t benchmarks = 0;
  std::string run_group;  // run.run_group; empty for a run that is no shard of a sweep
  int shard_index = 0;    // run.shard.index (1-based) and count; 0 when not a shard
  int shard_count = 0;
};

// A stored run with its document, exactly as it went in.
struct StoredDocument {
  StoredRun run;
  std::string text;
};

// Which benchmarks a history holds. Empty fields match everything.
struct HistoryFilter {
  std::string workload;  // workload id, exact
  std::string backend;   // exact
  std::string device;    // a device id (cpu0) or part of its name, any case
  std::string since;     // ISO-8601 date or time: runs started at or after it
  std::string tag = "latency/host/median";
};

// One benchmark of one stored run, with the value and interval of the filter's summary tag.
struct HistoryPoint {
  std::string run_id;
  std::string started_at;
  std::string hostname;
  std::string system_hash;
  std::string workload_id;
  std::string workload_hash;
  std::string backend;
  std::string device;
  std::string device_name;
  std::string state;
  std::string unit;
  double value = NAN;  // NaN when the benchmark has no such summary (e.g. it failed)
  std::optional<double> ci_lo;
  std::optional<double> ci_hi;
};

// Called inside the ingest transaction after each benchmark is written (its index), e.g. to
// report progress; an exception from it rolls the run back.
using IngestHook = std::function<void(size_t)>;

class Store {
 public:
  virtual ~Store() = default;
  // Adds one result document in one transaction: all of it or nothing. The document is checked
  // as `source` (a file name for messages) first; a document that is not a result throws
  // BadInput. Concurrent writers never store a run twice.
  virtual IngestResult ingest(const ojson& document, const std::string& source,
                              const IngestHook& hook = {}) = 0;
  // Every stored run, by start time.
  virtual std::vector<StoredRun> runs() = 0;
  // The documents stored under this run id (normally one), exactly as they went in: the JSON
  // text infermark writes (1-space indent, trailing newline).
  virtual std::vector<std::string> documents(const std::string& run_id) = 0;
  // The runs of one run group (`run --shard I/N --run-group NAME`) with their documents, by shard
  // index, then start time; empty when no run of that group is stored.
  virtual std::vector<StoredDocument> run_group(const std::string& name) = 0;
  // Matching benchmarks of every stored run, by start time (then run, then position).
  virtual std::vector<HistoryPoint> history(const HistoryFilter& filter) = 0;
  // The store's URL, password masked.
  virtual const std::string& where() const = 0;
};

// Opens (creating or migrating its schema) the store at `url` (see store_url.hpp).
// Bad URLs throw BadInput; unreachable servers and stores of a newer schema throw Unavailable.
// With create = false (commands that only read), a missing SQLite file is BadInput rather than
// a new, empty store.
std::unique_ptr<Store> open_store(const std::string& url, bool create = true);

// The machine part of a result's /system that identifies it across runs: hostname, CPU
// (model, vendor, sockets, cores, threads), memory and devices (backend, id, name). Software
// versions and measured values are left out, so an upgrade is judged against the history before it.
ojson system_identity(const ojson& system);

}  // namespace infermark
