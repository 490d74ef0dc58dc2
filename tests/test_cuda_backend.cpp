// The CUDA backend end to end. Without a GPU (CI, this machine): it lists no device and says why
// with the CUDA error (cudaErrorInsufficientDriver, cudaErrorNoDevice, …), supports nothing, and
// a run skips it with that reason. With a GPU: every shared op case in f32, bf16 and f16, split-K
// and odd head sizes of the attention kernel, whole tiny workloads, graph replay vs direct
// launches, device timers, and a sticky fault that fails one benchmark and leaves the run healthy.
// Tests that need the other situation exit 77 (CTest: skipped) after saying why.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <regex>
#include <string>

#include "config.hpp"

#include "support/skip.hpp"

using infermark::test::skip;

#if !INFERMARK_HAS_CUDA

TEST_CASE("cuda backend", "[cuda]") { skip("the cuda backend is not built: " INFERMARK_CUDA_STATUS); }

#else

#include "backends/cuda/cuda_backend.hpp"
#include "backends/cuda/cuda_executable.hpp"
#include "backends/registry.hpp"
#include "common/error.hpp"
#include "harness/constants.hpp"
#include "harness/correctness.hpp"
#include "harness/reference_cache.hpp"
#include "support/backend_op_cases.hpp"
#include "support/cli_fixture.hpp"
#include "support/tiny_models.hpp"
#include "suites/graph.hpp"

using namespace infermark;
using namespace infermark::test;
using nlohmann::json;

namespace {

std::unique_ptr<CudaBackend> gpu_backend_or_skip() {
  auto b = std::make_unique<CudaBackend>();
  if (b->devices().empty()) skip("no CUDA device: " + b->unavailable_reason());
  if (!b->supports(Workload{}).ok) skip("cuda0 cannot run this build: " + b->supports(Workload{}).reason);
  return b;
}

std::unique_ptr<CudaBackend> gpuless_backend_or_skip() {
  auto b = std::make_unique<CudaBackend>();
  if (!b->devices().empty()) skip("a CUDA device is present (" + b->devices().front().name + "): the no-GPU path is not testable here");
  return b;
}

struct ScopedEnv {
  std::string name;
  std::optional<std::string> old;
  ScopedEnv(std::string n, const char* value) : name(std::move(n)) {
    if (const char* v = std::getenv(name.c_str())) old = v;
    setenv(name.c_str(), value, 1);
  }
  ~ScopedEnv() {
    if (old) setenv(name.c_str(), old->c_str(), 1);
    else unsetenv(name.c_str());
  }
};

HostTensor reference_of(const testing::OpCase& c) {
  auto ref = make_backend("reference");
  auto exe = ref->compile(c.graph, c.constants, ref->devices().at(0), {});
  exe->run();
  exe->sync();
  return exe->output();
}

// Runs `c` at precision p on cuda0 twice and checks both outputs against `want`.
void check_case(CudaBackend& b, testing::OpCase c, Precision p, const HostTensor& want) {
  INFO("case " << c.name << " at " << to_string(p));
  c.graph.workload.precision = p;
  auto exe = b.compile(c.graph, c.constants, b.devices().at(0), {});
  for (int run = 0; run < 2; ++run) {
    INFO("run " << run + 1);
    exe->run();
    exe->sync();
    const ErrorStats e = compare_outputs(exe->output(), want);
    INFO("nmse " << e.nmse << ", max abs " << e.max_abs_err << "; " << exe->implementation().dump());
    CHECK(e.shapes_match);
    CHECK(e.finite);
    CHECK(e.nmse <= nmse_tolerance(p));
  }
}

void check_op_cases(CudaBackend& b, Precision p) {
  for (const auto& c : testing::backend_op_cases()) check_case(b, c, p, reference_of(c));
}

// One attention op (no RoPE), random q, k, v and caches from a fixed LCG.
testing::OpCase attention_case(int batch, int seq, int context, int heads, int kv_heads, int head_dim,
                               bool causal, bool cached) {
  testing::OpCase c;
  c.name = "attention b" + std::to_string(batch) + " s" + std::to_string(seq) + " c" +
           std::to_string(context) + " h" + std::to_string(heads) + "/" + std::to_string(kv_heads) +
           " d" + std::to_string(head_dim) + (causal ? " causal" : "") + (cached ? " cached" : "");
  uint64_t state = 0x9e3779b97f4a7c15ull ^ uint64_t(head_dim * 131 + context);
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return float(double(state >> 11) * 0x1.0p-53 * 2 - 1);
  };
  const int64_t tokens = int64_t(batch) * seq, qw = int64_t(heads) * head_dim, kvw = int64_t(kv_heads) * head_dim;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, TensorRole role) {
    c.graph.tensors.push_back({name, shape, DType::F32, role});
    if (role == TensorRole::Output) return;
    HostTensor t{shape, DType::F32, {}, {}};
    for (int64_t i = 0; i < t.numel(); ++i) t.f32.push_back(2 * next());  // scores of a few units
    c.constants.tensors[name] = std::move(t);
  };
  add("q", {tokens, qw}, TensorRole::Input);
  add("k", {tokens, kvw}, TensorRole::Input);
  add("v", {tokens, kvw}, TensorRole::Input);
  std::vector<std::string> in{"q", "k", "v"};
  if (cached) {
    add("k_cache", {int64_t(batch) * (context + seq), kvw}, TensorRole::State);
    add("v_cache", {int64_t(batch) * (context + seq), kvw}, TensorRole::State);
    in.push_back("k_cache");
    in.push_back("v_cache");
  }
  add("out", {tokens, qw}, TensorRole::Output);
  OpAttrs a;
  a.heads = heads;
  a.kv_heads = kv_heads;
  a.head_dim = head_dim;
  a.batch = batch;
  a.seq = seq;
  a.context = context;
  a.causal = causal;
  a.cached = cached;
  a.scale = 1.0 / std::sqrt(double(head_dim));
  c.graph.ops.push_back({OpKind::Attention, "attn", in, "out", a});
  c.graph.output = "out";
  return c;
}

