#include "harness/reference_cache.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "backends/reference/reference_backend.hpp"
#include "common/sha256.hpp"
#include "harness/constants.hpp"
#include "suites/cost_model.hpp"

namespace infermark {
namespace fs = std::filesystem;

namespace {

// Dgemm on two cores reaches ≈ 70 GFLOP/s; a third of that leaves room for the plain loops.
constexpr double kReferenceFlopsPerSecond = 20e9;

std::string cache_path(const std::string& dir, const Workload& w, uint64_t seed,
                       const std::string& weights_id) {
  std::string key = sha256_hex(w.hash() + "|" + std::to_string(seed) + "|" + weights_id);
  return (fs::path(dir) / "reference" / (key.substr(7, 32) + ".bin")).string();
}

bool load(const std::string& path, HostTensor& t) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  uint64_t rank = 0;
  in.read(reinterpret_cast<char*>(&rank), sizeof rank);
  if (!in || rank > 8) return false;
  t.shape.resize(rank);
  in.read(reinterpret_cast<char*>(t.shape.data()), std::streamsize(rank * sizeof(int64_t)));
  t.dtype = DType::F32;
  t.f32.resize(size_t(t.numel()));
  in.read(reinterpret_cast<char*>(t.f32.data()), std::streamsize(t.f32.size() * sizeof(float)));
  return bool(in);
}

void store(const std::string& path, const HostTensor& t) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) return;  // a cache that cannot be written only costs time
    uint64_t rank = t.shape.size();
    out.write(reinterpret_cast<const char*>(&rank), sizeof rank);
    out.write(reinterpret_cast<const char*>(t.shape.data()), std::streamsize(rank * sizeof(int64_t)));
    out.write(reinterpret_cast<const char*>(t.f32.data()), std::streamsize(t.f32.size() * sizeof(float)));
  }
  fs::rename(tmp, path, ec);
}

}  // namespace

double reference_seconds_estimate(const Workload& w) {
  return double(workload_cost(lower(w)).flops) / kReferenceFlopsPerSecond;
}

ReferenceOutput reference_output(const Workload& w, uint64_t seed, const std::string& weights_path,
                                 const std::string& weights_id, const std::string& cache_dir) {
  ReferenceOutput r;
  const std::string path = cache_dir.empty() ? "" : cache_path(cache_dir, w, seed, weights_id);
  if (!path.empty() && load(path, r.output)) {
    r.from_cache = true;
    return r;
  }
  const auto t0 = std::chrono::steady_clock::now();
  Graph g = lower(w);
  auto backend = make_reference_backend();
  auto exe = backend->compile(g, make_constants(g, seed, weights_path), backend->devices().at(0), {});
  exe->run();
  exe->sync();
  r.output = exe->output();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!path.empty()) store(path, r.output);
  return r;
}

}  // namespace infermark
