// --store resolution and `run --store` ingestion (store_cli.hpp).
#include "cli/store_cli.hpp"

#include <cstdlib>
#include <iostream>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "results/json_file.hpp"
#include "results/store/store.hpp"
#include "results/store/store_url.hpp"

namespace infermark::cli {

std::string store_url(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* env = std::getenv("INFERMARK_STORE"); env && *env) return env;
  return kDefaultStoreUrl;
}

void check_store(const std::string& url) { open_store(url); }

int store_finished_run(const std::string& url, const std::string& file, bool quiet) {
  try {
    auto store = open_store(url);
    const IngestResult r = store->ingest(read_ordered_json_file(file), file);
    if (r.status == IngestResult::Status::Conflict) {
      std::cerr << "infermark: a different document for run " << r.run_id
                << " is already in the store " << store->where() << "; the result file " << file
                << " is kept\n";
      return kError;
    }
    if (!quiet) std::cout << "stored: run " << r.run_id << " in " << store->where() << "\n";
    return kOk;
  } catch (const std::exception& e) {
    // Messages from the store mask the password; the URL is masked here too, in case.
    std::cerr << "infermark: could not store the run in " << mask_url_password(url) << ": "
              << e.what() << "\ninfermark: the result file " << file
              << " is kept; store it later with `infermark store ingest " << file << "`\n";
    return kError;
  }
}

}  // namespace infermark::cli
