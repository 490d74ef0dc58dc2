// History and regression checks over a store, on SQLite and PostgreSQL alike: series in time
// order per machine, the same workload joining across machines, and a z-score check that flags
// an injected 3x slowdown and stays quiet on stable history.
#include <cmath>

#include "results/export_html_assets.hpp"
#include "results/json_file.hpp"
#include "results/store/regression_check.hpp"
#include "results/store/store.hpp"
#include "support/store_test.hpp"

using namespace infermark;
using namespace infermark::test;

namespace {

// The fixture's passed benchmark: its workload id and its median (6.25 ms, result_fixture.hpp).
const std::string kWorkload = "bert-base/encode/b1/s8/f32/l1";
constexpr double kMedian = 0.00625;

HistoryFilter workload_filter() {
  HistoryFilter f;
  f.workload = kWorkload;
  return f;
}

}  // namespace

STORE_TEST("history is the series of medians in time order, per machine") {
  auto store = open_store(t.url);
  for (int run : {3, 0, 4, 1, 2}) store->ingest(machine_document(1, run, 1.0 + run / 100.0), "m1");
  store->ingest(machine_document(2, 7, 2.0), "m2");

  auto h = store->history(workload_filter());
  REQUIRE(h.size() == 6);
  for (int i = 0; i < 5; ++i) {
    INFO("point " << i);
    CHECK(h[i].run_id == "run-m1-" + std::to_string(i));
    CHECK(h[i].hostname == "bench-1");
    CHECK(h[i].state == "passed");
    CHECK(h[i].unit == "s");
    CHECK(h[i].value == Approx(kMedian * (1.0 + i / 100.0)));
    REQUIRE(h[i].ci_lo);
    REQUIRE(h[i].ci_hi);
    CHECK(*h[i].ci_lo <= h[i].value);
    CHECK(*h[i].ci_hi >= h[i].value);
  }
  CHECK(h[5].run_id == "run-m2-7");
  CHECK(h[5].hostname == "bench-2");
  CHECK(h[5].value == Approx(2 * kMedian));
  // Same workload definition on both machines: one workload row, two systems.
  CHECK(h[5].workload_hash == h[0].workload_hash);
  CHECK(h[5].system_hash != h[0].system_hash);

  HistoryFilter since = workload_filter();
  since.since = "2026-11-01T02:00:00Z";
  CHECK(store->history(since).size() == 4);  // runs 2, 3, 4 of machine 1 and run 7 of machine 2
  HistoryFilter device = workload_filter();
  device.device = "cpu0";
  CHECK(store->history(device).size() == 6);
  device.device = "vk0";
  CHECK(store->history(device).empty());

  // The command line prints both series, oldest first.
  const auto cli = run_infermark({"history", "--workload", kWorkload, "--store", t.url});
  REQUIRE(cli.exit_code == 0);
  const size_t m1_first = cli.out.find("run-m1-0"), m1_last = cli.out.find("run-m1-4");
  CHECK(m1_first != std::string::npos);
  CHECK(m1_last != std::string::npos);
  CHECK(m1_first < m1_last);
  CHECK(cli.out.find("6.25") != std::string::npos);  // the first median, in ms
  const auto bad_since =
      run_infermark({"history", "--workload", kWorkload, "--since", "yesterday", "--store", t.url});
  CHECK(bad_since.exit_code == 2);
}

