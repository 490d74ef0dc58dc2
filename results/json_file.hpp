// Result files on disk: atomic writes (an interrupted run never leaves a half-written file) and
// reads that turn every I/O or syntax problem into a BadInput naming the file and byte position.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "results/model/result.hpp"

namespace infermark {

// Serialises `j` (1-space indent, trailing newline) into a temporary file in the target's
// directory, fsyncs it, renames it over `path` and fsyncs the directory. Parent directories are
// created. On any failure the temporary file is removed, `path` keeps its previous content, and
// an Error (Unavailable) says what failed. Invalid UTF-8 in strings is replaced, never fatal.
void write_json_atomic(const std::string& path, const ojson& j);

// Missing file, unreadable file or malformed JSON → BadInput naming the file (and, for syntax
// errors, the byte position).
nlohmann::json read_json_file(const std::string& path);
// The same, keeping object key order (for documents that are re-written).
ojson read_ordered_json_file(const std::string& path);

// A whole result document: read_ordered_json_file + run_from_json / to_json + write_json_atomic.
RunResult read_run_file(const std::string& path);
void write_run_file(const std::string& path, const RunResult& r);

}  // namespace infermark
