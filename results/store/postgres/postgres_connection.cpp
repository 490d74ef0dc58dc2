// PostgreSQL connection over libpq (postgres_connection.hpp).
#include "results/store/postgres/postgres_connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace infermark {

namespace {

// Type OIDs from PostgreSQL's catalog (pg_type.dat); stable across server versions.
constexpr Oid kInt8 = 20, kInt2 = 21, kInt4 = 23, kFloat4 = 700, kFloat8 = 701, kNumeric = 1700;

std::string double_text(double d) {
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);  // shortest text that reads back exactly
  return std::string(buf, r.ptr);
}

class PostgresConnection : public SqlConnection {
 public:
  explicit PostgresConnection(const StoreUrl& url) : url_(url) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(url.target.c_str(), &err);
    if (!opts) {
      const std::string why = err ? err : "out of memory";
      PQfreemem(err);
      throw Error(ErrorKind::BadInput,
                  "command line: at --store: " + mask(why) + " in '" + url.masked +
                      "'; expected postgresql://user@host:port/database");
    }
    PQconninfoFree(opts);
    // application_name lets an administrator see infermark's sessions in pg_stat_activity.
    const char* keys[] = {"dbname", "application_name", "connect_timeout", nullptr};
    const char* values[] = {url.target.c_str(), "infermark", "10", nullptr};
    conn_ = PQconnectdbParams(keys, values, 1);
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      const std::string why = conn_ ? PQerrorMessage(conn_) : "out of memory";
      PQfinish(conn_);
      conn_ = nullptr;
      throw Error(ErrorKind::Unavailable,
                  "cannot connect to the PostgreSQL store " + url.masked + ": " + trim(mask(why)) +
                      "; check that the server is running and reachable, and the user, password "
                      "and database name");
    }
    // Quiet NOTICEs ("relation already exists, skipping") from CREATE … IF NOT EXISTS.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  }

  ~PostgresConnection() override { PQfinish(conn_); }

  std::string dialect() const override { return "postgresql"; }
  const std::string& where() const override { return url_.masked; }

  std::vector<SqlRow> query(const std::string& sql, const std::vector<SqlValue>& params) override {
    std::vector<std::string> text(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      const SqlValue& v = params[i];
      if (const auto* n = std::get_if<int64_t>(&v)) {
        text[i] = std::to_string(*n);
      } else if (const auto* d = std::get_if<double>(&v)) {
        if (std::isnan(*d)) continue;  // NULL, as SQLite stores it
        text[i] = double_text(*d);
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        text[i] = *s;
      } else {
        continue;
      }
      values[i] = text[i].c_str();
    }
    PGresult* res = PQexecParams(conn_, sql.c_str(), int(params.size()), nullptr, values.data(),
                                 nullptr, nullptr, 0);
    const ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(res, sql);
    std::vector<SqlRow> rows;
    const int nrows = PQntuples(res), ncols = PQnfields(res);
    for (int r = 0; r < nrows; ++r) {
      SqlRow row;
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(res, r, c)) {
          row.emplace_back(std::monostate{});
          continue;
        }
        const char* cell = PQgetvalue(res, r, c);
        const Oid type = PQftype(res, c);
        if (type == kInt8 || type == kInt2 || type == kInt4)
          row.emplace_back(int64_t(std::strtoll(cell, nullptr, 10)));
        else if (type == kFloat8 || type == kFloat4 || type == kNumeric)
          row.emplace_back(std::strtod(cell, nullptr));  // also reads NaN and ±Infinity
        else
          row.emplace_back(std::string(cell, size_t(PQgetlength(res, r, c))));
      }
      rows.push_back(std::move(row));
    }
    PQclear(res);
    return rows;
  }

  void begin() override { query("BEGIN", {}); }
  void commit() override { query("COMMIT", {}); }
  void rollback() noexcept override {
    if (PQstatus(conn_) != CONNECTION_OK) return;
    if (PGresult* r = PQexec(conn_, "ROLLBACK")) PQclear(r);
  }

 private:
  std::string mask(const std::string& text) const { return mask_secret(text, url_.password); }

  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  [[noreturn]] void fail(PGresult* res, const std::string& sql) {
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    const std::string sqlstate = state ? state : "";
    std::string msg = trim(mask(res ? PQresultErrorMessage(res) : PQerrorMessage(conn_)));
    if (msg.empty()) msg = trim(mask(PQerrorMessage(conn_)));
    PQclear(res);
    // 40001 serialization_failure, 40P01 deadlock_detected: the transaction may be run again.
    const bool retryable = sqlstate == "40001" || sqlstate == "40P01";
    const bool lost = PQstatus(conn_) != CONNECTION_OK || sqlstate.rfind("08", 0) == 0 ||
                      sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
    const std::string first = sql.substr(0, sql.find('('));
    if (lost)
      throw SqlError(ErrorKind::Unavailable,
                     "lost the connection to the PostgreSQL store " + url_.masked + ": " + msg +
                         "; the open transaction was rolled back, nothing of it was stored",
                     retryable, true);
    throw SqlError(ErrorKind::Unavailable,
                   "PostgreSQL store " + url_.masked + ": " + msg +
                       (sqlstate.empty() ? "" : " (SQLSTATE " + sqlstate + ")") + " (in: " + first + ")",
                   retryable, false);
  }

  StoreUrl url_;
  PGconn* conn_ = nullptr;
};

}  // namespace

std::unique_ptr<SqlConnection> open_postgres(const StoreUrl& url) {
  return std::make_unique<PostgresConnection>(url);
}

}  // namespace infermark