// Compiles `w` on cuda0, runs it twice and checks both outputs against the reference.
void check_workload(CudaBackend& b, const Workload& w) {
  INFO("workload " << w.id());
  REQUIRE(b.supports(w).ok);
  const Graph g = lower(w);
  const HostTensor ref = reference_output(w, 42, "", "synthetic:seed=42", "").output;
  auto exe = b.compile(g, make_constants(g, 42, ""), b.devices().at(0), {});
  exe->run();
  exe->sync();
  const HostTensor first = exe->output();
  const ErrorStats e = compare_outputs(first, ref);
  INFO("nmse " << e.nmse << ", max abs " << e.max_abs_err);
  CHECK(e.shapes_match);
  CHECK(e.finite);
  CHECK(e.nmse <= nmse_tolerance(w.precision));
  exe->run();  // the same graph again (decode rewrites the same cache rows): the same output
  exe->sync();
  CHECK(exe->output().f32 == first.f32);
}

Workload tiny(const std::string& model, Phase phase, int batch, int seq, int context,
              Precision p = Precision::F32) {
  return testing::tiny_workload(model, phase, batch, seq, context, p);
}

}  // namespace

// ---- without a GPU ---------------------------------------------------------------------------

TEST_CASE("cuda without a GPU lists no device and names the CUDA error", "[cuda]") {
  auto b = gpuless_backend_or_skip();
  const std::string why = b->unavailable_reason();
  INFO(why);
  // e.g. "cudaGetDeviceCount: cudaErrorInsufficientDriver (CUDA driver version is insufficient
  // for CUDA runtime version); no NVIDIA driver (libcuda.so.1) was found"
  CHECK(std::regex_search(why, std::regex("^cudaGetDeviceCount: cudaError[A-Za-z]+ \\(.+\\)")));
  CHECK_FALSE(b->supports(tiny("tiny-gpt2", Phase::Prefill, 1, 4, 0)).ok);
  CHECK(b->supports(tiny("tiny-gpt2", Phase::Prefill, 1, 4, 0)).reason == why);
  // The registry makes the same backend, and compile() on a device it does not have is refused.
  auto r = make_backend("cuda");
  CHECK(r->name() == "cuda");
  CHECK(r->devices().empty());
  const Workload w = tiny("tiny-gpt2", Phase::Prefill, 1, 4, 0);
  const Graph g = lower(w);
  try {
    b->compile(g, make_constants(g, 42, ""), DeviceInfo{"cuda0", "none", "gpu", {}}, {});
    FAIL("compile without a device did not throw");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Unavailable);
    CHECK_THAT(e.what(), Catch::Contains("cudaGetDeviceCount"));
  }
}

