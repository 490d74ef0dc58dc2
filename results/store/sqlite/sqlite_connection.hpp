// The SQLite implementation of SqlConnection: one database file, prepared statements cached by
// their text, a 30 s busy time-out so concurrent writers on one machine take turns.
#pragma once

#include <memory>
#include <string>

#include "results/store/sql_connection.hpp"

namespace infermark {

// Opens the SQLite file at `path`, creating it and its parent directories when missing if
// `create`. Throws Error: BadInput when the file is not an SQLite database or is missing and not
// to be created, Unavailable when it cannot be opened or created.
std::unique_ptr<SqlConnection> open_sqlite(const std::string& path, bool create);

}  // namespace infermark
