// `infermark report --html`: one self-contained HTML dashboard (data, styles, scripts and the
// chart library inlined; no network) for one result file, or several compared with the first.
#pragma once

#include <string>
#include <vector>

#include "results/compare.hpp"
#include "results/export.hpp"

namespace infermark {

// What the page draws, as embedded in it ("schema": "infermark-dashboard"): per run its label,
// file, tool, run, system, collectors and measured roofline ceilings (system.ceilings, each
// rate null where it is missing, with the recorded reason; null when the run has no ceilings
// array); per benchmark its workload fields, state and reason, correctness and
// validity, the table's numbers, energy summaries ("energy/<source>/joules_per…token", with the
// phase they belong to), all summaries, and the box of its kept host samples (quartiles by
// nearest rank, Tukey whiskers at 1.5 IQR, the samples beyond them as outliers); the precision
// trade-off groups of every run ("tradeoff", export_tradeoff.hpp; each point's "bench" indexes
// "benchmarks"); and with
// several runs the comparison of each with the first, as `infermark compare --json` writes it.
// Strings are kept exactly as in the files: the page renders them as text.
ojson dashboard_data(const std::vector<NamedRun>& runs, const CompareSettings& settings = {});

// JSON text that is inert inside <script type="application/json">: '<', '>', '&', U+2028 and
// U+2029 are written as \uXXXX escapes (so "</script>" in a field cannot close the element),
// invalid UTF-8 is replaced with U+FFFD.
std::string json_for_script(const ojson& j);

// The page: dashboards/page.html with the stylesheet, chart library, page script and data
// inlined, and a Content-Security-Policy that allows no network and only those exact scripts
// (by SHA-256). Throws Error (Unavailable) when this build has no chart library, saying how to
// get it. `history`, when not null, is embedded as the data's "history" (dashboard_history.hpp).
std::string export_html(const std::vector<NamedRun>& runs, const CompareSettings& settings = {},
                        const ojson& history = nullptr);

}  // namespace infermark