STORE_TEST("check flags a 3x slower latest run and is quiet on stable history") {
  auto store = open_store(t.url);
  const double stable[] = {1.0, 1.02, 0.98, 1.01, 0.99};
  for (int run = 0; run < 5; ++run) {
    store->ingest(machine_document(1, run, stable[run]), "m1");
    store->ingest(machine_document(2, run, stable[run]), "m2");
  }
  store->ingest(machine_document(1, 5, 1.01), "m1");

  // Stable: latest 1.01 against 1.0, 1.02, 0.98, 1.01, 0.99 (mean 1, sample stddev 0.0158114).
  auto checks = check_regressions(store->history(workload_filter()), 10, 3.0);
  REQUIRE(checks.size() == 2);
  CHECK(checks[0].latest.run_id == "run-m1-5");
  CHECK(checks[0].judged);
  CHECK(checks[0].history == 5);
  CHECK(checks[0].mean == Approx(kMedian));
  CHECK(checks[0].stddev == Approx(9.882117688026194e-05));
  CHECK(checks[0].z == Approx(0.6324555320336759));
  CHECK_FALSE(checks[0].regression);
  CHECK(checks[1].latest.run_id == "run-m2-4");
  CHECK_FALSE(checks[1].regression);
  const auto quiet = run_infermark({"store", "check", "--store", t.url});
  CHECK(quiet.exit_code == 0);
  CHECK_THAT(quiet.out, Catch::Contains("no regressions"));

  // Injected: machine 1's next run is 3x slower. Window 5: 1.01 0.99 1.01 0.98 1.02 before it
  // (mean 1.002, stddev 0.0164317), so z = (3 - 1.002) / 0.0164317 = 121.594.
  store->ingest(machine_document(1, 6, 3.0), "m1");
  checks = check_regressions(store->history(workload_filter()), 5, 3.0);
  REQUIRE(checks.size() == 2);
  CHECK(checks[0].latest.run_id == "run-m1-6");
  CHECK(checks[0].history == 5);
  CHECK(checks[0].mean == Approx(0.0062625));
  CHECK(checks[0].stddev == Approx(0.00010269797953221875));
  CHECK(checks[0].z == Approx(121.59440776614677));
  CHECK(checks[0].regression);
  CHECK_FALSE(checks[1].regression);  // machine 2 did not change

  const auto flagged = run_infermark({"store", "check", "--window", "5", "--store", t.url});
  CHECK(flagged.exit_code == 3);
  CHECK_THAT(flagged.out, Catch::Contains("1 regression") && Catch::Contains("run-m1-6") &&
                              Catch::Contains("bench-1") && Catch::Contains(kWorkload));
  CHECK(flagged.out.find("bench-2") == std::string::npos);
}

STORE_TEST("check does not judge a series with too little history or an unmeasured latest run") {
  auto store = open_store(t.url);
  store->ingest(machine_document(1, 0, 1.0), "m1");
  store->ingest(machine_document(1, 1, 3.0), "m1");
  const auto checks = check_regressions(store->history(HistoryFilter{}), 10, 3.0);
  // The passed f32 workload has 1 earlier run; the bf16 one is unimplemented in every run.
  REQUIRE(checks.size() == 2);
  for (const auto& c : checks) {
    CHECK_FALSE(c.judged);
    CHECK_FALSE(c.regression);
  }
  CHECK_THAT(checks[0].note, Catch::Contains("only 1 earlier passed run"));
  CHECK_THAT(checks[1].note, Catch::Contains("unimplemented"));
  CHECK(run_infermark({"store", "check", "--store", t.url}).exit_code == 0);
}

TEST_CASE("store: report --html --store embeds each reported benchmark's history", "[store][sqlite]") {
  if (!dashboard_assets::has_chart_library()) {
    WARN("skipped: " << dashboard_assets::chart_library_status());
    std::exit(77);
  }
  ScratchDir dir;
  const std::string url = "sqlite:" + dir.file("store.db");
  auto store = open_store(url);
  for (int run = 0; run < 3; ++run) store->ingest(machine_document(1, run, 1.0 + run), "m1");
  store->ingest(machine_document(2, 0, 5.0), "m2");
  const std::string latest = dir.file("latest.json");
  write_json_atomic(latest, machine_document(1, 2, 3.0));
  const std::string page = dir.file("page.html");

  const auto r = run_infermark({"report", latest, "--html", page, "--store", url});
  REQUIRE(r.exit_code == 0);
  // The data the page draws, from its <script type="application/json"> element.
  const auto page_data = [&] {
    const std::string html = read_text(page);
    const std::string open = "<script type=\"application/json\" id=\"infermark-data\">";
    const size_t from = html.find(open) + open.size();
    return nlohmann::json::parse(html.substr(from, html.find("</script>", from) - from));
  };
  const auto data = page_data();
  // Two benchmarks reported (f32 on onednn:cpu0, bf16 on vulkan:vk0), each on two machines.
  const auto& h = data.at("history");
  REQUIRE(h.size() == 4);
  const auto& f32 = h.at(0).at("workload") == kWorkload ? h.at(0) : h.at(2);
  CHECK(f32.at("hostname") == "bench-1");
  REQUIRE(f32.at("points").size() == 3);
  for (int run = 0; run < 3; ++run) {
    CHECK(f32["points"][run]["run"] == "run-m1-" + std::to_string(run));
    CHECK(f32["points"][run]["value"].get<double>() == Approx(kMedian * (1 + run)));
    CHECK(f32["points"][run]["ci95"].size() == 2);
  }
  // Without a store there is no history block; --store is only for --html.
  CHECK(run_infermark({"report", latest, "--html", page}).exit_code == 0);
  CHECK_FALSE(page_data().contains("history"));
  CHECK(run_infermark({"report", latest, "--markdown", "--store", url}).exit_code == 2);
}
