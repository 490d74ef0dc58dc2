#include "harness/ceilings.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "backends/registry.hpp"
#include "harness/child_process.hpp"
#include "harness/runner.hpp"
#include "common/error.hpp"
#include "suites/graph_builder.hpp"

namespace infermark {
namespace {

struct Timing {
  double median_s = 0;
  int runs = 0;
  std::string timer;  // "device" or "host"
};

// One run's seconds: the device timer where the backend has one, else the host clock around
// run() + sync().
double time_once(Executable& exe, bool& device_timer) {
  const auto t0 = std::chrono::steady_clock::now();
  exe.run();
  exe.sync();
  const double host = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto dev = exe.device_seconds_last();
  device_timer = dev.has_value();
  return dev ? *dev : host;
}

// Median over enough runs for ~0.3 s (5 … 50 runs), after one warm-up run.
Timing time_runs(Executable& exe) {
  bool device = false;
  const double first = time_once(exe, device);
  const int runs = std::clamp(int(0.3 / std::max(first, 1e-6)), 5, 50);
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) t.push_back(time_once(exe, device));
  std::nth_element(t.begin(), t.begin() + runs / 2, t.end());
  return {t[size_t(runs / 2)], runs, device ? "device" : "host"};
}

GraphCase square_matmul(int64_t n, Precision p) {
  GraphBuilder b("ceiling/matmul/n" + std::to_string(n), p);
  const auto a = b.input("a", {n, n});
  const auto w = b.constant("w", {n, n}, 1.0 / std::sqrt(double(n)));
  b.op(OpKind::MatMul, {a, w}, "out");
  return b.finish("out", {n, n});
}

GraphCase stream_add(int64_t rows, int64_t cols) {
  GraphBuilder b("ceiling/add/r" + std::to_string(rows) + "c" + std::to_string(cols));
  b.op(OpKind::Add, {b.input("a", {rows, cols}), b.input("b", {rows, cols})}, "out");
  return b.finish("out", {rows, cols});
}

// The largest square matmul up to 8192 whose run takes ≥ 20 ms (or the last size tried): large
// enough that launch and threading overheads stop mattering.
ojson measure_matmul(Backend& be, const DeviceInfo& dev, Precision p, int threads) {
  for (int64_t n = 256;; n *= 2) {
    GraphCase c = square_matmul(n, p);
    auto exe = be.compile(c.graph, c.constants, dev, {threads});
    bool device = false;
    (void)time_once(*exe, device);  // the first run pays for JIT, page faults and thread start
    if (time_once(*exe, device) < 0.02 && n < 8192) continue;
    const Timing t = time_runs(*exe);
    const double flops = 2.0 * double(n) * double(n) * double(n);
    return {{"m", n}, {"n", n}, {"k", n}, {"flops", flops}, {"runs", t.runs},
            {"median_s", t.median_s}, {"timer", t.timer}, {"flops_per_s", flops / t.median_s}};
  }
}

// STREAM's "add" kernel through the backend's Add op in f32: reads a and b, writes out, each
// 128 MiB, far beyond any cache.
ojson measure_stream(Backend& be, const DeviceInfo& dev, int threads) {
  const int64_t rows = 8192, cols = 4096;
  GraphCase c = stream_add(rows, cols);
  auto exe = be.compile(c.graph, c.constants, dev, {threads});
  const Timing t = time_runs(*exe);
  const double bytes = 3.0 * double(rows * cols) * 4;
  return {{"elements", rows * cols}, {"bytes", bytes}, {"runs", t.runs},
          {"median_s", t.median_s}, {"timer", t.timer}, {"bytes_per_s", bytes / t.median_s}};
}

DeviceInfo find(const Backend& be, const std::string& id) {
  for (const auto& d : be.devices())
    if (d.id == id) return d;
  throw Error(ErrorKind::Unavailable, "no device '" + id + "' on backend " + std::string(be.name()));
}

}  // namespace

