// Reader and writer for Hugging Face safetensors files: a JSON header of dtypes, shapes and
// offsets, then raw little-endian data. Only requested tensors are read, so large files stay cheap.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "suites/tensor.hpp"

namespace infermark {

// One header entry. `dtype` is the file's spelling ("F32", "BF16", …); offsets are relative to
// the start of the data section, as in the format.
struct SafetensorsEntry {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

class SafetensorsFile {
 public:
  // Reads and validates the header (sizes, JSON, offsets against the file size and
  // dtype × shape). Throws BadInput naming the file, the tensor (/<name>) and what was expected.
  explicit SafetensorsFile(const std::string& path);

  const std::string& path() const { return path_; }
  bool has(const std::string& name) const { return entries_.count(name) != 0; }
  const SafetensorsEntry& entry(const std::string& name) const;  // BadInput if absent
  std::vector<std::string> names() const;                         // sorted
  const nlohmann::json& metadata() const { return metadata_; }    // "__metadata__", or null

  // Reads one tensor: F32/F16/BF16/F64 become DType::F32, I32/I64 become DType::I32 (I64 values
  // outside the i32 range are rejected). Any other dtype is a BadInput Error.
  HostTensor read(const std::string& name) const;

 private:
  std::string path_;
  uint64_t data_start_ = 0;  // 8 + header length
  std::map<std::string, SafetensorsEntry> entries_;
  nlohmann::json metadata_;
};

// Writes `tensors` as a safetensors file: DType::F32 as "F32", DType::I32 as "I32", in name
// order, header padded with spaces to 8 bytes. `metadata` becomes "__metadata__" when not empty.
void write_safetensors(const std::string& path, const std::map<std::string, HostTensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// Element conversions, exposed for tests. bf16 is the top half of an f32; f16 is IEEE binary16
// (subnormals, infinities and NaN included).
float bf16_to_f32(uint16_t bits);
float f16_to_f32(uint16_t bits);

// "/<name>" with '~' and '/' escaped as RFC 6901 says, for error messages.
std::string json_pointer_for(const std::string& name);

}  // namespace infermark
