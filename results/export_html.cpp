// The dashboard page: the embedded template with its stylesheet, chart library, script and data
// put in place, each made inert where it lands (data as escaped JSON, the title as HTML text).
#include <cctype>
#include <map>

#include "common/error.hpp"
#include "common/sha256.hpp"
#include "config.hpp"
#include "results/export_common.hpp"
#include "results/export_html.hpp"
#include "results/export_html_assets.hpp"

namespace infermark {

namespace {

std::string html_text(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string base64(const std::string& bytes) {
  static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8 |
                       (unsigned char)bytes[i + 2];
    for (int k = 18; k >= 0; k -= 6) out += abc[(v >> k) & 63];
  }
  if (i < bytes.size()) {
    unsigned v = (unsigned char)bytes[i] << 16;
    if (i + 1 < bytes.size()) v |= (unsigned char)bytes[i + 1] << 8;
    out += abc[(v >> 18) & 63];
    out += abc[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? abc[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// The CSP source expression for an inline script: 'sha256-<base64 of the digest>'.
std::string csp_hash(std::string_view script) {
  const std::string hex = sha256_hex(script).substr(7);  // after "sha256:"
  std::string digest;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    digest += char(std::stoi(hex.substr(i, 2), nullptr, 16));
  return "'sha256-" + base64(digest) + "'";
}

// A script inlined verbatim must not end its own element early: "</script" would close it and
// "<!--" could switch the HTML parser into its escaped script states.
void check_inlinable(std::string_view text, const char* what) {
  std::string lower(text);
  for (char& c : lower) c = char(std::tolower((unsigned char)c));
  if (lower.find("</script") != std::string::npos || lower.find("<!--") != std::string::npos)
    throw Error(ErrorKind::Internal,
                std::string("dashboard: ") + what + " contains \"</script\" or \"<!--\" and cannot "
                "be inlined in a <script> element");
}

std::string page_title(const std::vector<NamedRun>& runs) {
  std::string title = "infermark report";
  if (runs.empty()) return title;
  const RunResult& r = runs.front().run;
  std::string suite;
  if (r.run.is_object())
    if (auto s = r.run.find("suite"); s != r.run.end()) suite = exports::string_at(*s, "name");
  if (!suite.empty()) title += " · " + suite;
  if (!exports::host_name(r).empty()) title += " · " + exports::host_name(r);
  if (runs.size() > 1) title += " · " + std::to_string(runs.size()) + " runs compared";
  return title;
}

// Replaces each @NAME@ of the template with its value, in one pass over the template only, so a
// value that happens to contain "@DATA@" is never substituted again.
std::string fill(std::string_view tpl, const std::map<std::string, std::string>& values) {
  std::string out;
  std::map<std::string, int> used;
  size_t i = 0;
  while (i < tpl.size()) {
    const size_t at = tpl.find('@', i);
    if (at == std::string_view::npos) break;
    const size_t end = tpl.find('@', at + 1);
    if (end != std::string_view::npos) {
      const std::string name(tpl.substr(at + 1, end - at - 1));
      if (auto v = values.find(name); v != values.end()) {
        out.append(tpl.substr(i, at - i));
        out += v->second;
        ++used[name];
        i = end + 1;
        continue;
      }
    }
    out.append(tpl.substr(i, at + 1 - i));
    i = at + 1;
  }
  out.append(tpl.substr(i));
  for (const auto& [name, value] : values)
    if (used[name] != 1)
      throw Error(ErrorKind::Internal, "dashboards/page.html: placeholder @" + name + "@ appears " +
                                           std::to_string(used[name]) + " times, expected once");
  return out;
}

}  // namespace

std::string json_for_script(const ojson& j) {
  const std::string raw = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(raw.size() + raw.size() / 32);
  for (size_t i = 0; i < raw.size(); ++i) {
    const unsigned char c = (unsigned char)raw[i];
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else if (c == 0xE2 && i + 2 < raw.size() && (unsigned char)raw[i + 1] == 0x80 &&
             ((unsigned char)raw[i + 2] == 0xA8 || (unsigned char)raw[i + 2] == 0xA9)) {
      out += (unsigned char)raw[i + 2] == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += char(c);
    }
  }
  return out;
}

std::string export_html(const std::vector<NamedRun>& runs, const CompareSettings& settings,
                        const ojson& history) {
  if (!dashboard_assets::has_chart_library())
    throw Error(ErrorKind::Unavailable,
                "report --html: this infermark was " +
                    std::string(dashboard_assets::chart_library_status()));
  const std::string_view library = dashboard_assets::chart_library();
  const std::string_view script = dashboard_assets::script();
  check_inlinable(library, "the chart library");
  check_inlinable(script, "dashboards/page.js");

  ojson data = dashboard_data(runs, settings);
  if (!history.is_null()) data["history"] = history;

  // No network, no plug-ins, no frames; only the two inline scripts below may run.
  const std::string csp = "default-src 'none'; script-src " + csp_hash(library) + " " +
                          csp_hash(script) +
                          "; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
                          "form-action 'none'";
  return fill(dashboard_assets::page_template(),
              {{"CSP", csp},
               {"GENERATOR", html_text(std::string("infermark ") + INFERMARK_VERSION)},
               {"TITLE", html_text(page_title(runs))},
               {"STYLE", std::string(dashboard_assets::stylesheet())},
               {"DATA", json_for_script(data)},
               {"CHART_LIBRARY", std::string(library)},
               {"SCRIPT", std::string(script)}});
}

}  // namespace infermark
