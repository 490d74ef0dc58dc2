#include "backends/cuda/cuda_executable.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <regex>

#include "backends/cuda/cuda_check.hpp"
#include "backends/cuda/kernels.hpp"
#include "backends/cuda/quant_shapes.hpp"
#include "common/error.hpp"

namespace infermark::cuda {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// INFERMARK_CUDA_TEST_FAULT=illegal_address:<regex>: whether this workload is to fault.
bool fault_requested(const std::string& workload_id) {
  const std::string spec = env("INFERMARK_CUDA_TEST_FAULT");
  const auto colon = spec.find(':');
  if (colon == std::string::npos || spec.substr(0, colon) != "illegal_address") return false;
  try {
    return std::regex_search(workload_id, std::regex(spec.substr(colon + 1)));
  } catch (const std::regex_error& e) {
    throw Error(ErrorKind::BadInput, "INFERMARK_CUDA_TEST_FAULT: '" + spec + "' is not <kind>:<regex>: " + e.what());
  }
}

// The cuBLASLt problem of a float or int8 MatMul step (int8: the padded sizes, no bias/residual:
// the epilogue kernel adds them).
GemmShape gemm_shape(const Step& s, Storage storage) {
  if (s.kind == StepKind::MatmulInt8) return {storage, s.m, s.quant.np, s.quant.kp, false, false, true};
  return {storage, s.m, s.n, s.k, s.bias, s.residual >= 0, false};
}

// The kernel that runs a GEMM cuBLASLt has no algorithm for.
std::string fallback_name(const GemmShape& g) {
  return g.int8 ? "int8_gemm_fallback_kernel" : "matmul_fallback_kernel<" + to_string(g.storage) + ">";
}

// How this backend computes a quantized workload, for implementation().
std::string quantization_text(const Workload& w) {
  if (w.precision == Precision::Int8)
    return "int8: weights quantized on the host at compile time (K padded to a multiple of " +
           std::to_string(kInt8KAlign) + ", N to a multiple of " + std::to_string(kInt8NAlign) +
           "); per MatMul quantize_rows_int8_kernel (per-token scales), cublasLtMatmul int8 IMMA "
           "(int32; int8_gemm_fallback_kernel where the heuristic finds none), int8_epilogue_kernel (scales, bias, residual) in " + to_string(w.compute);
  if (w.precision == Precision::Int4W)
    return "int4w: weights packed 2 per byte with f32 scales per group of " + std::to_string(w.group_size) +
           "; int4w_matmul_gemv_kernel for M <= " + std::to_string(kInt4GemvMaxRows) +
           ", int4w_matmul_tiled_kernel above; activations and f32-accumulated outputs in " +
           to_string(w.compute);
  return "";
}

std::string gib(size_t bytes) {
  char s[32];
  std::snprintf(s, sizeof s, "%.2f GiB", double(bytes) / double(1ull << 30));
  return s;
}

}  // namespace

CudaExecutable::CudaExecutable(const Graph& graph, const TensorSet& constants, const Gpu& gpu)
    : gpu_(gpu), workload_id_(graph.workload.id()), quantization_(quantization_text(graph.workload)) {
  try {
    IM_CUDA_CHECK(cudaSetDevice(gpu_.ordinal));
    plan_ = make_plan(graph, constants, storage_of(graph.workload), gpu_.sm_count);
    std::vector<size_t> sizes;
    for (const auto& t : plan_.tensors) sizes.push_back(t.bytes);
    const size_t total = layout_offsets(sizes, offsets_);
    check_memory(total);
    fault_ = fault_requested(workload_id_);
    IM_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    IM_CUDA_CHECK(cudaEventCreate(&start_));
    IM_CUDA_CHECK(cudaEventCreate(&stop_));
    arena_ = DeviceBuffer(total);
    upload();
    prepare();
    std::vector<NamedBytes> named;
    for (const auto& t : plan_.tensors) named.push_back({t.counts_as.empty() ? t.name : t.counts_as, int64_t(t.bytes)});
    memory_ = arena_usage(graph, named, arena_.bytes(), workspace_.bytes());
    capture();
    // Everything set up so far (uploads, graph upload) is finished before the first run.
    IM_CUDA_CHECK(cudaStreamSynchronize(stream_));
    for (auto& t : plan_.tensors) t.initial = nullptr;  // the host constants may go away now
  } catch (...) {
    destroy();
    throw;
  }
}

