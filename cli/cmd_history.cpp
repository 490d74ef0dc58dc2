// `infermark history --workload ID`: from a results store, the series of medians over time with
// their 95% intervals, one series per workload definition, backend, device and machine.
#include <cmath>
#include <iostream>
#include <map>
#include <regex>

#include "cli/commands.hpp"
#include "cli/store_cli.hpp"
#include "common/error.hpp"
#include "results/store/store.hpp"
#include "results/text_format.hpp"

namespace infermark::cli {

namespace {

struct HistoryArgs {
  std::string store;
  std::string workload;
  std::string backend;
  std::string device;
  std::string since;
  std::string tag = "latency/host/median";
  bool json = false;
};

std::string scaled(double v, const std::string& unit) {
  return unit == "s" ? three_digits(v * 1e3) : three_digits(v);
}

int history(const HistoryArgs& a) {
  static const std::regex iso(R"(\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?Z?)?)");
  if (!a.since.empty() && !std::regex_match(a.since, iso))
    throw_bad_input("command line", "--since",
                    "expected an ISO-8601 UTC date or time such as 2026-11-01 or "
                    "2026-11-01T12:00:00Z, got '" + a.since + "'");
  auto store = open_store(store_url(a.store), false);
  HistoryFilter f;
  f.workload = a.workload;
  f.backend = a.backend;
  f.device = a.device;
  f.since = a.since;
  f.tag = a.tag;
  const auto points = store->history(f);

  // Series in order of first appearance; points inside each stay in time order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const HistoryPoint*>> series;
  for (const auto& p : points) {
    const std::string key = p.workload_hash + "\n" + p.backend + "\n" + p.device + "\n" + p.system_hash;
    auto [it, fresh] = series.try_emplace(key);
    if (fresh) order.push_back(key);
    it->second.push_back(&p);
  }

  if (a.json) {
    ojson out = ojson::array();
    for (const auto& key : order) {
      const auto& s = series[key];
      ojson j{{"workload", s[0]->workload_id}, {"workload_hash", s[0]->workload_hash},
              {"backend", s[0]->backend}, {"device", s[0]->device},
              {"device_name", s[0]->device_name}, {"hostname", s[0]->hostname},
              {"system_hash", s[0]->system_hash}, {"tag", a.tag}, {"points", ojson::array()}};
      for (const HistoryPoint* p : s) {
        ojson pt{{"run", p->run_id}, {"started_at", p->started_at}, {"state", p->state},
                 {"unit", p->unit}, {"value", nullptr}, {"ci95", nullptr}};
        if (std::isfinite(p->value)) pt["value"] = p->value;
        if (p->ci_lo && p->ci_hi) pt["ci95"] = ojson::array({*p->ci_lo, *p->ci_hi});
        j["points"].push_back(pt);
      }
      out.push_back(j);
    }
    std::cout << out.dump(1) << "\n";
    return kOk;
  }

  if (order.empty()) {
    std::cout << "no stored benchmark matches (workload '" << a.workload << "'"
              << (a.backend.empty() ? "" : ", backend '" + a.backend + "'")
              << (a.device.empty() ? "" : ", device '" + a.device + "'")
              << (a.since.empty() ? "" : ", since " + a.since) << ") in " << store->where() << "\n";
    return kOk;
  }
  for (const auto& key : order) {
    const auto& s = series[key];
    const HistoryPoint& h = *s[0];
    std::cout << h.workload_id << " (" << h.workload_hash.substr(0, 19) << ") on " << h.backend
              << ":" << h.device << (h.device_name.empty() ? "" : " (" + h.device_name + ")")
              << ", host " << h.hostname << " — " << a.tag << "\n";
    const std::string unit = h.unit == "s" || h.unit.empty() ? "ms" : h.unit;
    std::vector<std::vector<std::string>> rows{
        {"started", "run", "state", a.tag.substr(a.tag.rfind('/') + 1) + " (" + unit + ")",
         "95% CI"}};
    for (const HistoryPoint* p : s)
      rows.push_back({p->started_at, p->run_id, p->state, scaled(p->value, p->unit),
                      p->ci_lo && p->ci_hi
                          ? scaled(*p->ci_lo, p->unit) + " – " + scaled(*p->ci_hi, p->unit)
                          : "-"});
    std::cout << aligned_table(rows, {false, false, false, true, true}) << "\n";
  }
  return kOk;
}

}  // namespace

void add_history(CLI::App& app, Action& action) {
  static HistoryArgs a;
  auto* cmd = app.add_subcommand(
      "history", "from a results store: a workload's medians over time, with 95% intervals");
  cmd->add_option("--workload", a.workload, "workload id, e.g. bert-base/encode/b1/s128/f32/l1")
      ->required();
  cmd->add_option("--backend", a.backend, "only this backend");
  cmd->add_option("--device", a.device, "only this device: an id (cpu0) or part of its name");
  cmd->add_option("--since", a.since, "only runs started at or after this UTC date or time");
  cmd->add_option("--tag", a.tag, "the summary to follow (default latency/host/median)");
  cmd->add_flag("--json", a.json, "machine-readable output");
  cmd->add_option("--store", a.store, kStoreOptionHelp);
  cmd->callback([&action] { action = [] { return history(a); }; });
}

}  // namespace infermark::cli
