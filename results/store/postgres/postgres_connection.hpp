// The PostgreSQL implementation of SqlConnection (libpq): statements with bound text parameters,
// rows typed by column type, SQLSTATE-based retry flags, and messages that never show a password.
#pragma once

#include <memory>
#include <string>

#include "results/store/sql_connection.hpp"
#include "results/store/store_url.hpp"

namespace infermark {

// Connects to `url` (a postgresql:// URI). A malformed URI throws BadInput; a server that cannot
// be reached or refuses the login throws Unavailable saying what to check.
std::unique_ptr<SqlConnection> open_postgres(const StoreUrl& url);

}  // namespace infermark
