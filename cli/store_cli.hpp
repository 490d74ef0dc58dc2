// The --store option shared by `store`, `history` and `run`, and `run --store`'s last step:
// writing the finished run into the store without ever risking its result file.
#pragma once

#include <string>

namespace infermark::cli {

inline constexpr const char* kStoreOptionHelp =
    "results store: a file path or sqlite:PATH (SQLite), or postgresql://user@host:port/db; "
    "default $INFERMARK_STORE, else results/infermark.db";

// The URL to open: `given` when set, else $INFERMARK_STORE (which keeps a password out of the
// command line), else results/infermark.db.
std::string store_url(const std::string& given);

// Opens the store once (creating or migrating its schema), so a bad URL, an unreachable server
// or a newer schema stop `run` before any benchmark; throws Error.
void check_store(const std::string& url);

// Ingests the result file `file` into the store at `url`. Never throws: a failure is printed
// (password masked) with how to ingest the kept file later, and returns kError; else kOk.
int store_finished_run(const std::string& url, const std::string& file, bool quiet);

}  // namespace infermark::cli