CudaExecutable::~CudaExecutable() { destroy(); }

void CudaExecutable::destroy() noexcept {
  // Errors are ignored here: after a sticky error every call fails, and there is nothing left to do.
  if (stream_) cudaStreamSynchronize(stream_);
  if (exec_) cudaGraphExecDestroy(exec_);
  if (graph_) cudaGraphDestroy(graph_);
  if (start_) cudaEventDestroy(start_);
  if (stop_) cudaEventDestroy(stop_);
  if (stream_) cudaStreamDestroy(stream_);
  gemms_.clear();
  if (lt_) cublasLtDestroy(lt_);
  exec_ = nullptr;
  graph_ = nullptr;
  start_ = stop_ = nullptr;
  stream_ = nullptr;
  lt_ = nullptr;
  cudaGetLastError();
}

void* CudaExecutable::ptr(int tensor) const {
  if (tensor < 0 || plan_.tensors[size_t(tensor)].bytes == 0) return nullptr;
  return arena_.data() + offsets_[size_t(tensor)];
}

void CudaExecutable::check_memory(size_t tensor_bytes) const {
  size_t free = 0, total = 0;
  IM_CUDA_CHECK(cudaMemGetInfo(&free, &total));
  const size_t need = tensor_bytes + kMaxWorkspaceBytes;
  if (need > free) {
    throw Error(ErrorKind::Unavailable, "cuda backend: " + workload_id_ + " needs " + gib(need) +
                                            " of device memory, " + gpu_.info.id + " has " + gib(free) +
                                            " free of " + gib(total));
  }
}

