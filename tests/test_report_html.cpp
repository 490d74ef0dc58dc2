// Tests of `report --html` (results/export_html*): the page is self-contained (no external
// source, only its own scripts allowed by its Content-Security-Policy), hostile strings from a
// result file stay inert data, and the embedded numbers (boxes, energy, ceilings) are the ones
// worked out by hand from the fixture. The page in a real browser: tests/browser/.
#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <regex>

#include "results/export_html.hpp"
#include "results/export_html_assets.hpp"
#include "results/json_file.hpp"
#include "support/cli_fixture.hpp"
#include "support/result_fixture.hpp"

using namespace infermark;
using namespace infermark::test;

namespace {

// The page with every <script …>…</script> element's content cut out, and those contents.
struct Split {
  std::string outside;
  std::vector<std::string> open_tags, bodies;
};
Split split_scripts(const std::string& html) {
  Split s;
  size_t i = 0;
  while (true) {
    const size_t open = html.find("<script", i);
    if (open == std::string::npos) break;
    const size_t gt = html.find('>', open);
    const size_t close = html.find("</script>", gt);
    REQUIRE(gt != std::string::npos);
    REQUIRE(close != std::string::npos);
    s.outside += html.substr(i, gt + 1 - i);
    s.open_tags.push_back(html.substr(open, gt + 1 - open));
    s.bodies.push_back(html.substr(gt + 1, close - gt - 1));
    i = close;
  }
  s.outside += html.substr(i);
  return s;
}

// 'sha256-…' as CSP wants it, computed with OpenSSL's digest and base64 directly.
std::string csp_source(const std::string& text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  REQUIRE(EVP_Digest(text.data(), text.size(), md, &n, EVP_sha256(), nullptr) == 1);
  unsigned char b64[4 * EVP_MAX_MD_SIZE];
  const int len = EVP_EncodeBlock(b64, md, int(n));
  return "'sha256-" + std::string(reinterpret_cast<char*>(b64), size_t(len)) + "'";
}

nlohmann::json embedded_data(const Split& s) {
  REQUIRE(s.bodies.size() == 3);
  return nlohmann::json::parse(s.bodies[0]);
}

NamedRun hostile_run() {
  NamedRun nr{"runs/evil.json", fixture_run()};
  nr.run.system["hostname"] = "</title><script>alert('host')</script>";
  nr.run.system["cpu"]["model"] = "\"><img src=x onerror=alert('cpu')>";
  nr.run.benchmarks[0].workload["id"] = "</script><script>alert('workload')</script>";
  nr.run.benchmarks[0].device = "<!--<script>alert('device')//";
  nr.run.benchmarks[1].reason = "\xE2\x80\xA8</SCRIPT ><svg onload=alert('reason')> & \xE2\x80\xA9";
  return nr;
}

}  // namespace

TEST_CASE("report --html: json_for_script escapes what could end the script element") {
  const ojson j = {{"a", "</script><b>&\xE2\x80\xA8\xE2\x80\xA9"}};
  const std::string s = json_for_script(j);
  CHECK(s == R"({"a":"\u003c/script\u003e\u003cb\u003e\u0026\u2028\u2029"})");
  CHECK(nlohmann::json::parse(s)["a"] == "</script><b>&\xE2\x80\xA8\xE2\x80\xA9");
  // Invalid UTF-8 is replaced, never fatal.
  CHECK(json_for_script(ojson{{"b", "x\xFFy"}}) == "{\"b\":\"x\xEF\xBF\xBDy\"}");
}

TEST_CASE("report --html: one self-contained page, only its own scripts allowed") {
  if (!dashboard_assets::has_chart_library()) {
    WARN("skipped: " << dashboard_assets::chart_library_status());
    std::exit(77);
  }
  const std::string html = export_html({{"runs/a.json", fixture_run()}});
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  const Split s = split_scripts(html);
  // The data, the chart library, the page script, in that order; none loads anything.
  REQUIRE(s.open_tags.size() == 3);
  CHECK(s.open_tags[0] == "<script type=\"application/json\" id=\"infermark-data\">");
  CHECK(s.open_tags[1] == "<script>");
  CHECK(s.open_tags[2] == "<script>");
  CHECK(s.bodies[1] == dashboard_assets::chart_library());
  CHECK(s.bodies[2] == dashboard_assets::script());
  // Outside the scripts: no element that fetches anything, no URL at all.
  for (const char* bad : {"<link", "<img", "<iframe", "<object", "<embed", "src=", "href=",
                          "http:", "https:", "url(", "@import"})
    CHECK(s.outside.find(bad) == std::string::npos);
  // The policy: no network, and exactly these two scripts by hash.
  std::smatch m;
  REQUIRE(std::regex_search(s.outside, m, std::regex(
      "<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]*)\">")));
  CHECK(m[1].str() == "default-src 'none'; script-src " + csp_source(s.bodies[1]) + " " +
                          csp_source(s.bodies[2]) +
                          "; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
                          "form-action 'none'");
  CHECK(s.outside.find("<title>infermark report · bench-01</title>") != std::string::npos);
  // The embedded data is what dashboard_data says, byte for byte after parsing.
  CHECK(embedded_data(s) == nlohmann::json::parse(dashboard_data({{"runs/a.json", fixture_run()}}).dump()));
}

