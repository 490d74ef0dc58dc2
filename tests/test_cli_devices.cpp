// `infermark run --device`: selection by id, by index and by part of the name, recorded in the
// result; a selection matching nothing is bad input (exit 2, no file). Also the ceilings that a
// run measures per device before its benchmarks, and --no-ceilings.
#include <catch2/catch.hpp>

#include <set>

#include "backends/registry.hpp"
#include "support/cli_fixture.hpp"

using namespace infermark;
using namespace infermark::test;

namespace {

// Every (backend, device) here but the reference's, as "backend:id", with the device's name.
std::map<std::string, std::string> devices_here() {
  std::map<std::string, std::string> out;
  for (const auto& e : backend_registry()) {
    if (e.name == "reference") continue;
    for (const auto& d : e.make()->devices()) out[e.name + ":" + d.id] = d.name;
  }
  return out;
}

std::set<std::string> devices_in(const nlohmann::json& doc) {
  std::set<std::string> out;
  for (const auto& b : doc.at("benchmarks")) out.insert(b.at("backend").get<std::string>() + ":" + b.at("device").get<std::string>());
  return out;
}

std::vector<std::string> quick_run(const ScratchDir& dir, const std::string& selector,
                                   bool ceilings = false) {
  std::vector<std::string> args{"run", "--suite", "smoke", "--filter", "tiny-bert/encode/b1/s16/f32",
                                "--quick", "--quiet", "--cache-dir", dir.cache(),
                                "--out", dir.file("out.json")};
  if (!selector.empty()) {
    args.push_back("--device");
    args.push_back(selector);
  }
  if (!ceilings) args.push_back("--no-ceilings");
  return args;
}

}  // namespace

TEST_CASE("cli run --device selects by id, by name and by index", "[cli][devices]") {
  const auto here = devices_here();
  if (here.empty()) {
    WARN("no device here but the reference's: device selection not exercised");
    return;
  }
  for (const auto& [key, name] : here) {
    const std::string id = key.substr(key.find(':') + 1);
    ScratchDir dir;
    const auto r = run_infermark(quick_run(dir, id));
    INFO(key << ": " << r.describe() << "\n" << r.err);
    REQUIRE(r.exit_code == 0);
    const auto doc = read_json(dir.file("out.json"));
    CHECK(devices_in(doc) == std::set<std::string>{key});
    CHECK(doc.at("run").at("options").at("devices") == nlohmann::json::array({id}));

    // A part of the name, in another case, picks the same device (and any other that shares it).
    const std::string part = name.substr(0, std::min<size_t>(name.size(), 6));
    std::string upper = part;
    for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
    ScratchDir dir2;
    REQUIRE(run_infermark(quick_run(dir2, upper)).exit_code == 0);
    CHECK(devices_in(read_json(dir2.file("out.json"))).count(key) == 1);
  }
  // Index 0 is the first device of every backend.
  ScratchDir dir;
  REQUIRE(run_infermark(quick_run(dir, "0")).exit_code == 0);
  const auto chosen = devices_in(read_json(dir.file("out.json")));
  for (const auto& e : backend_registry()) {
    if (e.name == "reference") continue;
    const auto devs = e.make()->devices();
    if (!devs.empty()) CHECK(chosen.count(e.name + ":" + devs.front().id) == 1);
  }
}

TEST_CASE("cli run --device matching nothing is bad input and writes nothing", "[cli][devices]") {
  ScratchDir dir;
  const auto r = run_infermark(quick_run(dir, "no-such-device-anywhere"));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--device") != std::string::npos);
  CHECK(r.err.find("devices here") != std::string::npos);
  CHECK_FALSE(exists(dir.file("out.json")));
}

TEST_CASE("cli run measures each device's roofline ceilings once, unless --no-ceilings",
          "[cli][devices]") {
  const auto here = devices_here();
  if (here.empty()) {
    WARN("no device here but the reference's: ceilings not exercised");
    return;
  }
  const std::string key = here.begin()->first;
  const std::string id = key.substr(key.find(':') + 1);
  ScratchDir dir;
  const auto r = run_infermark(quick_run(dir, id, true), {}, 300);
  INFO(r.describe() << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  const auto doc = read_json(dir.file("out.json"));
  const auto& ceilings = doc.at("system").at("ceilings");
  REQUIRE(ceilings.size() == 1);  // one device, one precision (f32) in this run
  const auto& c = ceilings.at(0);
  CHECK(c.at("backend").get<std::string>() + ":" + c.at("device").get<std::string>() == key);
  CHECK(c.at("precision") == "f32");
  REQUIRE_FALSE(c.contains("unavailable"));
  // Each ceiling is its own measurement's arithmetic, and the workload ran below the roofline.
  const auto& mm = c.at("matmul");
  CHECK(c.at("flops_per_s").get<double>() ==
        Approx(mm.at("flops").get<double>() / mm.at("median_s").get<double>()));
  const double n = mm.at("n").get<double>();
  CHECK(mm.at("flops").get<double>() == Approx(2 * n * n * n));
  const auto& st = c.at("stream");
  CHECK(st.at("bytes").get<double>() == Approx(3 * 4 * st.at("elements").get<double>()));
  CHECK(c.at("bytes_per_s").get<double>() ==
        Approx(st.at("bytes").get<double>() / st.at("median_s").get<double>()));

  ScratchDir dir2;
  REQUIRE(run_infermark(quick_run(dir2, id, false)).exit_code == 0);
  CHECK_FALSE(read_json(dir2.file("out.json")).at("system").contains("ceilings"));
}
