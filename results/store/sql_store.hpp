// The Store over any SqlConnection: ingestion, export and history written once, in SQL that both
// SQLite and PostgreSQL run, with bound parameters only.
#pragma once

#include <memory>

#include "results/store/sql_connection.hpp"
#include "results/store/store.hpp"

namespace infermark {

// Takes the connection, creates or migrates its schema (ensure_store_schema) and returns the store.
std::unique_ptr<Store> make_sql_store(std::unique_ptr<SqlConnection> db);

}  // namespace infermark