// Activations start as zeros (never read before written, but then no run can depend on what the
// allocator left there); constants are converted to the storage format on the host and copied.
void CudaExecutable::upload() {
  IM_CUDA_CHECK(cudaMemsetAsync(arena_.data(), 0, arena_.bytes(), stream_));
  for (size_t i = 0; i < plan_.tensors.size(); ++i) {
    const PlanTensor& t = plan_.tensors[i];
    void* dst = ptr(int(i));
    if (!dst) continue;
    if (!t.raw.empty()) {
      IM_CUDA_CHECK(cudaMemcpyAsync(dst, t.raw.data(), t.raw.size(), cudaMemcpyHostToDevice, stream_));
    } else if (!t.derived.empty()) {
      IM_CUDA_CHECK(cudaMemcpyAsync(dst, t.derived.data(), t.derived.size() * sizeof(float),
                                    cudaMemcpyHostToDevice, stream_));
    } else if (t.initial && !t.is_float) {
      IM_CUDA_CHECK(cudaMemcpyAsync(dst, t.initial->i32.data(), t.initial->i32.size() * sizeof(int32_t),
                                    cudaMemcpyHostToDevice, stream_));
    } else if (t.initial) {
      // Pageable source: cudaMemcpyAsync returns once it has staged the bytes, so `host` may go.
      const std::vector<std::byte> host = to_storage(t.initial->f32.data(), t.initial->f32.size(), plan_.storage);
      IM_CUDA_CHECK(cudaMemcpyAsync(dst, host.data(), host.size(), cudaMemcpyHostToDevice, stream_));
    }
  }
  IM_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

// cuBLASLt's algorithm once per GEMM shape and one workspace for all; the attention kernels'
// shared-memory limit.
void CudaExecutable::prepare() {
  IM_CUBLAS_CHECK(cublasLtCreate(&lt_));
  size_t workspace = 0;
  gemms_.resize(plan_.steps.size());
  for (size_t i = 0; i < plan_.steps.size(); ++i) {
    const Step& s = plan_.steps[i];
    if (s.kind == StepKind::Attention) {
      if (s.launch.smem_bytes > gpu_.smem_optin) {
        throw Error(ErrorKind::Unavailable, "cuda backend: op '" + s.op + "' needs " +
                                                std::to_string(s.launch.smem_bytes) + " bytes of shared memory, " +
                                                gpu_.info.id + " allows " + std::to_string(gpu_.smem_optin));
      }
      prepare_attention(plan_.storage, s.launch);
    }
    if (s.kind == StepKind::MatmulInt8 && gpu_.cc < kInt8MinCc) {
      throw Error(ErrorKind::Unavailable, "cuda backend: int8 needs IMMA tensor cores (compute capability 7.5 "
                                          "or newer); " + gpu_.info.id + " is " + std::to_string(gpu_.cc / 10) +
                                          "." + std::to_string(gpu_.cc % 10));
    }
    if (s.kind != StepKind::Matmul && s.kind != StepKind::MatmulInt8) continue;
    const bool int8 = s.kind == StepKind::MatmulInt8;
    const GemmShape shape = gemm_shape(s, plan_.storage);
    gemms_[i] = std::make_unique<LtMatmul>(lt_, shape, s.bias && !int8 ? ptr(s.in[2]) : nullptr);
    auto it = choices_.find(shape);
    if (it == choices_.end()) it = choices_.emplace(shape, gemms_[i]->choose()).first;
    gemms_[i]->use(it->second);
    if (it->second.found) workspace = std::max(workspace, it->second.result.workspaceSize);
  }
  workspace_ = DeviceBuffer(workspace);
}

void CudaExecutable::capture() {
  // One inference launched directly first: kernels load (lazy module loading) and cuBLASLt sets
  // itself up outside the capture, and a fault here is reported before any graph exists. Every
  // run computes the same values (the KV-cache rows it writes are the same each time).
  enqueue(stream_);
  IM_CUDA_CHECK(cudaStreamSynchronize(stream_));
  if (env("INFERMARK_CUDA_GRAPH") == "0") {
    launch_ = "direct kernel launches by run() (INFERMARK_CUDA_GRAPH=0)";
    return;
  }
  IM_CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
  try {
    enqueue(stream_);
  } catch (...) {
    cudaGraph_t partial = nullptr;
    cudaStreamEndCapture(stream_, &partial);
    if (partial) cudaGraphDestroy(partial);
    cudaGetLastError();
    throw;
  }
  IM_CUDA_CHECK(cudaStreamEndCapture(stream_, &graph_));
  IM_CUDA_CHECK(cudaGraphInstantiate(&exec_, graph_, 0));
  IM_CUDA_CHECK(cudaGraphGetNodes(graph_, nullptr, &graph_nodes_));
  IM_CUDA_CHECK(cudaGraphUpload(exec_, stream_));
  launch_ = "one CUDA graph of the whole inference, captured at compile time, replayed by run()";
}

void CudaExecutable::enqueue(cudaStream_t st) {
  const Storage S = plan_.storage;
  for (size_t i = 0; i < plan_.steps.size(); ++i) {
    const Step& s = plan_.steps[i];
    auto in = [&](size_t j) { return ptr(s.in.at(j)); };
    void* out = ptr(s.out);
    const int64_t n = s.rows * s.cols;
    try {
      switch (s.kind) {
        case StepKind::Matmul: {
          const void* bias = s.bias ? in(2) : nullptr;
          const void* residual = s.residual >= 0 ? ptr(s.residual) : nullptr;
          if (gemms_[i]->choice().found) {
            gemms_[i]->enqueue(in(0), in(1), residual, out, workspace_.data(), workspace_.bytes(), st);
          } else {
            launch_matmul_fallback(S, in(0), in(1), bias, residual, out, s.m, s.n, s.k, st);
          }
          break;
        }
        case StepKind::MatmulInt8: {
          const QuantGemm& q = s.quant;
          auto* aq = static_cast<int8_t*>(ptr(q.act_q));
          auto* as = static_cast<float*>(ptr(q.act_scales));
          auto* acc = static_cast<int32_t*>(ptr(q.acc));
          launch_quantize_rows_int8(S, in(0), aq, as, s.m, s.k, q.kp, st);
          if (gemms_[i]->choice().found) {
            gemms_[i]->enqueue(aq, in(1), nullptr, acc, workspace_.data(), workspace_.bytes(), st);
          } else {
            launch_int8_gemm_fallback(aq, static_cast<const int8_t*>(in(1)), acc, s.m, q.np, q.kp, st);
          }
          launch_int8_epilogue(S, acc, as, static_cast<const float*>(in(2)), s.bias ? in(3) : nullptr,
                               s.residual >= 0 ? ptr(s.residual) : nullptr, out, s.m, s.n, q.np, st);
          break;
        }
        case StepKind::MatmulInt4W:
          launch_int4w_matmul(S, in(0), static_cast<const uint8_t*>(in(1)), static_cast<const float*>(in(2)),
                              s.bias ? in(3) : nullptr, s.residual >= 0 ? ptr(s.residual) : nullptr, out, s.m,
                              s.n, s.k, s.quant.group, st);
          break;
        case StepKind::Embedding:
          launch_embedding(S, in(0), static_cast<const int32_t*>(in(1)), out, s.rows, s.cols, s.m, st);
          break;
        case StepKind::Add: launch_pointwise(S, Pointwise::Add, in(0), in(1), out, n, st); break;
        case StepKind::Mul: launch_pointwise(S, Pointwise::Mul, in(0), in(1), out, n, st); break;
        case StepKind::SiluMul: launch_pointwise(S, Pointwise::SiluMul, in(0), in(1), out, n, st); break;
        case StepKind::Gelu: launch_pointwise(S, Pointwise::Gelu, in(0), nullptr, out, n, st); break;
        case StepKind::GeluTanh: launch_pointwise(S, Pointwise::GeluTanh, in(0), nullptr, out, n, st); break;
        case StepKind::Silu: launch_pointwise(S, Pointwise::Silu, in(0), nullptr, out, n, st); break;
        case StepKind::LayerNorm: launch_norm(S, false, in(0), in(1), in(2), out, s.rows, s.cols, s.eps, st); break;
        case StepKind::RMSNorm: launch_norm(S, true, in(0), in(1), nullptr, out, s.rows, s.cols, s.eps, st); break;
        case StepKind::Softmax: launch_softmax(S, in(0), out, s.rows, s.cols, st); break;
        case StepKind::Rope:
          launch_rope(S, in(0), static_cast<const int32_t*>(in(1)), static_cast<const float*>(in(2)), out,
                      s.rows, s.heads, s.head_dim, s.positions, st);
          break;
        case StepKind::CopyRows: launch_copy_rows(S, in(0), out, s.copy, st); break;
        case StepKind::Attention: {
          AttentionArgs a;
          a.q = in(0);
          a.k = in(1);
          a.v = in(2);
          a.out = out;
          a.partial = static_cast<float*>(ptr(s.partial));
          a.shape = s.shape;
          a.causal = s.attrs.causal;
          a.scale = float(s.attrs.scale);
          a.launch = s.launch;
          launch_attention(S, a, st);
          break;
        }
      }
    } catch (const Error& e) {
      throw Error(e.kind(), "cuda backend: op '" + s.op + "' (" + to_string(s.kind) + "): " + e.what());
    }
  }
}

void CudaExecutable::run() {
  IM_CUDA_CHECK(cudaSetDevice(gpu_.ordinal));
  if (fault_) launch_illegal_address(stream_);
  IM_CUDA_CHECK(cudaEventRecord(start_, stream_));
  if (exec_) {
    IM_CUDA_CHECK(cudaGraphLaunch(exec_, stream_));
  } else {
    enqueue(stream_);
  }
  IM_CUDA_CHECK(cudaEventRecord(stop_, stream_));
  pending_ = true;
}

void CudaExecutable::sync() {
  if (!pending_) return;
  pending_ = false;
  // The first call after a failed kernel reports it (an illegal address surfaces here).
  IM_CUDA_CHECK(cudaEventSynchronize(stop_));
  float ms = 0;
  IM_CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
  device_seconds_ = double(ms) * 1e-3;
}

HostTensor CudaExecutable::output() {
  sync();
  IM_CUDA_CHECK(cudaSetDevice(gpu_.ordinal));
  const PlanTensor& t = plan_.tensors[size_t(plan_.output)];
  std::vector<std::byte> host(t.bytes);
  IM_CUDA_CHECK(cudaMemcpyAsync(host.data(), ptr(plan_.output), t.bytes, cudaMemcpyDeviceToHost, stream_));
  IM_CUDA_CHECK(cudaStreamSynchronize(stream_));
  HostTensor h;
  h.shape = plan_.output_shape;
  h.dtype = DType::F32;
  h.f32 = from_storage(host.data(), t.bytes / storage_bytes(plan_.storage), plan_.storage);
  return h;
}

nlohmann::ordered_json CudaExecutable::implementation() const {
  nlohmann::ordered_json j;
  j["device"] = gpu_.info.name;
  for (const char* k : {"compute_capability", "sms", "driver_version", "runtime_version", "cublaslt_version", "built_for"})
    if (gpu_.info.details.contains(k)) j[k] = gpu_.info.details.at(k);
  j["storage"] = to_string(plan_.storage) + (plan_.storage == Storage::F32 ? "" : " (f32 arithmetic)");
  j["gemm"] = "cuBLASLt, CUBLAS_COMPUTE_32F (f32 accumulation; no TF32), algorithm from the heuristic once per shape";
  j["launch"] = launch_;
  if (exec_) j["graph_nodes"] = graph_nodes_;
  j["device_timer"] = "CUDA events recorded before and after each inference";
  j["memory_bytes"] = arena_.bytes();
  j["workspace_bytes"] = workspace_.bytes();
  j["steps"] = plan_.steps.size();
  j["fusions"] = plan_.fusions;

  if (!quantization_.empty()) j["quantization"] = quantization_;
  std::map<std::string, int> kernels;
  auto& gemms = j["gemms"] = nlohmann::ordered_json::array();
  std::map<GemmShape, size_t> gemm_row;
  auto& attention = j["attention"] = nlohmann::ordered_json::array();
  std::map<std::string, size_t> attention_row;
  for (size_t i = 0; i < plan_.steps.size(); ++i) {
    const Step& s = plan_.steps[i];
    if (s.kind == StepKind::MatmulInt4W) {
      ++kernels[std::string(s.quant.gemv ? "int4w_matmul_gemv_kernel<" : "int4w_matmul_tiled_kernel<") +
                to_string(plan_.storage) + ">"];
      continue;
    }
    if (s.kind == StepKind::MatmulInt8) {
      ++kernels["quantize_rows_int8_kernel<" + to_string(plan_.storage) + ">"];
      ++kernels["int8_epilogue_kernel<" + to_string(plan_.storage) + ">"];
    }
    if (s.kind == StepKind::Matmul || s.kind == StepKind::MatmulInt8) {
      const GemmShape shape = gemm_shape(s, plan_.storage);
      auto [it, fresh] = gemm_row.emplace(shape, gemms.size());
      if (fresh) {
        nlohmann::ordered_json g;
        g["m"] = s.m;
        g["n"] = s.n;
        g["k"] = s.k;
        if (shape.int8) {
          g["type"] = "int8 x int8 -> int32, CUBLAS_COMPUTE_32I (IMMA)";
          g["padded_n"] = shape.n;
          g["padded_k"] = shape.k;
          g["epilogue"] = std::string("int8_epilogue_kernel: scales") + (s.bias ? ", bias" : "") +
                          (s.residual >= 0 ? ", residual" : "");
        } else {
          g["epilogue"] = s.bias ? "bias" : "default";
          g["residual"] = s.residual >= 0 ? "C with beta = 1" : "none";
        }
        const GemmChoice& c = gemms_[i]->choice();
        g["kernel"] = c.found ? "cublasLtMatmul" : fallback_name(shape) + " (no cuBLASLt algorithm: " + c.why_not + ")";
        g["algorithm"] = c.description();
        g["count"] = 0;
        gemms.push_back(std::move(g));
      }
      gemms[it->second]["count"] = gemms[it->second]["count"].get<int>() + 1;
      ++kernels[gemms_[i]->choice().found ? "cublasLtMatmul" : fallback_name(shape)];
      continue;
    }
    ++kernels[kernel_name(s.kind, plan_.storage)];
    if (s.kind != StepKind::Attention) continue;
    const AttentionLaunch& l = s.launch;
    if (l.splits > 1) ++kernels["combine_kernel<" + to_string(plan_.storage) + ">"];
    const std::string key = std::to_string(l.warps) + "/" + std::to_string(l.splits) + "/" +
                            std::to_string(l.chunk) + "/" + std::to_string(s.shape.head_dim);
    auto [it, fresh] = attention_row.emplace(key, attention.size());
    if (fresh) {
      nlohmann::ordered_json a;
      a["kind"] = l.splits > 1 ? "split-K: online-softmax partials over key ranges, then a combine kernel"
                               : "flash: online softmax over key tiles in one pass";
      a["head_dim"] = s.shape.head_dim;
      a["warps_per_block"] = l.warps;
      a["key_tile"] = kKeyTile;
      a["splits"] = l.splits;
      a["keys_per_split"] = l.chunk;
      a["blocks"] = l.blocks(s.shape);
      a["shared_memory_bytes"] = l.smem_bytes;
      a["count"] = 0;
      attention.push_back(std::move(a));
    }
    attention[it->second]["count"] = attention[it->second]["count"].get<int>() + 1;
  }
  j["kernels"] = kernels;
  if (fault_) j["test_fault"] = "INFERMARK_CUDA_TEST_FAULT: run() writes to an illegal address first";
  return j;
}

}  // namespace infermark::cuda
