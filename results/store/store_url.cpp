// Store URL parsing and password masking (store_url.hpp).
#include "results/store/store_url.hpp"

#include <cctype>

#include "common/error.hpp"

namespace infermark {

namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Percent-decoding, so a password written as "p%40ss" is masked in its "p@ss" form too.
std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() &&
        std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += char(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The password of "scheme://user:password@host…", or "" when there is none.
std::string url_password(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return {};
  const size_t start = scheme + 3;
  const size_t end = url.find_first_of("/?#", start);
  const std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
  const size_t at = authority.rfind('@');
  if (at == std::string::npos) return {};
  const size_t colon = authority.find(':');
  if (colon == std::string::npos || colon > at) return {};
  return authority.substr(colon + 1, at - colon - 1);
}

// The value of a "password=" query parameter, or "".
std::string query_password(const std::string& url) {
  const size_t q = url.find('?');
  if (q == std::string::npos) return {};
  size_t pos = q + 1;
  while (pos < url.size()) {
    size_t amp = url.find('&', pos);
    if (amp == std::string::npos) amp = url.size();
    const std::string param = url.substr(pos, amp - pos);
    if (starts_with(param, "password=")) return param.substr(9);
    pos = amp + 1;
  }
  return {};
}

}  // namespace

std::string mask_secret(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (const std::string& s : {secret, percent_decode(secret)}) {
    size_t pos = 0;
    while ((pos = text.find(s, pos)) != std::string::npos) {
      text.replace(pos, s.size(), "***");
      pos += 3;
    }
  }
  return text;
}

std::string mask_url_password(const std::string& url) {
  std::string out = url;
  const size_t scheme = out.find("://");
  if (scheme == std::string::npos) return out;
  const std::string pw = url_password(out);
  if (!pw.empty()) {
    const size_t start = scheme + 3;
    const size_t colon = out.find(':', start);
    out.replace(colon + 1, pw.size(), "***");
  }
  const std::string qpw = query_password(out);
  if (!qpw.empty()) {
    const size_t at = out.find("password=", out.find('?'));
    out.replace(at + 9, qpw.size(), "***");
  }
  return out;
}

StoreUrl parse_store_url(const std::string& given) {
  const std::string url = given.empty() ? kDefaultStoreUrl : given;
  StoreUrl u;
  u.masked = mask_url_password(url);
  if (starts_with(url, "postgresql://") || starts_with(url, "postgres://")) {
    u.kind = StoreUrl::Kind::Postgres;
    u.target = url;
    u.password = url_password(url);
    if (u.password.empty()) u.password = query_password(url);
    return u;
  }
  std::string path = url;
  if (starts_with(path, "sqlite:")) {
    path = path.substr(7);
    if (starts_with(path, "//")) path = path.substr(2);
  } else if (const size_t scheme = path.find("://"); scheme != std::string::npos) {
    throw_bad_input("command line", "--store",
                    "unknown store URL scheme '" + path.substr(0, scheme) +
                        "'; expected a file path, sqlite:PATH or postgresql://user@host:port/db");
  }
  if (path.empty())
    throw_bad_input("command line", "--store",
                    "expected a file path after 'sqlite:', got '" + u.masked + "'");
  u.kind = StoreUrl::Kind::Sqlite;
  u.target = path;
  return u;
}

}  // namespace infermark
