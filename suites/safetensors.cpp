#include "suites/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include "common/error.hpp"

namespace infermark {

// The format is little-endian; decoding by memcpy is only right on a little-endian host, which
// every platform infermark targets (x86-64, AArch64) is.
static_assert(std::endian::native == std::endian::little, "safetensors decoding assumes little-endian");

namespace {

// The reference implementation refuses headers above 100 MB; a larger length means a corrupt file,
// and refusing it avoids allocating whatever a garbage length says.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// Conversion works in bounded chunks so a multi-GB tensor never needs a second full-size buffer.
constexpr uint64_t kChunkBytes = uint64_t(8) << 20;

// Bytes per element of the dtypes this reader converts; 0 for any other.
uint64_t element_size(const std::string& dtype) {
  if (dtype == "F32" || dtype == "I32") return 4;
  if (dtype == "F16" || dtype == "BF16") return 2;
  if (dtype == "F64" || dtype == "I64") return 8;
  return 0;
}

const char* kSupported = "one of F32, F16, BF16, F64, I32, I64";

uint64_t read_le64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// A non-negative JSON integer, or BadInput naming where it was expected.
uint64_t as_count(const nlohmann::json& v, const std::string& file, const std::string& key,
                  const std::string& what) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return uint64_t(v.get<int64_t>());
  throw_bad_input(file, key, "expected " + what + " as a non-negative integer, got " + v.dump());
}

}  // namespace

std::string json_pointer_for(const std::string& name) {
  std::string p = "/";
  for (char c : name) {
    if (c == '~') p += "~0";
    else if (c == '/') p += "~1";
    else p += c;
  }
  return p;
}

float bf16_to_f32(uint16_t bits) { return std::bit_cast<float>(uint32_t(bits) << 16); }

float f16_to_f32(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0) {
    // Zero or subnormal: mantissa · 2⁻²⁴, exact in f32.
    float magnitude = std::ldexp(float(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 31)  // infinity (mantissa 0) or NaN (payload kept)
    return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  // Rebias the exponent from 15 to 127.
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in)
    throw_bad_input(path, "", std::string("cannot open safetensors file: ") + std::strerror(errno));
  const uint64_t size = uint64_t(in.tellg());
  if (size < 8)
    throw_bad_input(path, "",
                    "file is " + std::to_string(size) +
                        " bytes; a safetensors file starts with an 8-byte header length");
  in.seekg(0);
  unsigned char len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  const uint64_t header_len = read_le64(len_bytes);
  if (header_len > size - 8)
    throw_bad_input(path, "",
                    "header length " + std::to_string(header_len) + " exceeds the " +
                        std::to_string(size - 8) +
                        " bytes after the length field: the file is truncated or not safetensors");
  if (header_len > kMaxHeaderBytes)
    throw_bad_input(path, "",
                    "header length " + std::to_string(header_len) + " exceeds the format's limit of " +
                        std::to_string(kMaxHeaderBytes) + " bytes");
  std::string text(header_len, '\0');
  in.read(text.data(), std::streamsize(header_len));
  if (uint64_t(in.gcount()) != header_len)
    throw_bad_input(path, "", "could not read the " + std::to_string(header_len) + "-byte header");
  data_start_ = 8 + header_len;
  const uint64_t data_size = size - data_start_;

  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // parse_error, and out_of_range for a number too large for a double (found by fuzzing).
    throw_bad_input(path, "", std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object())
    throw_bad_input(path, "", "header must be a JSON object of tensors, got " +
                                  std::string(header.type_name()));

  for (const auto& [name, v] : header.items()) {
    const std::string ptr = json_pointer_for(name);
    if (name == "__metadata__") {
      if (!v.is_object()) throw_bad_input(path, ptr, "expected an object of strings");
      metadata_ = v;
      continue;
    }
    if (!v.is_object())
      throw_bad_input(path, ptr, "expected an object with dtype, shape and data_offsets");
    for (const char* key : {"dtype", "shape", "data_offsets"})
      if (!v.contains(key)) throw_bad_input(path, ptr, std::string("missing key \"") + key + "\"");
    SafetensorsEntry e;
    e.name = name;
    if (!v["dtype"].is_string())
      throw_bad_input(path, ptr + "/dtype", "expected a string such as \"F32\"");
    e.dtype = v["dtype"].get<std::string>();
    if (!v["shape"].is_array()) throw_bad_input(path, ptr + "/shape", "expected an array of sizes");
    uint64_t numel = 1;
    bool overflow = false;
    for (size_t i = 0; i < v["shape"].size(); ++i) {
      const uint64_t d = as_count(v["shape"][i], path, ptr + "/shape/" + std::to_string(i), "a size");
      if (d > uint64_t(std::numeric_limits<int64_t>::max())) overflow = true;
      e.shape.push_back(int64_t(d));
      if (d != 0 && numel > std::numeric_limits<uint64_t>::max() / d) overflow = true;
      numel *= d;
    }
    const auto& off = v["data_offsets"];
    if (!off.is_array() || off.size() != 2)
      throw_bad_input(path, ptr + "/data_offsets", "expected [begin, end], got " + off.dump());
    e.begin = as_count(off[0], path, ptr + "/data_offsets/0", "an offset");
    e.end = as_count(off[1], path, ptr + "/data_offsets/1", "an offset");
    if (e.begin > e.end)
      throw_bad_input(path, ptr + "/data_offsets",
                      "begin " + std::to_string(e.begin) + " is after end " + std::to_string(e.end));
    if (e.end > data_size)
      throw_bad_input(path, ptr + "/data_offsets",
                      "data truncated: the tensor ends at byte " + std::to_string(e.end) +
                          " of the data section, which has only " + std::to_string(data_size) +
                          " bytes");
    // Unknown dtypes are checked when read: a file may hold tensors infermark never asks for.
    if (const uint64_t es = element_size(e.dtype); es != 0) {
      if (overflow || numel > std::numeric_limits<uint64_t>::max() / es ||
          e.end - e.begin != numel * es)
        throw_bad_input(path, ptr + "/data_offsets",
                        "expected " + (overflow ? std::string("a representable size")
                                                : std::to_string(numel * es) + " bytes") +
                            " (" + e.dtype + " × " + shape_to_string(e.shape) + "), offsets span " +
                            std::to_string(e.end - e.begin));
    }
    entries_.emplace(name, std::move(e));
  }
}