TEST_CASE("report --html: hostile strings stay data, exactly as in the file") {
  if (!dashboard_assets::has_chart_library()) {
    WARN("skipped: " << dashboard_assets::chart_library_status());
    std::exit(77);
  }
  const NamedRun nr = hostile_run();
  const std::string html = export_html({nr});
  const Split s = split_scripts(html);
  REQUIRE(s.open_tags.size() == 3);  // no hostile string opened or closed a script element
  const std::string& data = s.bodies[0];
  for (const char* raw : {"<", ">", "&", "\xE2\x80\xA8", "\xE2\x80\xA9"})
    CHECK(data.find(raw) == std::string::npos);
  for (const char* bad : {"<img", "<svg", "<!--", "onerror", "onload"})
    CHECK(s.outside.find(bad) == std::string::npos);
  // The title is the one place a result string is written as HTML: escaped there.
  CHECK(s.outside.find("<title>infermark report · &lt;/title&gt;&lt;script&gt;alert(&#39;host&#39;)"
                       "&lt;/script&gt;</title>") != std::string::npos);
  const nlohmann::json d = embedded_data(s);
  CHECK(d["runs"][0]["system"]["hostname"] == "</title><script>alert('host')</script>");
  CHECK(d["runs"][0]["system"]["cpu"]["model"] == "\"><img src=x onerror=alert('cpu')>");
  CHECK(d["benchmarks"][0]["workload"] == "</script><script>alert('workload')</script>");
  CHECK(d["benchmarks"][0]["device"] == "<!--<script>alert('device')//");
  CHECK(d["benchmarks"][1]["reason"] ==
        "\xE2\x80\xA8</SCRIPT ><svg onload=alert('reason')> & \xE2\x80\xA9");
}