TEST_CASE("cuda without a GPU: list says why, a run skips every benchmark with that reason", "[cuda]") {
  auto b = gpuless_backend_or_skip();
  const std::string why = b->unavailable_reason();
  const ProcessResult list = run_infermark({"list"});
  INFO(transcript(list));
  REQUIRE(list.exit_code == 0);
  CHECK_THAT(list.out, Catch::Contains("  cuda: unavailable: " + why + "\n"));

  ScratchDir dir;
  const std::string out = dir.file("cuda.json");
  const ProcessResult run = run_infermark({"run", "--suite", "smoke", "--backend", "cuda", "--quick", "--quiet",
                                           "--cache-dir", dir.cache(), "--out", out});
  INFO(transcript(run));
  REQUIRE(run.exit_code == 0);
  const json doc = read_json(out);
  REQUIRE(doc.at("benchmarks").size() == 12);  // the smoke suite's workloads
  for (const auto& bench : doc.at("benchmarks")) {
    CHECK(bench.at("state") == "skipped");
    CHECK(bench.at("reason") == "no device: " + why);
  }
  bool listed = false;
  for (const auto& u : doc.at("system").at("unavailable_devices"))
    listed |= u.at("backend") == "cuda" && u.at("reason") == why;
  CHECK(listed);
  const ProcessResult v = run_infermark({"validate", out});
  INFO(transcript(v));
  CHECK(v.exit_code == 0);
}

// ---- on a GPU --------------------------------------------------------------------------------

TEST_CASE("cuda lists each GPU with the properties infermark reports", "[cuda][gpu]") {
  auto b = gpu_backend_or_skip();
  const auto devs = b->devices();
  for (size_t i = 0; i < devs.size(); ++i) {
    const auto& d = devs[i];
    std::cout << "  " << d.id << " " << d.name << " " << d.details.dump() << "\n";
    CHECK(d.id == "cuda" + std::to_string(i));
    CHECK(d.kind == "gpu");
    for (const char* key : {"compute_capability", "sms", "memory_bytes", "driver_version", "runtime_version",
                            "uuid", "pci_bus_id", "cublaslt_version", "built_for"}) {
      INFO(key);
      CHECK(d.details.contains(key));
    }
    CHECK(d.details.at("sms").get<int>() > 0);
    CHECK_THAT(d.details.at("uuid").get<std::string>(), Catch::StartsWith("GPU-"));
  }
}

TEST_CASE("cuda passes the shared op cases in f32", "[cuda][gpu]") {
  auto b = gpu_backend_or_skip();
  check_op_cases(*b, Precision::F32);
}

TEST_CASE("cuda passes the shared op cases in bf16", "[cuda][gpu]") {
  auto b = gpu_backend_or_skip();
  check_op_cases(*b, Precision::BF16);
}

TEST_CASE("cuda passes the shared op cases in f16", "[cuda][gpu]") {
  auto b = gpu_backend_or_skip();
  check_op_cases(*b, Precision::F16);
}

TEST_CASE("cuda passes the shared op cases with direct launches too", "[cuda][gpu]") {
  ScopedEnv direct("INFERMARK_CUDA_GRAPH", "0");
  auto b = gpu_backend_or_skip();
  check_op_cases(*b, Precision::F32);
}

TEST_CASE("cuda attention: split-K decode, GQA, odd and large head sizes", "[cuda][gpu]") {
  auto b = gpu_backend_or_skip();
  const std::vector<testing::OpCase> cases{
      attention_case(2, 1, 700, 8, 2, 64, true, true),    // decode: split-K with a combine
      attention_case(1, 3, 400, 4, 4, 128, true, true),   // several new tokens, split, causal
      attention_case(1, 1, 2047, 32, 8, 128, true, true), // Llama-8B decode shape
      attention_case(2, 5, 300, 6, 3, 33, false, true),   // odd head_dim, non-causal over a cache
      attention_case(1, 70, 0, 4, 1, 256, true, false),   // head_dim 256: > 48 KiB shared memory
      attention_case(3, 45, 0, 2, 2, 100, false, false),  // partial key tiles, no split
      attention_case(1, 200, 0, 12, 12, 64, true, false), // prefill over several key tiles
  };
  for (const auto& c : cases) {
    const HostTensor want = reference_of(c);
    for (Precision p : {Precision::F32, Precision::BF16, Precision::F16}) check_case(*b, c, p, want);
  }
  // The decode case did split (the combine kernel ran).
  auto exe = b->compile(cases[0].graph, cases[0].constants, b->devices().at(0), {});
  const json impl = exe->implementation();
  INFO(impl.dump(2));
  REQUIRE(impl.at("attention").size() == 1);
  CHECK(impl.at("attention")[0].at("splits").get<int>() > 1);
}

