#include "suites/npy.hpp"

#include <bit>
#include <charconv>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "common/error.hpp"

namespace infermark {

// '<f4' / '<i4' data is written and read by memcpy, right only on a little-endian host.
static_assert(std::endian::native == std::endian::little, ".npy I/O assumes little-endian");

namespace {

const char kMagic[] = "\x93NUMPY";  // 6 bytes, then major and minor version

// The value text after `'key':` in the header dict, or npos.
size_t value_at(const std::string& header, const std::string& key) {
  for (const char q : {'\'', '"'}) {
    const std::string k = std::string(1, q) + key + q;
    size_t p = header.find(k);
    if (p == std::string::npos) continue;
    p = header.find(':', p + k.size());
    if (p == std::string::npos) return p;
    ++p;
    while (p < header.size() && std::isspace(static_cast<unsigned char>(header[p]))) ++p;
    return p;
  }
  return std::string::npos;
}

}  // namespace

void write_npy(const std::string& path, const HostTensor& t) {
  const bool f32 = t.dtype == DType::F32;
  const size_t have = f32 ? t.f32.size() : t.i32.size();
  if (int64_t(have) != t.numel())
    throw Error(ErrorKind::Internal, "write_npy: " + std::to_string(have) +
                                         " values for shape " + shape_to_string(t.shape));
  std::string shape = "(";
  for (size_t i = 0; i < t.shape.size(); ++i) shape += (i ? ", " : "") + std::to_string(t.shape[i]);
  if (t.shape.size() == 1) shape += ",";  // a Python 1-tuple
  shape += ")";
  std::string header = std::string("{'descr': '") + (f32 ? "<f4" : "<i4") +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // 10 bytes of magic, version and length precede the header, which ends in '\n'.
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  if (header.size() > 65535)
    throw Error(ErrorKind::Internal, "write_npy: header too long for format v1.0");

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throw Error(ErrorKind::Unavailable, path + ": cannot write .npy file: " + std::strerror(errno));
  out.write(kMagic, 6);
  const char version[2] = {1, 0};
  out.write(version, 2);
  const char len[2] = {char(header.size() & 0xff), char(header.size() >> 8)};
  out.write(len, 2);
  out.write(header.data(), std::streamsize(header.size()));
  const char* data = f32 ? reinterpret_cast<const char*>(t.f32.data())
                         : reinterpret_cast<const char*>(t.i32.data());
  out.write(data, std::streamsize(have * 4));
  out.close();
  if (!out) throw Error(ErrorKind::Unavailable, path + ": writing the .npy file failed");
}

HostTensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_bad_input(path, "", std::string("cannot open .npy file: ") + std::strerror(errno));
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, kMagic, 6) != 0)
    throw_bad_input(path, "", "not a .npy file: expected the magic \"\\x93NUMPY\" and a version");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0, header_start = 0;
  auto byte = [&](size_t i) { return size_t(static_cast<unsigned char>(bytes[i])); };
  if (major == 1) {
    header_len = byte(8) | byte(9) << 8;
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw_bad_input(path, "", "truncated .npy header");
    header_len = byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24;
    header_start = 12;
  } else {
    throw_bad_input(path, "", "unsupported .npy version " + std::to_string(major) +
                                  "; expected 1, 2 or 3");
  }
  if (header_start + header_len > bytes.size())
    throw_bad_input(path, "", "header length " + std::to_string(header_len) +
                                  " runs past the end of the file");
  const std::string header = bytes.substr(header_start, header_len);

  HostTensor t;
  size_t p = value_at(header, "descr");
  if (p == std::string::npos || p + 5 > header.size())
    throw_bad_input(path, "/descr", "missing; expected '<f4' or '<i4'");
  const std::string descr = header.substr(p + 1, 3);
  if (descr == "<f4") t.dtype = DType::F32;
  else if (descr == "<i4") t.dtype = DType::I32;
  else
    throw_bad_input(path, "/descr",
                    "unsupported dtype " + header.substr(p, header.find_first_of(",}", p) - p) +
                        "; expected '<f4' or '<i4'");

  p = value_at(header, "fortran_order");
  if (p == std::string::npos || header.compare(p, 5, "False") != 0)
    throw_bad_input(path, "/fortran_order", "expected False (C order)");

  p = value_at(header, "shape");
  if (p == std::string::npos || header[p] != '(')
    throw_bad_input(path, "/shape", "expected a tuple of sizes");
  const size_t close = header.find(')', p);
  if (close == std::string::npos) throw_bad_input(path, "/shape", "unterminated tuple");
  for (size_t i = p + 1; i < close;) {
    if (std::isdigit(static_cast<unsigned char>(header[i]))) {
      // from_chars, not stoll: a size beyond int64 is bad input, not an exception (fuzzing).
      int64_t dim = 0;
      const auto [end, ec] = std::from_chars(header.data() + i, header.data() + close, dim);
      if (ec != std::errc())
        throw_bad_input(path, "/shape", "size " + header.substr(i, size_t(end - header.data()) - i) +
                                            " is out of range");
      t.shape.push_back(dim);
      i = size_t(end - header.data());
    } else if (header[i] == ',' || header[i] == ' ' || header[i] == 'L') {
      ++i;
    } else {
      throw_bad_input(path, "/shape", "expected non-negative sizes, got " +
                                          header.substr(p, close + 1 - p));
    }
  }

  const size_t data_start = header_start + header_len;
  // The element count must not overflow before it is compared with the bytes present.
  uint64_t count = 1;
  for (int64_t d : t.shape)
    if (__builtin_mul_overflow(count, uint64_t(d), &count) || count > bytes.size())
      throw_bad_input(path, "/shape", "shape " + shape_to_string(t.shape) +
                                          " holds more elements than the file has bytes");
  const size_t need = size_t(count) * 4;
  if (bytes.size() - data_start < need)
    throw_bad_input(path, "", "data truncated: shape " + shape_to_string(t.shape) + " needs " +
                                  std::to_string(need) + " bytes, the file has " +
                                  std::to_string(bytes.size() - data_start));
  if (t.dtype == DType::F32) t.f32.resize(size_t(t.numel()));
  else t.i32.resize(size_t(t.numel()));
  if (need != 0)
    std::memcpy(t.dtype == DType::F32 ? static_cast<void*>(t.f32.data()) : t.i32.data(),
                bytes.data() + data_start, need);
  return t;
}

}  // namespace infermark