TEST_CASE("report --html: boxes, energy, ceilings and labels in the embedded data") {
  NamedRun a{"runs/a.json", fixture_run()};
  BenchmarkResult& b = a.run.benchmarks[0];
  // Fixture samples plus one slow one, sorted (ms): 6.0 6.0 6.1 6.1 6.2 6.3 6.4 6.5 6.6 7.0 9.0.
  b.host_samples.push_back(0.009);
  b.summaries.push_back({"energy/package-0/joules_per_token", "J", 0.002, std::nullopt, "", "token",
                         ojson{{"source", "counter"}}});
  b.summaries.push_back({"energy/gpu0/joules_per_decode_token", "J", 0.005, std::nullopt, "", "token"});
  b.summaries.push_back({"energy/package-0/joules_per_inference", "J", 0.3, std::nullopt, "", "inference"});
  a.run.benchmarks[1].extra["energy"] = {{"state", "unavailable"}, {"reason", "no RAPL domain"}};
  a.run.system["ceilings"] = ojson::array(
      {{{"backend", "onednn"}, {"device", "cpu0"}, {"precision", "bf16"},
        {"unavailable", "no bf16 matmul here"}},
       {{"backend", "onednn"}, {"device", "cpu0"}, {"precision", "f32"}, {"flops_per_s", 2e11},
        {"bytes_per_s", 4e10}, {"method", "dgemm + copy"}}});
  NamedRun c{"other/a.json", fixture_run()};

  const ojson d = dashboard_data({a, c});
  REQUIRE(d["runs"].size() == 2);
  CHECK(d["runs"][0]["label"] == "a");
  CHECK(d["runs"][1]["label"] == "a (2)");
  CHECK(d["runs"][1]["ceilings"].is_null());  // none recorded: "not measured", never invented
  const ojson& ceil = d["runs"][0]["ceilings"];
  REQUIRE(ceil.size() == 2);
  CHECK(ceil[0]["precision"] == "bf16");  // unmeasured: kept, with why, so the page can say it
  CHECK(ceil[0]["flops_per_s"].is_null());
  CHECK(ceil[0]["unavailable"] == "no bf16 matmul here");
  CHECK(ceil[1]["flops_per_s"] == 2e11);
  CHECK(ceil[1]["bytes_per_s"] == 4e10);
  CHECK(ceil[1]["method"] == "dgemm + copy");

  REQUIRE(d["benchmarks"].size() == 4);
  const ojson& j = d["benchmarks"][0];
  CHECK(j["run"] == 0);
  CHECK(j["state"] == "passed");
  CHECK(j["phase"] == "encode");
  CHECK(j["batch"] == 1);
  CHECK(j["seq"] == 8);
  // Box by nearest rank over 11 samples: q1 = s[⌊2.75⌋] = 6.1, median s[5] = 6.3,
  // q3 = s[⌊8.25⌋] = 6.6; IQR 0.5, upper fence 7.35 ms: 9.0 is an outlier, the whisker ends at 7.0.
  const ojson& box = j["box"];
  CHECK(box["n"] == 11);
  CHECK(box["q1"].get<double>() == Approx(0.0061));
  CHECK(box["median"].get<double>() == Approx(0.0063));
  CHECK(box["q3"].get<double>() == Approx(0.0066));
  CHECK(box["whisker_lo"].get<double>() == Approx(0.0060));
  CHECK(box["whisker_hi"].get<double>() == Approx(0.0070));
  CHECK(box["max"].get<double>() == Approx(0.0090));
  REQUIRE(box["outliers"].size() == 1);
  CHECK(box["outliers"][0].get<double>() == Approx(0.0090));
  // Intensity: the cost model's FLOPs over its minimum bytes, as stored in the workload.
  CHECK(j["intensity"].get<double>() ==
        Approx(b.workload["flops"].get<double>() / b.workload["min_bytes"].get<double>()));
  // Energy: per-token summaries only, each with its source and phase.
  REQUIRE(j["energy"].size() == 2);
  CHECK(j["energy"][0]["domain"] == "package-0");
  CHECK(j["energy"][0]["source"] == "counter");
  CHECK(j["energy"][0]["phase"] == "encode");
  CHECK(j["energy"][0]["value"] == 0.002);
  CHECK(j["energy"][1]["domain"] == "gpu0");
  CHECK(j["energy"][1]["source"] == "");
  CHECK(j["energy"][1]["phase"] == "decode");
  CHECK(j["energy_status"].is_null());
  // The unimplemented one: no box, no numbers, its reason kept.
  const ojson& u = d["benchmarks"][1];
  CHECK(u["state"] == "unimplemented");
  CHECK(u["box"].is_null());
  CHECK(u["median"].is_null());
  CHECK(u["reason"] == "bf16 storage not supported by llvmpipe");
  CHECK(u["energy_status"] == ojson({{"state", "unavailable"}, {"reason", "no RAPL domain"}}));

  // Two runs: the second compared with the first, as `compare --json` would.
  REQUIRE(d["comparison"].is_object());
  CHECK(d["comparison"]["schema"] == "infermark-compare");
  REQUIRE(d["comparison"]["comparisons"].size() == 1);
  CHECK(d["comparison"]["comparisons"][0]["baseline"] == "runs/a.json");
  CHECK(d["comparison"]["comparisons"][0]["matched"].size() == 1);
  CHECK(dashboard_data({a})["comparison"].is_null());
}

TEST_CASE("report --html CLI: writes the page, prints its path, refuses a second format") {
  if (!dashboard_assets::has_chart_library()) {
    WARN("skipped: " << dashboard_assets::chart_library_status());
    std::exit(77);
  }
  ScratchDir dir;
  write_run_file(dir.file("a.json"), fixture_run());
  ProcessResult r = run_infermark({"report", dir.file("a.json"), "--html", dir.file("out/a.html")});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == dir.file("out/a.html") + "\n");
  CHECK(read_text(dir.file("out/a.html")).rfind("<!DOCTYPE html>", 0) == 0);

  r = run_infermark({"report", dir.file("a.json"), "--html", dir.file("b.html"), "--markdown"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("expected only one of"));
  r = run_infermark({"report", dir.file("a.json"), "--html", dir.file("b.html"), "--out", dir.file("c")});
  CHECK(r.exit_code == 2);
  r = run_infermark({"report", dir.file("nope.json"), "--html", dir.file("b.html")});
  CHECK(r.exit_code == 2);
  CHECK(!exists(dir.file("b.html")));  // bad input writes nothing
}
