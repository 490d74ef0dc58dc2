// SQLite connection (sqlite_connection.hpp).
#include "results/store/sqlite/sqlite_connection.hpp"

#include <sqlite3.h>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <unordered_map>

namespace infermark {

namespace {

class SqliteConnection : public SqlConnection {
 public:
  SqliteConnection(const std::string& path, bool create) : where_(path) {
    namespace fs = std::filesystem;
    const fs::path parent = fs::path(path).parent_path();
    std::error_code ec;
    if (!create && !fs::exists(path, ec))
      throw Error(ErrorKind::BadInput, "command line: at --store: no results store at " + path +
                                           " (nothing was ingested there yet); check --store");
    if (create && !parent.empty()) fs::create_directories(parent, ec);
    const int rc = sqlite3_open_v2(
        path.c_str(), &db_,
        SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      const std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      db_ = nullptr;
      throw Error(ErrorKind::Unavailable, "cannot open the SQLite store " + path + ": " + why +
                                              (ec ? " (creating " + parent.string() + ": " +
                                                        ec.message() + ")"
                                                  : std::string()));
    }
    sqlite3_busy_timeout(db_, 30000);
    sqlite3_extended_result_codes(db_, 1);
    query("PRAGMA foreign_keys = ON", {});
  }

  ~SqliteConnection() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  std::string dialect() const override { return "sqlite"; }
  const std::string& where() const override { return where_; }

  std::vector<SqlRow> query(const std::string& sql, const std::vector<SqlValue>& params) override {
    sqlite3_stmt* stmt = prepare(sql);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    for (size_t i = 0; i < params.size(); ++i) bind(stmt, int(i + 1), params[i], sql);
    std::vector<SqlRow> rows;
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        sqlite3_reset(stmt);
        fail(rc, sql);
      }
      SqlRow row;
      const int n = sqlite3_column_count(stmt);
      for (int c = 0; c < n; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_INTEGER: row.emplace_back(int64_t(sqlite3_column_int64(stmt, c))); break;
          case SQLITE_FLOAT: row.emplace_back(sqlite3_column_double(stmt, c)); break;
          case SQLITE_NULL: row.emplace_back(std::monostate{}); break;
          default: {
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
            row.emplace_back(std::string(p, size_t(sqlite3_column_bytes(stmt, c))));
          }
        }
      }
      rows.push_back(std::move(row));
    }
    sqlite3_reset(stmt);
    return rows;
  }

  void begin() override { query("BEGIN IMMEDIATE", {}); }
  void commit() override { query("COMMIT", {}); }
  void rollback() noexcept override {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  // "$1" → "?1": SQLite's numbered parameters. Our statements have no '$' inside literals.
  static std::string numbered_params(const std::string& sql) {
    std::string out = sql;
    for (size_t i = 0; i + 1 < out.size(); ++i)
      if (out[i] == '$' && std::isdigit(static_cast<unsigned char>(out[i + 1]))) out[i] = '?';
    return out;
  }

  sqlite3_stmt* prepare(const std::string& sql) {
    if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    const std::string text = numbered_params(sql);
    const int rc = sqlite3_prepare_v2(db_, text.c_str(), int(text.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) fail(rc, sql);
    statements_.emplace(sql, stmt);
    return stmt;
  }

  void bind(sqlite3_stmt* stmt, int index, const SqlValue& v, const std::string& sql) {
    int rc = SQLITE_OK;
    if (const auto* i = std::get_if<int64_t>(&v)) {
      rc = sqlite3_bind_int64(stmt, index, *i);
    } else if (const auto* d = std::get_if<double>(&v)) {
      rc = std::isnan(*d) ? sqlite3_bind_null(stmt, index) : sqlite3_bind_double(stmt, index, *d);
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      rc = sqlite3_bind_text64(stmt, index, s->data(), s->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    } else {
      rc = sqlite3_bind_null(stmt, index);
    }
    if (rc != SQLITE_OK) fail(rc, sql);
  }

  [[noreturn]] void fail(int rc, const std::string& sql) {
    const int primary = rc & 0xff;
    const std::string msg = sqlite3_errmsg(db_);
    if (primary == SQLITE_NOTADB)
      throw SqlError(ErrorKind::BadInput,
                     where_ + " is not an SQLite database (" + msg +
                         "); give --store a new file name or an infermark store",
                     false, false);
    const bool busy = primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
    std::string first = sql.substr(0, sql.find('('));
    throw SqlError(ErrorKind::Unavailable,
                   "SQLite store " + where_ + ": " + msg + " (in: " + first + ")" +
                       (busy ? "; another process held the store's lock for over 30 s" : ""),
                   false, false);
  }

  sqlite3* db_ = nullptr;
  std::string where_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace

std::unique_ptr<SqlConnection> open_sqlite(const std::string& path, bool create) {
  return std::make_unique<SqliteConnection>(path, create);
}

}  // namespace infermark