TEST_CASE("cuda runs the tiny encoder, GPT-2 and Llama workloads in every precision", "[cuda][gpu]") {
  auto b = gpu_backend_or_skip();
  for (Precision p : {Precision::F32, Precision::BF16, Precision::F16}) {
    check_workload(*b, tiny("tiny-bert", Phase::Encode, 2, 16, 0, p));
    check_workload(*b, tiny("tiny-gpt2", Phase::Prefill, 1, 17, 0, p));
    check_workload(*b, tiny("tiny-gpt2", Phase::Decode, 2, 1, 31, p));
    check_workload(*b, tiny("tiny-llama", Phase::Prefill, 2, 16, 0, p));
    check_workload(*b, tiny("tiny-llama", Phase::Decode, 1, 1, 63, p));
    check_workload(*b, tiny("tiny-llama", Phase::Decode, 2, 3, 5, p));
  }
}

TEST_CASE("cuda replays one captured graph, and direct launches give the same output", "[cuda][gpu]") {
  auto b = gpu_backend_or_skip();
  const Workload w = tiny("tiny-llama", Phase::Decode, 2, 1, 40);
  const Graph g = lower(w);
  const TensorSet c = make_constants(g, 42, "");
  auto graph_exe = b->compile(g, c, b->devices().at(0), {});
  auto* cexe = dynamic_cast<cuda::CudaExecutable*>(graph_exe.get());
  REQUIRE(cexe);
  CHECK(cexe->replays_graph());
  const json impl = graph_exe->implementation();
  INFO(impl.dump(2));
  CHECK(impl.at("graph_nodes").get<int>() >= int(cexe->plan().steps.size()));
  CHECK(impl.at("gemms").size() > 0);
  for (const auto& gm : impl.at("gemms")) CHECK(gm.at("kernel") == "cublasLtMatmul");
  graph_exe->run();
  graph_exe->sync();
  const HostTensor replayed = graph_exe->output();

  ScopedEnv direct("INFERMARK_CUDA_GRAPH", "0");
  auto direct_exe = b->compile(g, c, b->devices().at(0), {});
  CHECK_FALSE(dynamic_cast<cuda::CudaExecutable*>(direct_exe.get())->replays_graph());
  direct_exe->run();
  direct_exe->sync();
  CHECK(direct_exe->output().f32 == replayed.f32);  // the same kernels and algorithms, in order
}

TEST_CASE("cuda device time comes from events and fits inside the host time", "[cuda][gpu]") {
  auto b = gpu_backend_or_skip();
  const Workload w = tiny("tiny-gpt2", Phase::Prefill, 1, 17, 0);
  const Graph g = lower(w);
  auto exe = b->compile(g, make_constants(g, 42, ""), b->devices().at(0), {});
  CHECK_FALSE(exe->device_seconds_last().has_value());  // nothing ran yet
  for (int i = 0; i < 3; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    exe->run();
    exe->sync();
    const double host = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    REQUIRE(exe->device_seconds_last().has_value());
    const double device = *exe->device_seconds_last();
    INFO("device " << device << " s, host " << host << " s");
    CHECK(device > 0);
    CHECK(device <= host);
  }
}

TEST_CASE("cuda: an illegal address fails its benchmark, the others in the run pass", "[cuda][gpu]") {
  auto b = gpu_backend_or_skip();
  ScratchDir dir;
  const std::string out = dir.file("fault.json");
  const ProcessResult r = run_infermark(
      {"run", "--suite", "smoke", "--backend", "cuda", "--filter", "^tiny-gpt2/", "--precision", "f32",
       "--quick", "--quiet", "--cache-dir", dir.cache(), "--out", out},
      {{"INFERMARK_CUDA_TEST_FAULT", "illegal_address:^tiny-gpt2/decode/"}});
  INFO(transcript(r));
  REQUIRE(r.exited);
  CHECK(r.exit_code == 1);  // a failed benchmark
  const json doc = read_json(out);
  REQUIRE(doc.at("benchmarks").size() == 3);
  for (const auto& bench : doc.at("benchmarks")) {
    const std::string id = bench.at("workload").at("id");
    INFO(id << ": " << bench.at("state") << " " << bench.at("reason"));
    if (id.rfind("tiny-gpt2/decode/", 0) == 0) {
      CHECK(bench.at("state") == "failed");
      CHECK_THAT(bench.at("reason").get<std::string>(), Catch::Contains("cudaErrorIllegalAddress"));
    } else {
      CHECK((bench.at("state") == "passed" || bench.at("state") == "mistrusted"));
      CHECK(bench.at("correctness").at("verdict") == "pass");
    }
  }
}

#endif
