// The two renderings of a comparison: the aligned table people read, and the JSON tools read.
#include <cmath>
#include <cstdio>

#include "results/compare.hpp"
#include "results/console_table.hpp"
#include "results/text_format.hpp"

namespace infermark {

namespace {

using ojson = nlohmann::ordered_json;

// "5", "2.5", "0.05": as few digits as the value needs (%g).
std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string ci_cell(double lo, double hi) { return "[" + fixed(lo, 3) + ", " + fixed(hi, 3) + "]"; }

std::string rate_cell(const std::optional<Summary>& s, double scale = 1) {
  if (!s) return "-";
  std::string c = three_digits(s->value * scale);
  if (s->ci95 && s->value != 0)
    c += " ±" + three_digits(100 * (s->ci95->second - s->ci95->first) / 2 / s->value) + "%";
  return c;
}

std::string side_line(const SideInfo& i) {
  std::string l = to_string(i.state);
  if (i.median) l += " " + format_seconds(*i.median);
  if (!i.reason.empty()) l += " (" + i.reason + ")";
  return l;
}

// One line per unpaired benchmark: what it is, each side's state, and why it was not compared.
std::string unpaired_lines(const std::string& title, const std::vector<Unpaired>& v,
                           const Comparison& c) {
  if (v.empty()) return "";
  std::string out = "\n" + title + " (" + std::to_string(v.size()) + "):\n";
  for (const Unpaired& u : v) {
    const SideInfo& any = u.baseline ? *u.baseline : *u.contender;
    std::string place = c.across_sides ? "" : "@" + any.where();
    out += "  " + any.workload_id + place + ": " + u.reason;
    if (u.baseline && u.contender) {
      out += "; baseline " + side_line(*u.baseline) + ", contender " + side_line(*u.contender);
    } else if (u.baseline) {
      out += "; " + side_line(*u.baseline);
    } else {
      out += "; " + side_line(*u.contender);
    }
    out += "\n";
  }
  return out;
}

ojson summary_json(const std::optional<Summary>& s) {
  if (!s) return nullptr;
  ojson j{{"value", s->value}, {"unit", s->unit}};
  j["ci95"] = s->ci95 ? ojson::array({s->ci95->first, s->ci95->second}) : ojson(nullptr);
  return j;
}

ojson side_json(const std::optional<SideInfo>& o) {
  if (!o) return nullptr;
  const SideInfo& i = *o;
  ojson j;
  j["id"] = i.id;
  j["workload_id"] = i.workload_id;
  j["workload_hash"] = i.workload_hash;
  j["backend"] = i.backend;
  j["device"] = i.device;
  j["state"] = to_string(i.state);
  j["reason"] = i.reason.empty() ? ojson(nullptr) : ojson(i.reason);
  j["median_s"] = i.median ? ojson(*i.median) : ojson(nullptr);
  j["tokens_per_s"] = summary_json(i.tokens_per_s);
  j["joules_per_token"] = summary_json(i.joules_per_token);
  return j;
}

ojson unpaired_json(const std::vector<Unpaired>& v) {
  ojson a = ojson::array();
  for (const Unpaired& u : v)
    a.push_back({{"baseline", side_json(u.baseline)},
                 {"contender", side_json(u.contender)},
                 {"reason", u.reason}});
  return a;
}

}  // namespace

std::string comparison_table(const Comparison& c, const CompareSettings& s) {
  std::string out = "baseline:  " + c.baseline_name + "\ncontender: " + c.contender_name + "\n";
  out += std::string("ratio = contender / baseline median ") +
         (s.device_time ? "device" : "host") + " latency (< 1 is faster), bootstrap 95% CI; " +
         "p: Mann-Whitney U; threshold " + short_number(100 * s.threshold) + "%, alpha " +
         short_number(s.alpha) + "\n\n";

  bool energy = false;
  for (const auto& m : c.matched)
    energy = energy || m.baseline.joules_per_token || m.contender.joules_per_token;

  std::vector<std::string> header = {"workload"};
  if (!c.across_sides) header.push_back("backend:device");
  for (const char* h : {"baseline", "contender", "ratio", "95% CI", "p", "n", "label"})
    header.push_back(h);
  if (c.across_sides) {
    header.push_back("tokens/s base");
    header.push_back("tokens/s cont");
    if (energy) {
      header.push_back("J/token base");
      header.push_back("J/token cont");
    }
  }
  std::vector<bool> right;
  for (const auto& h : header)
    right.push_back(h != "workload" && h != "backend:device" && h != "label" && h != "95% CI");

  std::vector<std::vector<std::string>> rows = {header};
  for (const MatchedPair& m : c.matched) {
    std::vector<std::string> r = {m.baseline.workload_id};
    if (!c.across_sides) r.push_back(m.baseline.where());
    std::string label = to_string(m.verdict);
    if (m.baseline.state == State::Mistrusted) label += " (mistrusted)";
    r.insert(r.end(), {format_seconds(m.baseline.median.value_or(NAN)),
                       format_seconds(m.contender.median.value_or(NAN)), fixed(m.ratio.ratio, 3),
                       ci_cell(m.ratio.lo, m.ratio.hi), format_p(m.utest.p_value),
                       std::to_string(m.n_baseline) + "/" + std::to_string(m.n_contender), label});
    if (c.across_sides) {
      r.push_back(rate_cell(m.baseline.tokens_per_s));
      r.push_back(rate_cell(m.contender.tokens_per_s));
      if (energy) {
        r.push_back(rate_cell(m.baseline.joules_per_token));
        r.push_back(rate_cell(m.contender.joules_per_token));
      }
    }
    rows.push_back(std::move(r));
  }
  if (c.geomean) {
    std::vector<std::string> r(header.size());
    r[0] = "geometric mean of " + std::to_string(c.geomean->count);
    const size_t ratio_col = c.across_sides ? 3 : 4;
    r[ratio_col] = fixed(c.geomean->ratio, 3);
    r[ratio_col + 1] = ci_cell(c.geomean->lo, c.geomean->hi);
    rows.push_back(std::move(r));
  }
  if (c.matched.empty()) out += "no benchmark was measured on both sides\n";
  else out += aligned_table(rows, right);

  out += unpaired_lines("state changes, not compared", c.state_changes, c);
  out += unpaired_lines("measured in neither", c.unmeasured, c);
  out += unpaired_lines("only in the baseline", c.only_baseline, c);
  out += unpaired_lines("only in the contender", c.only_contender, c);
  out += unpaired_lines("incomparable, refused", c.incomparable, c);
  return out;
}

ojson comparisons_to_json(const std::vector<Comparison>& cs, const CompareSettings& s,
                          std::optional<double> fail_on_regression) {
  ojson j;
  j["schema"] = "infermark-compare";
  j["schema_version"] = "1.0";
  j["settings"] = {{"timer", s.device_time ? "device" : "host"},
                   {"threshold", s.threshold},
                   {"alpha", s.alpha},
                   {"confidence", 0.95},
                   {"bootstrap_resamples", s.resamples},
                   {"bootstrap_seed", s.seed},
                   {"fail_on_regression", fail_on_regression ? ojson(*fail_on_regression)
                                                             : ojson(nullptr)}};
  ojson arr = ojson::array();
  bool any_regression = false;
  for (const Comparison& c : cs) {
    ojson cj;
    cj["baseline"] = c.baseline_name;
    cj["contender"] = c.contender_name;
    cj["mode"] = c.across_sides ? "backends" : "runs";
    ojson matched = ojson::array();
    for (const MatchedPair& m : c.matched) {
      ojson mj;
      mj["workload_id"] = m.baseline.workload_id;
      mj["workload_hash"] = m.baseline.workload_hash;
      mj["baseline"] = side_json(m.baseline);
      mj["contender"] = side_json(m.contender);
      mj["samples"] = {m.n_baseline, m.n_contender};
      mj["ratio"] = m.ratio.ratio;
      mj["ci95"] = {m.ratio.lo, m.ratio.hi};
      mj["p_value"] = m.utest.p_value;
      mj["u_statistic"] = m.utest.u1;
      mj["utest_method"] = to_string(m.utest.method);
      mj["significant"] = m.significant;
      mj["label"] = to_string(m.verdict);
      const bool reg = fail_on_regression && m.significant && m.ratio.ratio > 1 + *fail_on_regression;
      any_regression = any_regression || reg;
      mj["regression"] = reg;
      matched.push_back(std::move(mj));
    }
    cj["matched"] = std::move(matched);
    cj["geomean"] = c.geomean ? ojson{{"count", c.geomean->count},
                                      {"ratio", c.geomean->ratio},
                                      {"ci95", {c.geomean->lo, c.geomean->hi}}}
                              : ojson(nullptr);
    cj["state_changes"] = unpaired_json(c.state_changes);
    cj["unmeasured"] = unpaired_json(c.unmeasured);
    cj["only_baseline"] = unpaired_json(c.only_baseline);
    cj["only_contender"] = unpaired_json(c.only_contender);
    cj["incomparable"] = unpaired_json(c.incomparable);
    arr.push_back(std::move(cj));
  }
  j["comparisons"] = std::move(arr);
  j["regression_found"] = any_regression;
  return j;
}

}  // namespace infermark