ojson measure_ceilings(const std::string& backend, const std::string& device,
                       const std::vector<Precision>& precisions, int threads) {
  auto be = make_backend(backend);
  ojson out = ojson::array();
  auto entry = [&](Precision p) {
    return ojson{{"backend", backend}, {"device", device}, {"precision", to_string(p)}};
  };
  ojson stream;
  std::string stream_error;
  try {
    stream = measure_stream(*be, find(*be, device), threads);
  } catch (const std::exception& e) {
    stream_error = e.what();
  }
  for (Precision p : precisions) {
    ojson e = entry(p);
    Workload probe;
    probe.precision = p;
    if (Support s = be->supports(probe); !s.ok) {
      e["unavailable"] = s.reason;
      out.push_back(e);
      continue;
    }
    try {
      const ojson mm = measure_matmul(*be, find(*be, device), p, threads);
      e["flops_per_s"] = mm["flops_per_s"];
      if (!stream_error.empty()) {
        e["bytes_per_s"] = nullptr;
        e["bytes_unavailable"] = stream_error;
      } else {
        e["bytes_per_s"] = stream["bytes_per_s"];
      }
      e["method"] = "flops: square " + to_string(p) +
                    " matmul through the backend (2n^3 FLOP, median run); bytes: STREAM-like "
                    "f32 add through the backend (3 x 128 MiB moved, median run)";
      e["matmul"] = mm;
      if (stream_error.empty()) e["stream"] = stream;
    } catch (const std::exception& ex) {
      e["unavailable"] = ex.what();
    }
    out.push_back(e);
  }
  return out;
}

ojson measure_run_ceilings(const RunPlan& plan, int threads,
                           const std::function<void(const std::string&)>& note) {
  // (backend, device) → precisions, in plan order.
  std::vector<std::pair<std::pair<std::string, std::string>, std::vector<Precision>>> todo;
  for (const auto& p : plan.benchmarks) {
    if (p.decided || p.spec.backend == "reference") continue;
    const auto key = std::make_pair(p.spec.backend, p.spec.device);
    auto it = std::find_if(todo.begin(), todo.end(), [&](auto& t) { return t.first == key; });
    if (it == todo.end()) it = todo.insert(todo.end(), {key, {}});
    if (std::find(it->second.begin(), it->second.end(), p.spec.workload.precision) ==
        it->second.end())
      it->second.push_back(p.spec.workload.precision);
  }
  ojson out = ojson::array();
  const auto dir = std::filesystem::temp_directory_path() /
                   ("infermark-ceilings-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const auto& [key, precisions] : todo) {
    const auto& [backend, device] = key;
    std::string list;
    for (Precision p : precisions) list += (list.empty() ? "" : ",") + to_string(p);
    note("measuring the roofline ceilings of " + backend + ":" + device + " (" + list + ")");
    const std::string out_path = (dir / (backend + "-" + device + ".json")).string();
    const double timeout = 180;
    const ChildOutcome o = run_child({self_executable(), "__ceilings", "--backend", backend,
                                      "--device", device, "--precisions", list, "--threads",
                                      std::to_string(threads), "--out", out_path},
                                     timeout);
    ojson got;
    std::string why;
    if (o.exited && o.exit_code == 0) {
      try {
        std::ifstream in(out_path);
        got = ojson::parse(in);
      } catch (const std::exception& e) {
        why = std::string("unreadable ceilings file: ") + e.what();
      }
    } else {
      why = "ceilings process " + o.describe(timeout);
    }
    if (why.empty() && got.is_array()) {
      for (auto& e : got) out.push_back(e);
    } else {
      for (Precision p : precisions)
        out.push_back({{"backend", backend}, {"device", device}, {"precision", to_string(p)},
                       {"unavailable", why.empty() ? "ceilings process wrote no array" : why}});
    }
  }
  std::filesystem::remove_all(dir);
  return out;
}

int ceilings_child_main(const std::string& backend, const std::string& device,
                        const std::string& precisions, int threads, const std::string& out_path) {
  std::vector<Precision> ps;
  std::stringstream ss(precisions);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) ps.push_back(precision_from_string(item));
  const ojson j = measure_ceilings(backend, device, ps, threads);
  const std::string tmp = out_path + ".tmp";
  {
    std::ofstream out(tmp);
    out << j.dump();
    if (!out) throw Error(ErrorKind::Internal, "cannot write " + tmp);
  }
  std::filesystem::rename(tmp, out_path);  // the parent never reads half a file
  return 0;
}

}  // namespace infermark