const SafetensorsEntry& SafetensorsFile::entry(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end())
    throw_bad_input(path_, json_pointer_for(name), "no such tensor in the file");
  return it->second;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  for (const auto& [name, e] : entries_) out.push_back(name);
  return out;
}

HostTensor SafetensorsFile::read(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  const std::string ptr = json_pointer_for(name);
  const uint64_t es = element_size(e.dtype);
  if (es == 0)
    throw_bad_input(path_, ptr + "/dtype",
                    "unsupported dtype \"" + e.dtype + "\"; expected " + kSupported);
  const bool is_float = e.dtype[0] == 'F' || e.dtype == "BF16";

  HostTensor t;
  t.shape = e.shape;
  t.dtype = is_float ? DType::F32 : DType::I32;
  const uint64_t numel = (e.end - e.begin) / es;
  if (is_float) t.f32.resize(numel);
  else t.i32.resize(numel);

  std::ifstream in(path_, std::ios::binary);
  if (!in)
    throw_bad_input(path_, ptr, std::string("cannot reopen the file: ") + std::strerror(errno));
  in.seekg(std::streamoff(data_start_ + e.begin));
  uint64_t done = 0;  // elements read so far
  auto read_into = [&](void* dst, uint64_t n) {
    in.read(static_cast<char*>(dst), std::streamsize(n * es));
    if (uint64_t(in.gcount()) != n * es)
      throw_bad_input(path_, ptr,
                      "data truncated: expected " + std::to_string(e.end - e.begin) +
                          " bytes from offset " + std::to_string(data_start_ + e.begin) +
                          ", the file ended after " +
                          std::to_string(done * es + uint64_t(in.gcount())));
  };
  // Same-size types are read straight into place; the others through a bounded buffer.
  if (e.dtype == "F32" || e.dtype == "I32") {
    if (numel != 0) read_into(is_float ? static_cast<void*>(t.f32.data()) : t.i32.data(), numel);
    return t;
  }
  std::vector<unsigned char> buf;
  while (done < numel) {
    const uint64_t n = std::min(numel - done, kChunkBytes / es);
    buf.resize(n * es);
    read_into(buf.data(), n);
    const unsigned char* p = buf.data();
    if (e.dtype == "F16" || e.dtype == "BF16") {
      float (*convert)(uint16_t) = e.dtype == "F16" ? f16_to_f32 : bf16_to_f32;
      for (uint64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        t.f32[done + i] = convert(h);
      }
    } else if (e.dtype == "F64") {
      for (uint64_t i = 0; i < n; ++i) {
        double d;
        std::memcpy(&d, p + 8 * i, 8);
        t.f32[done + i] = float(d);
      }
    } else {  // I64
      for (uint64_t i = 0; i < n; ++i) {
        int64_t v;
        std::memcpy(&v, p + 8 * i, 8);
        if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
          throw_bad_input(path_, ptr,
                          "element " + std::to_string(done + i) + " = " + std::to_string(v) +
                              " does not fit in 32 bits; expected values within the i32 range");
        t.i32[done + i] = int32_t(v);
      }
    }
    done += n;
  }
  return t;
}

void write_safetensors(const std::string& path, const std::map<std::string, HostTensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    const size_t have = t.dtype == DType::F32 ? t.f32.size() : t.i32.size();
    if (int64_t(have) != t.numel())
      throw Error(ErrorKind::Internal, "write_safetensors: tensor " + name + " has " +
                                           std::to_string(have) + " values for shape " +
                                           shape_to_string(t.shape));
    const uint64_t bytes = uint64_t(have) * 4;
    header[name] = {{"dtype", t.dtype == DType::F32 ? "F32" : "I32"},
                    {"shape", t.shape},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump();
  // Padding keeps the data section 8-byte aligned, as the reference writer does.
  text.append((8 - text.size() % 8) % 8, ' ');

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throw Error(ErrorKind::Unavailable,
                path + ": cannot write safetensors file: " + std::strerror(errno));
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = (uint64_t(text.size()) >> (8 * i)) & 0xff;
  out.write(reinterpret_cast<const char*>(len), 8);
  out.write(text.data(), std::streamsize(text.size()));
  for (const auto& [name, t] : tensors) {
    const char* data = t.dtype == DType::F32 ? reinterpret_cast<const char*>(t.f32.data())
                                             : reinterpret_cast<const char*>(t.i32.data());
    out.write(data, std::streamsize(t.numel() * 4));
  }
  out.close();
  if (!out)
    throw Error(ErrorKind::Unavailable, path + ": writing the safetensors file failed");
}

}  // namespace infermark
