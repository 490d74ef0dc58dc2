// .npy writer and reader, checked byte by byte and against real NumPy (Debian's python3-numpy)
// in both directions: NumPy loads what we write, we load what NumPy writes.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.hpp"
#include "suites/npy.hpp"

using namespace infermark;
namespace fs = std::filesystem;

namespace {

// The system interpreter: Debian's python3-numpy is installed for it, not for a pyenv python3.
const char* kPython = "/usr/bin/python3";

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("im_npy_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

bool have_numpy() {
  const std::string cmd = std::string(kPython) + " -c 'import numpy' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

// Runs a Python script file with arguments; returns stdout, fails the test on a non-zero exit.
std::string run_python(const std::string& script, const std::string& args) {
  const std::string cmd = std::string(kPython) + " " + script + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  INFO(out);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return out;
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

HostTensor f32(std::vector<int64_t> shape, std::vector<float> v) {
  HostTensor t;
  t.shape = std::move(shape);
  t.f32 = std::move(v);
  return t;
}

std::string bad_input_message(const std::string& path) {
  try {
    read_npy(path);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::BadInput);
    return e.what();
  }
  FAIL("expected a BadInput error reading " << path);
  return "";
}

}  // namespace

TEST_CASE("npy: v1.0 layout, 64-byte aligned header, round trip") {
  TempDir dir;
  const std::string p = dir.file("a.npy");
  write_npy(p, f32({2, 3}, {0.5f, -1.25f, 3e-8f, 1e30f, -0.0f, 7.0f}));
  const std::string b = bytes_of(p);
  REQUIRE(b.size() > 10);
  CHECK(b.compare(0, 6, "\x93NUMPY") == 0);
  CHECK(b[6] == 1);
  CHECK(b[7] == 0);
  const size_t hlen = size_t(static_cast<unsigned char>(b[8])) |
                      size_t(static_cast<unsigned char>(b[9])) << 8;
  CHECK((10 + hlen) % 64 == 0);
  REQUIRE(b.size() == 10 + hlen + 6 * 4);
  const std::string header = b.substr(10, hlen);
  CHECK(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 0) == 0);
  CHECK(header.back() == '\n');

  HostTensor r = read_npy(p);
  CHECK(r.dtype == DType::F32);
  CHECK(r.shape == std::vector<int64_t>{2, 3});
  CHECK(r.f32 == std::vector<float>{0.5f, -1.25f, 3e-8f, 1e30f, -0.0f, 7.0f});

  HostTensor ids;
  ids.dtype = DType::I32;
  ids.shape = {3};
  ids.i32 = {-1, 0, 2147483647};
  write_npy(p, ids);
  CHECK(bytes_of(p).find("'<i4', 'fortran_order': False, 'shape': (3,), }") != std::string::npos);
  HostTensor ri = read_npy(p);
  CHECK(ri.dtype == DType::I32);
  CHECK(ri.shape == std::vector<int64_t>{3});
  CHECK(ri.i32 == ids.i32);

  // Truncated data and a file that is not .npy at all.
  write_npy(p, f32({4}, {1, 2, 3, 4}));
  fs::resize_file(p, fs::file_size(p) - 1);
  std::string msg = bad_input_message(p);
  CHECK_THAT(msg, Catch::Contains(p));
  CHECK_THAT(msg, Catch::Contains("data truncated"));
  write_text(p, "hello, world");
  CHECK_THAT(bad_input_message(p), Catch::Contains("not a .npy file"));

  HostTensor wrong = f32({2, 2}, {1});
  CHECK_THROWS_AS(write_npy(p, wrong), Error);
}

TEST_CASE("npy: NumPy loads what we write") {
  if (!have_numpy()) {
    WARN("skipping the NumPy cross-check: " << kPython << " cannot import numpy");
    return;
  }
  TempDir dir;
  const std::vector<float> values = {0.5f, -1.25f, 3e-8f, 1e30f, -0.0f, 7.0f};
  write_npy(dir.file("a.npy"), f32({2, 3}, values));
  write_npy(dir.file("s.npy"), f32({}, {2.5f}));
  write_npy(dir.file("e.npy"), f32({0, 3}, {}));
  HostTensor ids;
  ids.dtype = DType::I32;
  ids.shape = {4};
  ids.i32 = {-2147483647 - 1, 0, 5, 2147483647};
  write_npy(dir.file("i.npy"), ids);

  const std::string script = dir.file("load.py");
  write_text(script, R"(import json, sys
import numpy as np
out = []
for p in sys.argv[1:]:
    a = np.load(p)
    out.append({"dtype": a.dtype.str, "shape": list(a.shape),
                "c_order": bool(a.flags.c_contiguous),
                "values": [float(x) if a.dtype.kind == "f" else int(x) for x in a.ravel()]})
print(json.dumps(out))
)");
  auto j = nlohmann::json::parse(run_python(
      script, dir.file("a.npy") + " " + dir.file("s.npy") + " " + dir.file("e.npy") + " " +
                  dir.file("i.npy")));
  REQUIRE(j.size() == 4);
  CHECK(j[0]["dtype"] == "<f4");
  CHECK(j[0]["shape"] == nlohmann::json::array({2, 3}));
  CHECK(j[0]["c_order"] == true);
  REQUIRE(j[0]["values"].size() == 6);
  for (size_t k = 0; k < 6; ++k) CHECK(float(j[0]["values"][k].get<double>()) == values[k]);
  CHECK(std::signbit(j[0]["values"][4].get<double>()));
  CHECK(j[1]["shape"] == nlohmann::json::array());
  CHECK(j[1]["values"] == nlohmann::json::array({2.5}));
  CHECK(j[2]["shape"] == nlohmann::json::array({0, 3}));
  CHECK(j[2]["values"].empty());
  CHECK(j[3]["dtype"] == "<i4");
  CHECK(j[3]["values"] == nlohmann::json::array({-2147483648LL, 0, 5, 2147483647}));
}

TEST_CASE("npy: we load what NumPy writes, and refuse what we cannot represent") {
  if (!have_numpy()) {
    WARN("skipping the NumPy cross-check: " << kPython << " cannot import numpy");
    return;
  }
  TempDir dir;
  const std::string script = dir.file("save.py");
  write_text(script, R"(import sys
import numpy as np
d = sys.argv[1]
np.save(d + "/f.npy", (np.arange(6, dtype="<f4").reshape(2, 3) - 2) / 4)
np.save(d + "/i.npy", np.array([[1, -2], [3, 40000]], dtype="<i4"))
np.save(d + "/f8.npy", np.zeros(3, dtype="<f8"))
np.save(d + "/fortran.npy", np.asfortranarray(np.ones((2, 3), dtype="<f4")))
)");
  run_python(script, dir.path.string());

  HostTensor f = read_npy(dir.file("f.npy"));
  CHECK(f.dtype == DType::F32);
  CHECK(f.shape == std::vector<int64_t>{2, 3});
  CHECK(f.f32 == std::vector<float>{-0.5f, -0.25f, 0.0f, 0.25f, 0.5f, 0.75f});
  HostTensor i = read_npy(dir.file("i.npy"));
  CHECK(i.dtype == DType::I32);
  CHECK(i.shape == std::vector<int64_t>{2, 2});
  CHECK(i.i32 == std::vector<int32_t>{1, -2, 3, 40000});

  std::string msg = bad_input_message(dir.file("f8.npy"));
  CHECK_THAT(msg, Catch::Contains("/descr"));
  CHECK_THAT(msg, Catch::Contains("'<f8'"));
  CHECK_THAT(bad_input_message(dir.file("fortran.npy")), Catch::Contains("/fortran_order"));
}
