// SHA-256 digests (OpenSSL libcrypto) for workload hashes and weight-file identities.
// Returned as "sha256:<64 hex digits>", the form stored in result files.
#pragma once

#include <string>
#include <string_view>

namespace infermark {

std::string sha256_hex(std::string_view data);          // "sha256:…"
std::string sha256_file(const std::string& path);       // throws Error(Unavailable) if unreadable

}  // namespace infermark
