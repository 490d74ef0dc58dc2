// Where a results store lives: a file path, sqlite:PATH, or postgresql://user@host:port/db.
// Parsing is strict (a typo is bad input), and every message shows the URL with its password masked.
#pragma once

#include <string>

namespace infermark {

inline constexpr const char* kDefaultStoreUrl = "results/infermark.db";

struct StoreUrl {
  enum class Kind { Sqlite, Postgres };
  Kind kind = Kind::Sqlite;
  std::string target;  // the SQLite file path, or the libpq connection URI as given
  std::string masked;  // the URL safe to print: any password replaced by "***"
  std::string password;  // the password, to mask in messages from the database library; may be empty
};

// "" → kDefaultStoreUrl. "sqlite:PATH", "sqlite://PATH" and any string without "://" are SQLite
// files; "postgresql://…" and "postgres://…" are PostgreSQL. Any other scheme, or an empty path,
// throws BadInput naming --store.
StoreUrl parse_store_url(const std::string& url);

// `text` with every occurrence of `secret` replaced by "***" (nothing when `secret` is empty).
std::string mask_secret(std::string text, const std::string& secret);

// The URL with the password of a "scheme://user:password@host" authority and any "password="
// query parameter replaced by "***"; strings that are not URLs are returned unchanged.
std::string mask_url_password(const std::string& url);

}  // namespace infermark
