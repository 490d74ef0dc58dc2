// The store's tables, created by the tool and migrated forward (schema_version); the same layout
// in SQLite and PostgreSQL, differing only in identity and floating-point column types.
#pragma once

#include "results/store/sql_connection.hpp"

namespace infermark {

// Creates the tables of an empty database, or migrates an older store to kStoreSchemaVersion, in
// one transaction (PostgreSQL: under an advisory lock, so two first writers do not race). A store
// with a newer schema version throws Unavailable saying to upgrade infermark.
void ensure_store_schema(SqlConnection& db);

}  // namespace infermark
