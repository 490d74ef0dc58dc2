#include "backends/cuda/launch_shapes.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace infermark::cuda {
namespace {

int64_t div_up(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return div_up(a, b) * b; }

}  // namespace

int64_t eltwise_blocks(int64_t n) {
  return std::clamp<int64_t>(div_up(std::max<int64_t>(n, 1), kEltwiseThreads), 1, kMaxEltwiseBlocks);
}

int row_threads(int64_t cols) {
  return int(std::clamp<int64_t>(round_up(div_up(std::max<int64_t>(cols, 1), 4), 32), 32, 1024));
}

bool attention_head_dim_ok(int head_dim) { return head_dim > 0 && head_dim <= kMaxHeadDim; }

size_t attention_smem_bytes(int head_dim, int warps) {
  const int k_stride = head_dim % 2 == 0 ? head_dim + 1 : head_dim;
  // K tile (padded rows), V tile, and each warp's scaled query.
  return sizeof(float) * (size_t(kKeyTile) * k_stride + size_t(kKeyTile) * head_dim +
                          size_t(warps) * head_dim);
}

AttentionLaunch attention_launch(const AttentionShape& s, int sm_count) {
  AttentionLaunch l;
  const int group = s.kv_heads > 0 ? s.heads / s.kv_heads : 1;
  const int64_t rows = int64_t(s.seq) * group;  // rows of one (sequence, KV head)
  l.warps = int(std::clamp<int64_t>(rows, 1, kMaxWarpsPerBlock));
  l.row_blocks = int(div_up(rows, l.warps));
  l.dims_per_lane = 1;
  while (32 * l.dims_per_lane < s.head_dim) l.dims_per_lane *= 2;
  l.k_stride = s.head_dim % 2 == 0 ? s.head_dim + 1 : s.head_dim;
  l.smem_bytes = attention_smem_bytes(s.head_dim, l.warps);

  const int keys = std::max(s.keys(), 1);
  const int64_t base = int64_t(s.batch) * s.kv_heads * l.row_blocks;
  const int64_t target = 2 * int64_t(std::max(sm_count, 1));
  int splits = 1;
  if (base < target && keys >= 2 * kMinKeysPerSplit) {
    splits = int(std::min<int64_t>(div_up(target, base), keys / kMinKeysPerSplit));
  }
  l.chunk = int(round_up(div_up(keys, splits), kKeyTile));
  l.splits = int(div_up(keys, l.chunk));  // rounding the chunk up may leave fewer splits
  l.partial_floats = l.splits > 1 ? int64_t(s.batch) * s.heads * s.seq * l.splits * (s.head_dim + 2) : 0;
  return l;
}

int combine_threads(int head_dim) { return int(std::clamp<int64_t>(round_up(head_dim, 32), 32, 1024)); }

bool arch_compatible(int cc, const std::string& archs) {
  std::string list = archs;
  std::replace(list.begin(), list.end(), ',', ';');  // the build passes the list comma-separated
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ';')) {
    if (item.empty()) continue;
    if (item == "native" || item == "all" || item == "all-major") return true;
    size_t digits = 0;
    while (digits < item.size() && std::isdigit(static_cast<unsigned char>(item[digits]))) ++digits;
    if (digits == 0) continue;
    const int arch = std::stoi(item.substr(0, digits));
    const std::string suffix = item.substr(digits);
    // "90a"/"100f" are arch-specific: machine code for that exact major only, no PTX forward.
    const bool specific = !suffix.empty() && (suffix[0] == 'a' || suffix[0] == 'f');
    const bool real = suffix.find("-virtual") == std::string::npos;
    const bool virt = suffix.find("-real") == std::string::npos && !specific;
    if (real && arch / 10 == cc / 10 && arch <= cc) return true;
    if (virt && arch <= cc) return true;
  }
  return false;
}

}  // namespace infermark::cuda
