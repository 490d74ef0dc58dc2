// safetensors reader/writer: hand-assembled files (every supported dtype, every malformed shape
// of file) and the writer's exact byte layout.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "common/error.hpp"
#include "suites/safetensors.hpp"

using namespace infermark;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("im_st_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += char((v >> (8 * i)) & 0xff);
}

// A file assembled by hand: 8-byte length, the header text as given, then `data`.
void write_raw(const std::string& path, const std::string& header, const std::string& data) {
  std::string bytes;
  put_le(bytes, header.size(), 8);
  bytes += header + data;
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

std::string f32_bytes(std::initializer_list<float> v) {
  std::string s;
  for (float f : v) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    put_le(s, u, 4);
  }
  return s;
}

// The BadInput message of opening (and, when `tensor` is given, reading) the file.
std::string bad_input_message(const std::string& path, const std::string& tensor = "") {
  try {
    SafetensorsFile f(path);
    if (!tensor.empty()) f.read(tensor);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    return e.what();
  }
  FAIL("expected a BadInput error for " << path);
  return "";
}

}  // namespace

TEST_CASE("safetensors: f16 and bf16 convert exactly, including subnormals, inf and nan") {
  CHECK(f16_to_f32(0x3C00) == 1.0f);
  CHECK(f16_to_f32(0xC000) == -2.0f);
  CHECK(f16_to_f32(0x3555) == 0.333251953125f);  // 1365/4096
  CHECK(f16_to_f32(0x7BFF) == 65504.0f);         // largest finite
  CHECK(f16_to_f32(0x0400) == std::ldexp(1.0f, -14));            // smallest normal
  CHECK(f16_to_f32(0x0001) == std::ldexp(1.0f, -24));            // smallest subnormal
  CHECK(f16_to_f32(0x03FF) == std::ldexp(1023.0f, -24));         // largest subnormal
  CHECK(f16_to_f32(0x8001) == -std::ldexp(1.0f, -24));
  CHECK(f16_to_f32(0x0000) == 0.0f);
  CHECK(std::signbit(f16_to_f32(0x8000)));
  CHECK(f16_to_f32(0x7C00) == std::numeric_limits<float>::infinity());
  CHECK(f16_to_f32(0xFC00) == -std::numeric_limits<float>::infinity());
  CHECK(std::isnan(f16_to_f32(0x7E00)));
  CHECK(std::isnan(f16_to_f32(0x7C01)));  // signalling-NaN pattern is still NaN

  CHECK(bf16_to_f32(0x3F80) == 1.0f);
  CHECK(bf16_to_f32(0xC040) == -3.0f);
  CHECK(bf16_to_f32(0x4049) == 3.140625f);
  CHECK(bf16_to_f32(0x0001) == std::ldexp(1.0f, -133));  // subnormal
  CHECK(bf16_to_f32(0xFF80) == -std::numeric_limits<float>::infinity());
  CHECK(std::isnan(bf16_to_f32(0x7FC0)));
}

