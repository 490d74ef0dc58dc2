#include "results/rerun_verdict.hpp"

#include "results/text_format.hpp"

namespace infermark {

namespace {

std::string ratio_text(const MatchedPair& m) {
  return m.contender.id + ": ratio " + fixed(m.ratio.ratio, 3) + " (95% CI " + fixed(m.ratio.lo, 3) +
         "–" + fixed(m.ratio.hi, 3) + ", p " + format_p(m.utest.p_value) + ")";
}

std::string unpaired_text(const Unpaired& u) {
  const SideInfo& any = u.baseline ? *u.baseline : *u.contender;
  std::string s = any.workload_id + "@" + any.where() + ": " + u.reason;
  if (u.baseline && u.contender)
    s += " (original " + to_string(u.baseline->state) + ", re-run " + to_string(u.contender->state) + ")";
  return s;
}

}  // namespace

RerunVerdict rerun_verdict(const Comparison& c) {
  RerunVerdict v;
  v.compared = c.matched.size();
  for (const MatchedPair& m : c.matched) {
    switch (m.verdict) {
      case Verdict::Same:
      case Verdict::Faster: v.same_or_faster.push_back(m.contender.id); break;
      case Verdict::Slower: v.slower.push_back(ratio_text(m)); break;
      case Verdict::Noisy: v.noisy.push_back(ratio_text(m)); break;
    }
  }
  for (const auto* list : {&c.state_changes, &c.only_baseline, &c.only_contender, &c.incomparable})
    for (const Unpaired& u : *list) v.not_compared.push_back(unpaired_text(u));
  v.reproduced = v.compared > 0 && v.slower.empty() && v.noisy.empty() && v.not_compared.empty();
  return v;
}

std::string format_verdict(const RerunVerdict& v) {
  std::string out;
  if (v.reproduced) {
    out = "verdict: reproduced (" + std::to_string(v.same_or_faster.size()) + " of " +
          std::to_string(v.compared) + " benchmarks same or faster within their intervals)\n";
    return out;
  }
  out = "verdict: NOT reproduced (" + std::to_string(v.same_or_faster.size()) + " of " +
        std::to_string(v.compared) + " compared benchmarks same or faster)\n";
  if (v.compared == 0) out += "  nothing could be compared\n";
  auto list = [&](const char* title, const std::vector<std::string>& items) {
    if (items.empty()) return;
    out += std::string("  ") + title + " (" + std::to_string(items.size()) + "):\n";
    for (const auto& i : items) out += "    " + i + "\n";
  };
  list("slower", v.slower);
  list("noisy: the interval is too wide to tell", v.noisy);
  list("not compared", v.not_compared);
  return out;
}

}  // namespace infermark
