// Opening a store by URL (store.hpp, open_store): SQLite always, PostgreSQL when built with libpq.
#include "config.hpp"
#include "results/store/sql_store.hpp"
#include "results/store/sqlite/sqlite_connection.hpp"
#include "results/store/store_url.hpp"
#if INFERMARK_HAS_POSTGRES
#include "results/store/postgres/postgres_connection.hpp"
#endif

namespace infermark {

std::unique_ptr<SqlConnection> open_sql_connection(const std::string& url, bool create) {
  const StoreUrl u = parse_store_url(url);
  if (u.kind == StoreUrl::Kind::Sqlite) return open_sqlite(u.target, create);
#if INFERMARK_HAS_POSTGRES
  return open_postgres(u);
#else
  throw Error(ErrorKind::Unavailable, "cannot open " + u.masked +
                                          ": this infermark was built without PostgreSQL (" +
                                          INFERMARK_POSTGRES_STATUS +
                                          "); install libpq-dev and rebuild, or use an SQLite store");
#endif
}

std::unique_ptr<Store> open_store(const std::string& url, bool create) {
  return make_sql_store(open_sql_connection(url, create));
}

}  // namespace infermark