TEST_CASE("safetensors: reads every supported dtype from a hand-assembled file") {
  TempDir dir;
  std::string data;
  // f16 [2, 2] at 0..8: 1, -2, smallest subnormal, inf
  for (uint16_t h : {0x3C00, 0xC000, 0x0001, 0x7C00}) put_le(data, h, 2);
  // bf16 [3] at 8..14: 1, -3, 3.140625
  for (uint16_t h : {0x3F80, 0xC040, 0x4049}) put_le(data, h, 2);
  data += std::string(2, '\0');  // 14..16: a gap is allowed by readers that seek
  // f32 [2] at 16..24
  data += f32_bytes({0.25f, -7.5f});
  // f64 [1] at 24..32
  {
    double d = 0.1;
    uint64_t u;
    std::memcpy(&u, &d, 8);
    put_le(data, u, 8);
  }
  // i32 [2] at 32..40
  put_le(data, uint32_t(-5), 4);
  put_le(data, 77, 4);
  // i64 [2] at 40..56
  put_le(data, uint64_t(int64_t(-123456789)), 8);
  put_le(data, 2147483647, 8);
  // i64 [1] at 56..64, out of i32 range
  put_le(data, uint64_t(1) << 40, 8);
  // bool [2] at 64..66: a dtype this reader does not convert
  data += std::string("\x01\x00", 2);
  const std::string header = R"({
    "__metadata__": {"format": "pt"},
    "half": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]},
    "brain": {"dtype": "BF16", "shape": [3], "data_offsets": [8, 14]},
    "single": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]},
    "double": {"dtype": "F64", "shape": [1], "data_offsets": [24, 32]},
    "ints": {"dtype": "I32", "shape": [2], "data_offsets": [32, 40]},
    "longs": {"dtype": "I64", "shape": [2, 1], "data_offsets": [40, 56]},
    "too_long": {"dtype": "I64", "shape": [], "data_offsets": [56, 64]},
    "mask": {"dtype": "BOOL", "shape": [2], "data_offsets": [64, 66]}
  })";
  const std::string path = dir.file("all.safetensors");
  write_raw(path, header, data);

  SafetensorsFile f(path);
  CHECK(f.names() == std::vector<std::string>{"brain", "double", "half", "ints", "longs", "mask",
                                              "single", "too_long"});
  CHECK(f.metadata()["format"] == "pt");
  CHECK(f.entry("brain").dtype == "BF16");
  CHECK(f.entry("brain").begin == 8);

  HostTensor h = f.read("half");
  CHECK(h.dtype == DType::F32);
  CHECK(h.shape == std::vector<int64_t>{2, 2});
  REQUIRE(h.f32.size() == 4);
  CHECK(h.f32[0] == 1.0f);
  CHECK(h.f32[1] == -2.0f);
  CHECK(h.f32[2] == std::ldexp(1.0f, -24));
  CHECK(std::isinf(h.f32[3]));
  CHECK(f.read("brain").f32 == std::vector<float>{1.0f, -3.0f, 3.140625f});
  CHECK(f.read("single").f32 == std::vector<float>{0.25f, -7.5f});
  CHECK(f.read("double").f32 == std::vector<float>{float(0.1)});
  HostTensor ints = f.read("ints");
  CHECK(ints.dtype == DType::I32);
  CHECK(ints.i32 == std::vector<int32_t>{-5, 77});
  HostTensor longs = f.read("longs");
  CHECK(longs.shape == std::vector<int64_t>{2, 1});
  CHECK(longs.i32 == std::vector<int32_t>{-123456789, 2147483647});

  std::string msg = bad_input_message(path, "too_long");
  CHECK_THAT(msg, Catch::Contains("/too_long"));
  CHECK_THAT(msg, Catch::Contains("1099511627776"));
  msg = bad_input_message(path, "mask");
  CHECK_THAT(msg, Catch::Contains(path));
  CHECK_THAT(msg, Catch::Contains("/mask/dtype"));
  CHECK_THAT(msg, Catch::Contains("\"BOOL\""));
  CHECK_THAT(msg, Catch::Contains("F32, F16, BF16"));
  msg = bad_input_message(path, "absent");
  CHECK_THAT(msg, Catch::Contains("/absent"));
}

