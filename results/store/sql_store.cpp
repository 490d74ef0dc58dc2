// The SQL results store (sql_store.hpp): one transaction per run, retried on serialisation
// failures; a unique run key with ON CONFLICT DO NOTHING so concurrent writers never store a
// run twice.
#include "results/store/sql_store.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <map>
#include <thread>

#include "common/sha256.hpp"
#include "results/model/result_json.hpp"
#include "results/store/shard_columns.hpp"
#include "results/store/store_schema.hpp"

namespace infermark {

namespace {

// Rows per multi-row INSERT of samples: few round trips, far below either database's limit
// on bound parameters (4 per row).
constexpr size_t kSampleRowsPerInsert = 250;
constexpr int kIngestAttempts = 5;

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string text_or_empty(const ojson& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

SqlValue text_or_null(const std::string& s) {
  return s.empty() ? SqlValue(std::monostate{}) : SqlValue(s);
}

SqlValue optional_double(const std::optional<double>& d) {
  return d ? SqlValue(*d) : SqlValue(std::monostate{});
}

// The workload's hash as the result file states it; a document without one (hand-written,
// abbreviated) gets the hash of its definition, so it still joins with itself.
std::string workload_hash(const BenchmarkResult& b) {
  const std::string h = text_or_empty(b.workload, "hash");
  return h.empty() ? sha256_hex(b.workload.dump()) : h;
}

std::string workload_id(const BenchmarkResult& b) {
  const std::string id = text_or_empty(b.workload, "id");
  return id.empty() ? b.id.substr(0, b.id.find('@')) : id;
}

// The device's name from /system/devices, where the run recorded it.
std::string device_name(const RunResult& r, const BenchmarkResult& b) {
  const auto devices = r.system.find("devices");
  if (devices == r.system.end() || !devices->is_array()) return {};
  for (const auto& d : *devices)
    if (text_or_empty(d, "backend") == b.backend && text_or_empty(d, "id") == b.device)
      return text_or_empty(d, "name");
  return {};
}

// The columns stored_run reads, in its order.
constexpr const char* kRunColumns =
    "r.run_id, r.started_at, s.hostname, s.hash,"
    " (SELECT COUNT(*) FROM benchmarks b WHERE b.run_ref = r.id),"
    " r.run_group, r.shard_index, r.shard_count";

StoredRun stored_run(const SqlRow& row) {
  StoredRun r;
  r.run_id = sql_text(row[0]);
  r.started_at = sql_text(row[1]);
  r.hostname = sql_text(row[2]);
  r.system_hash = sql_text(row[3]);
  r.benchmarks = size_t(sql_int(row[4]));
  r.run_group = sql_text(row[5]);
  r.shard_index = int(sql_int(row[6]));
  r.shard_count = int(sql_int(row[7]));
  return r;
}

class SqlStore : public Store {
 public:
  explicit SqlStore(std::unique_ptr<SqlConnection> db) : db_(std::move(db)) {
    ensure_store_schema(*db_);
  }

  const std::string& where() const override { return db_->where(); }

  IngestResult ingest(const ojson& document, const std::string& source,
                      const IngestHook& hook) override {
    const RunResult r = run_from_json(document, source);
    const std::string run_id = text_or_empty(r.run, "id");
    const std::string started = text_or_empty(r.run, "started_at");
    if (run_id.empty()) throw_bad_input(source, "/run/id", "expected the run's id (a string)");
    if (started.empty())
      throw_bad_input(source, "/run/started_at", "expected the run's start time (a string)");
    Prepared p;
    p.text = document.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    p.document_hash = sha256_hex(p.text);
    p.identity = system_identity(r.system);
    p.system_hash = sha256_hex(p.identity.dump());
    p.run_key = sha256_hex(run_id + "\n" + started + "\n" + p.system_hash);

    for (int attempt = 1;; ++attempt) {
      db_->begin();
      try {
        IngestResult out = ingest_in_transaction(r, p, source, hook);
        if (out.status == IngestResult::Status::Added)
          db_->commit();
        else
          db_->rollback();
        return out;
      } catch (const SqlError& e) {
        db_->rollback();
        if (!e.retryable() || attempt == kIngestAttempts) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
      } catch (...) {
        db_->rollback();
        throw;
      }
    }
  }

  std::vector<StoredRun> runs() override {
    std::vector<StoredRun> out;
    for (const auto& row : db_->query(
             "SELECT " + std::string(kRunColumns) +
             " FROM runs r JOIN systems s ON s.id = r.system_ref ORDER BY r.started_at, r.id"))
      out.push_back(stored_run(row));
    return out;
  }

  std::vector<StoredDocument> run_group(const std::string& name) override {
    std::vector<StoredDocument> out;
    for (const auto& row : db_->query(
             "SELECT " + std::string(kRunColumns) +
                 ", r.document FROM runs r JOIN systems s ON s.id = r.system_ref"
                 " WHERE r.run_group = $1 ORDER BY r.shard_index, r.started_at, r.id",
             {name}))
      out.push_back({stored_run(row), sql_text(row[8])});
    return out;
  }

  std::vector<std::string> documents(const std::string& run_id) override {
    std::vector<std::string> out;
    for (const auto& row : db_->query(
             "SELECT document FROM runs WHERE run_id = $1 ORDER BY started_at, id", {run_id}))
      out.push_back(sql_text(row[0]));
    return out;
  }

  std::vector<HistoryPoint> history(const HistoryFilter& f) override {
    std::vector<SqlValue> params{f.tag};
    std::string sql =
        "SELECT r.run_id, r.started_at, s.hostname, s.hash, w.workload_id, w.hash, b.backend,"
        " b.device, b.device_name, b.state, m.unit, m.value, m.ci_lo, m.ci_hi"
        " FROM benchmarks b JOIN runs r ON r.id = b.run_ref JOIN systems s ON s.id = r.system_ref"
        " JOIN workloads w ON w.id = b.workload_ref"
        " LEFT JOIN summaries m ON m.benchmark_ref = b.id AND m.tag = $1 WHERE 1 = 1";
    auto where = [&](const std::string& column, const std::string& op, const std::string& v) {
      params.emplace_back(v);
      sql += " AND " + column + " " + op + " $" + std::to_string(params.size());
    };
    if (!f.workload.empty()) where("w.workload_id", "=", f.workload);
    if (!f.backend.empty()) where("b.backend", "=", f.backend);
    if (!f.since.empty()) where("r.started_at", ">=", f.since);
    sql += " ORDER BY r.started_at, r.id, b.position";
    std::vector<HistoryPoint> out;
    const std::string dev = lower(f.device);
    for (const auto& row : db_->query(sql, params)) {
      HistoryPoint h;
      h.run_id = sql_text(row[0]);
      h.started_at = sql_text(row[1]);
      h.hostname = sql_text(row[2]);
      h.system_hash = sql_text(row[3]);
      h.workload_id = sql_text(row[4]);
      h.workload_hash = sql_text(row[5]);
      h.backend = sql_text(row[6]);
      h.device = sql_text(row[7]);
      h.device_name = sql_text(row[8]);
      h.state = sql_text(row[9]);
      h.unit = sql_text(row[10]);
      h.value = sql_double(row[11]);
      if (!sql_is_null(row[12])) h.ci_lo = sql_double(row[12]);
      if (!sql_is_null(row[13])) h.ci_hi = sql_double(row[13]);
      if (!dev.empty() && lower(h.device) != dev &&
          lower(h.device_name).find(dev) == std::string::npos)
        continue;
      out.push_back(std::move(h));
    }
    return out;
  }

 private:
  struct Prepared {
    std::string text;
    std::string document_hash;
    ojson identity;
    std::string system_hash;
    std::string run_key;
  };

  // Inserts a row keyed by a unique hash unless it exists, and returns its id either way. Under
  // concurrency the losing writer waits for the winner's commit, then reads its row.
  int64_t upsert_id(const std::string& table, const std::string& columns,
                    const std::vector<SqlValue>& values) {
    std::string marks;
    for (size_t i = 0; i < values.size(); ++i) marks += (i ? ", $" : "$") + std::to_string(i + 1);
    db_->query("INSERT INTO " + table + " (" + columns + ") VALUES (" + marks +
                   ") ON CONFLICT (hash) DO NOTHING",
               values);
    const auto rows = db_->query("SELECT id FROM " + table + " WHERE hash = $1", {values[0]});
    return sql_int(rows.at(0).at(0));
  }

  IngestResult ingest_in_transaction(const RunResult& r, const Prepared& p,
                                     const std::string& source, const IngestHook& hook) {
    IngestResult out;
    out.run_id = text_or_empty(r.run, "id");
    out.run_key = p.run_key;
    out.benchmarks = r.benchmarks.size();

    // Always in the same order (system, then workloads by hash), so two writers sharing rows
    // wait for each other instead of deadlocking.
    const int64_t system = upsert_id(
        "systems", "hash, hostname, cpu_model, description",
        {p.system_hash, text_or_null(text_or_empty(p.identity, "hostname")),
         text_or_null(text_or_empty(p.identity.value("cpu", ojson::object()), "model")),
         p.identity.dump()});
    std::map<std::string, const BenchmarkResult*> by_hash;
    for (const auto& b : r.benchmarks) by_hash.emplace(workload_hash(b), &b);
    std::map<std::string, int64_t> workload_ids;
    for (const auto& [hash, b] : by_hash)
      workload_ids[hash] = upsert_id("workloads", "hash, workload_id, definition",
                                     {hash, workload_id(*b), b->workload.dump()});

    const ShardColumns shard = shard_columns(r.run);
    const auto inserted = db_->query(
        "INSERT INTO runs (run_key, run_id, started_at, finished_at, system_ref, os, kernel,"
        " tool_version, git_revision, document_hash, document, source, ingested_at, run_group,"
        " shard_index, shard_count)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        " ON CONFLICT (run_key) DO NOTHING RETURNING id",
        {p.run_key, out.run_id, text_or_empty(r.run, "started_at"),
         text_or_null(text_or_empty(r.run, "finished_at")), system,
         text_or_null(text_or_empty(r.system, "os")),
         text_or_null(text_or_empty(r.system, "kernel")),
         text_or_null(text_or_empty(r.tool, "version")),
         text_or_null(text_or_empty(r.tool, "git_revision")), p.document_hash, p.text,
         text_or_null(source), utc_now(), text_or_null(shard.run_group),
         shard.index ? SqlValue(int64_t(shard.index)) : SqlValue(std::monostate{}),
         shard.count ? SqlValue(int64_t(shard.count)) : SqlValue(std::monostate{})});
    if (inserted.empty()) {
      const auto stored =
          db_->query("SELECT document_hash FROM runs WHERE run_key = $1", {p.run_key});
      out.status = !stored.empty() && sql_text(stored[0][0]) == p.document_hash
                       ? IngestResult::Status::AlreadyStored
                       : IngestResult::Status::Conflict;
      return out;
    }
    const int64_t run = sql_int(inserted[0][0]);

    for (size_t i = 0; i < r.benchmarks.size(); ++i) {
      const BenchmarkResult& b = r.benchmarks[i];
      const auto row = db_->query(
          "INSERT INTO benchmarks (run_ref, position, benchmark_id, workload_ref, backend,"
          " device, device_name, state, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
          " RETURNING id",
          {run, int64_t(i), b.id, workload_ids.at(workload_hash(b)), b.backend, b.device,
           text_or_null(device_name(r, b)), to_string(b.state), text_or_null(b.reason)});
      const int64_t bench = sql_int(row.at(0).at(0));
      insert_samples(bench, "host", b.host_samples);
      if (b.device_samples) insert_samples(bench, "device", *b.device_samples);
      for (size_t k = 0; k < b.summaries.size(); ++k) {
        const Summary& s = b.summaries[k];
        db_->query(
            "INSERT INTO summaries (benchmark_ref, position, tag, unit, value, ci_lo, ci_hi, per)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            {bench, int64_t(k), s.tag, s.unit, s.value,
             optional_double(s.ci95 ? std::optional<double>(s.ci95->first) : std::nullopt),
             optional_double(s.ci95 ? std::optional<double>(s.ci95->second) : std::nullopt),
             text_or_null(s.per)});
      }
      if (hook) hook(i);
    }
    return out;
  }

  void insert_samples(int64_t bench, const std::string& timer, const std::vector<double>& v) {
    for (size_t start = 0; start < v.size(); start += kSampleRowsPerInsert) {
      const size_t end = std::min(v.size(), start + kSampleRowsPerInsert);
      std::string sql = "INSERT INTO samples (benchmark_ref, timer, position, value) VALUES ";
      std::vector<SqlValue> params;
      for (size_t i = start; i < end; ++i) {
        const size_t n = params.size();
        sql += (i > start ? ", ($" : "($") + std::to_string(n + 1) + ", $" + std::to_string(n + 2) +
               ", $" + std::to_string(n + 3) + ", $" + std::to_string(n + 4) + ")";
        params.insert(params.end(), {bench, timer, int64_t(i), v[i]});
      }
      db_->query(sql, params);
    }
  }

  std::unique_ptr<SqlConnection> db_;
};

}  // namespace

std::unique_ptr<Store> make_sql_store(std::unique_ptr<SqlConnection> db) {
  return std::make_unique<SqlStore>(std::move(db));
}

}  // namespace infermark
