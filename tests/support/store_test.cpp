// Store test targets and documents (store_test.hpp).
#include "support/store_test.hpp"

#include <cstdio>

#include "results/model/result_json.hpp"
#include "support/postgres_server.hpp"
#include "support/result_fixture.hpp"

namespace infermark::test {

StoreTarget make_store_target(const std::string& kind) {
  StoreTarget t;
  t.kind = kind;
  t.scratch = std::make_unique<ScratchDir>();
  t.url = kind == "sqlite" ? "sqlite:" + t.scratch->file("store.db")
                           : PostgresServer::shared().create_database();
  return t;
}

ojson fixture_document() { return to_json(fixture_run()); }

ojson machine_document(int machine, int run, double scale) {
  ojson d = fixture_document();
  char started[32];
  std::snprintf(started, sizeof started, "2026-11-%02dT%02d:00:00Z", 1 + run / 24, run % 24);
  d["run"]["id"] = "run-m" + std::to_string(machine) + "-" + std::to_string(run);
  d["run"]["started_at"] = started;
  d["system"]["hostname"] = "bench-" + std::to_string(machine);
  d["system"]["cpu"]["model"] = "CPU model " + std::to_string(machine);
  for (auto& b : d["benchmarks"]) {
    if (b["samples"].is_object()) {
      for (const char* timer : {"host", "device"})
        if (b["samples"][timer].is_array())
          for (auto& v : b["samples"][timer]) v = v.get<double>() * scale;
    }
    for (auto& s : b["summaries"]) {
      if (s["tag"].get<std::string>().rfind("latency/", 0) != 0) continue;
      s["value"] = s["value"].get<double>() * scale;
      if (s.contains("ci95") && s["ci95"].is_array())
        for (auto& v : s["ci95"]) v = v.get<double>() * scale;
    }
  }
  return d;
}

}  // namespace infermark::test
