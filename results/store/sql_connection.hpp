// One connection to an SQL database, as the results store uses it: statements with bound
// parameters only, typed rows back, explicit transactions. SQLite and PostgreSQL implement it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "common/error.hpp"

namespace infermark {

// NULL, an integer, a double or text. NaN is bound as NULL (SQLite has no NaN).
using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;
using SqlRow = std::vector<SqlValue>;

// A database error. `retryable`: a serialisation failure or deadlock, worth running the whole
// transaction again; `connection_lost`: the server went away (the transaction is rolled back).
class SqlError : public Error {
 public:
  SqlError(ErrorKind kind, const std::string& message, bool retryable, bool connection_lost)
      : Error(kind, message), retryable_(retryable), connection_lost_(connection_lost) {}
  bool retryable() const { return retryable_; }
  bool connection_lost() const { return connection_lost_; }

 private:
  bool retryable_;
  bool connection_lost_;
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  // "sqlite" or "postgresql": which DDL the store writes.
  virtual std::string dialect() const = 0;
  // Runs one statement. Parameters are written $1, $2, … in `sql` and are always bound, never
  // pasted into the text. Throws SqlError with the statement's purpose and the database's message.
  virtual std::vector<SqlRow> query(const std::string& sql, const std::vector<SqlValue>& params = {}) = 0;
  // A write transaction: SQLite takes the write lock at once (BEGIN IMMEDIATE), so two writers
  // wait for each other instead of failing half-way.
  virtual void begin() = 0;
  virtual void commit() = 0;
  // Never throws: after a lost connection there is nothing left to roll back.
  virtual void rollback() noexcept = 0;
  // The URL with any password masked, for messages.
  virtual const std::string& where() const = 0;
};

// Accessors for row cells; a NULL reads as "" / 0 / NaN.
std::string sql_text(const SqlValue& v);
int64_t sql_int(const SqlValue& v);
double sql_double(const SqlValue& v);
bool sql_is_null(const SqlValue& v);

// A connection to the database at a store URL (store_url.hpp), without touching its schema
// (tests and maintenance; the store itself is opened with open_store).
std::unique_ptr<SqlConnection> open_sql_connection(const std::string& url, bool create = true);

}  // namespace infermark