TEST_CASE("safetensors: malformed files are BadInput errors naming file, tensor and expectation") {
  TempDir dir;
  const std::string p = dir.file("bad.safetensors");

  SECTION("file shorter than the length field") {
    write_bytes(p, "abc");
    std::string msg = bad_input_message(p);
    CHECK_THAT(msg, Catch::Contains(p));
    CHECK_THAT(msg, Catch::Contains("3 bytes"));
    CHECK_THAT(msg, Catch::Contains("8-byte header length"));
  }
  SECTION("header length beyond the file size") {
    std::string bytes;
    put_le(bytes, 1000, 8);
    bytes += "{}";
    write_bytes(p, bytes);
    std::string msg = bad_input_message(p);
    CHECK_THAT(msg, Catch::Contains("header length 1000 exceeds the 2 bytes"));
  }
  SECTION("header that is not JSON") {
    write_raw(p, "{not json", "");
    CHECK_THAT(bad_input_message(p), Catch::Contains("header is not valid JSON"));
  }
  SECTION("header that is JSON but not an object") {
    write_raw(p, "[1, 2]", "");
    CHECK_THAT(bad_input_message(p), Catch::Contains("header must be a JSON object"));
  }
  SECTION("offsets past the data section (truncated data)") {
    write_raw(p, R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})",
              f32_bytes({1, 2}));
    std::string msg = bad_input_message(p);
    CHECK_THAT(msg, Catch::Contains("/w/data_offsets"));
    CHECK_THAT(msg, Catch::Contains("data truncated"));
    CHECK_THAT(msg, Catch::Contains("ends at byte 16"));
    CHECK_THAT(msg, Catch::Contains("only 8 bytes"));
  }
  SECTION("offsets inconsistent with dtype and shape") {
    write_raw(p, R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})",
              f32_bytes({1, 2}));
    std::string msg = bad_input_message(p);
    CHECK_THAT(msg, Catch::Contains("/w/data_offsets"));
    CHECK_THAT(msg, Catch::Contains("expected 12 bytes (F32 × [3]), offsets span 8"));
  }
  SECTION("begin after end") {
    write_raw(p, R"({"w": {"dtype": "F32", "shape": [0], "data_offsets": [8, 4]}})",
              f32_bytes({1, 2}));
    CHECK_THAT(bad_input_message(p), Catch::Contains("begin 8 is after end 4"));
  }
  SECTION("a missing key, a negative size, a name needing pointer escapes") {
    write_raw(p, R"({"a/b~c": {"dtype": "F32", "shape": [2]}})", f32_bytes({1, 2}));
    std::string msg = bad_input_message(p);
    CHECK_THAT(msg, Catch::Contains("/a~1b~0c"));
    CHECK_THAT(msg, Catch::Contains("data_offsets"));
    write_raw(p, R"({"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})",
              f32_bytes({1, 2}));
    CHECK_THAT(bad_input_message(p), Catch::Contains("/w/shape/0"));
  }
  SECTION("data cut off after the header was validated") {
    write_raw(p, R"({"w": {"dtype": "BF16", "shape": [4], "data_offsets": [0, 8]}})",
              std::string(8, '\0'));
    SafetensorsFile f(p);
    fs::resize_file(p, fs::file_size(p) - 3);
    try {
      f.read("w");
      FAIL("expected a BadInput error");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::BadInput);
      CHECK_THAT(e.what(), Catch::Contains("/w"));
      CHECK_THAT(e.what(), Catch::Contains("data truncated: expected 8 bytes"));
      CHECK_THAT(e.what(), Catch::Contains("ended after 5"));
    }
  }
  SECTION("an unopenable path") {
    CHECK_THAT(bad_input_message(dir.file("absent.safetensors")), Catch::Contains("cannot open"));
  }
}

TEST_CASE("safetensors: the writer's bytes follow the format and read back") {
  TempDir dir;
  const std::string p = dir.file("w.safetensors");
  HostTensor a;
  a.shape = {2};
  a.f32 = {1.5f, -2.0f};
  HostTensor b;
  b.shape = {1, 3};
  b.dtype = DType::I32;
  b.i32 = {7, -8, 9};
  write_safetensors(p, {{"b", b}, {"a", a}}, {{"format", "pt"}});

  std::ifstream in(p, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(bytes.size() >= 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  CHECK((8 + n) % 8 == 0);
  REQUIRE(bytes.size() == 8 + n + 8 + 12);  // header, then 2 f32 and 3 i32
  auto header = nlohmann::json::parse(bytes.substr(8, n));
  CHECK(header == nlohmann::json::parse(R"({
    "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
    "b": {"dtype": "I32", "shape": [1, 3], "data_offsets": [8, 20]},
    "__metadata__": {"format": "pt"}})"));
  std::string expected_data = f32_bytes({1.5f, -2.0f});
  for (int32_t v : {7, -8, 9}) put_le(expected_data, uint32_t(v), 4);
  CHECK(bytes.substr(8 + n) == expected_data);

  SafetensorsFile f(p);
  CHECK(f.read("a").f32 == a.f32);
  CHECK(f.read("b").i32 == b.i32);
  CHECK(f.read("b").shape == b.shape);

  HostTensor wrong;
  wrong.shape = {3};
  wrong.f32 = {1};
  CHECK_THROWS_AS(write_safetensors(dir.file("x.safetensors"), {{"w", wrong}}), Error);
}
