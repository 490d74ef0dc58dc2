// The RAPL collector against powercap trees built in a temporary directory (package with core and
// DRAM subzones, a platform zone, a counter that wraps, a file the process may not read), and
// against this machine's real /sys/class/powercap.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "profilers/rapl/rapl_collector.hpp"
#include "support/cli_fixture.hpp"

using namespace infermark;
using namespace infermark::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

void put(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text << "\n";
}

// intel-rapl:0 package-0 (wraps at 262143328850 µJ) with core (intel-rapl:0:0) and dram
// (intel-rapl:0:1) subzones, and intel-rapl:1 psys; as the kernel lays it out, subzones appear
// both inside their package and as links at the top.
std::string build_tree(const ScratchDir& dir) {
  const fs::path root = dir.file("powercap");
  // Traversable by others (mkdtemp makes it 0700), so only the files' own modes decide.
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  auto zone = [&](const std::string& rel, const std::string& name, const std::string& energy) {
    put(root / rel / "name", name);
    put(root / rel / "max_energy_range_uj", "262143328850");
    put(root / rel / "energy_uj", energy);
  };
  zone("intel-rapl:0", "package-0", "262142328850");  // 1 J below the wrap point
  zone("intel-rapl:0/intel-rapl:0:0", "core", "1000000");
  zone("intel-rapl:0/intel-rapl:0:1", "dram", "5000000");
  zone("intel-rapl:1", "psys", "7000000");
  fs::create_directory_symlink(root / "intel-rapl:0/intel-rapl:0:0", root / "intel-rapl:0:0");
  fs::create_directory_symlink(root / "intel-rapl:0/intel-rapl:0:1", root / "intel-rapl:0:1");
  put(root / "intel-rapl" / "enabled", "1");  // the control type node: not a zone
  return root.string();
}

std::map<std::string, double> readings(Collector& c) {
  std::map<std::string, double> out;
  for (const auto& r : c.read()) out[r.name] = r.value;
  return out;
}

// Runs `f` in a child process that dropped root to nobody, so file permissions apply even when
// the tests run as root; returns what the child wrote to the pipe.
std::string as_nobody(const std::function<std::string()>& f) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(3);
    const std::string out = f();
    (void)!write(fds[1], out.data(), out.size());
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return out;
}

}  // namespace

TEST_CASE("rapl: zones of a powercap tree, named by package") {
  ScratchDir dir;
  const std::string root = build_tree(dir);
  std::string why;
  const auto zones = find_rapl_zones(root, why);
  REQUIRE(zones.size() == 4);
  CHECK(zones[0].domain == "cpu-package-0");
  CHECK(zones[1].domain == "cpu-core-0");
  CHECK(zones[2].domain == "cpu-dram-0");
  CHECK(zones[3].domain == "psys");
  CHECK(zones[0].max_range_j == Approx(262143.32885));
  auto c = make_rapl_collector(root);
  const Probe p = c->probe();
  CHECK(p.available);
  CHECK(p.measures.size() == 4);
  const auto domains = c->energy_domains();
  REQUIRE(domains.size() == 4);
  CHECK(domains[0].cumulative);
  CHECK(domains[0].wrap_joules == Approx(262143.32885));
}

TEST_CASE("rapl: energy over a window, across a counter wrap") {
  ScratchDir dir;
  const fs::path root = build_tree(dir);
  auto c = make_rapl_collector(root.string());
  c->begin();
  // package: 1 J to the wrap point, then 0.5 J past it; core +2 J; dram +0.25 J; psys unchanged.
  put(root / "intel-rapl:0/energy_uj", "500000");
  put(root / "intel-rapl:0/intel-rapl:0:0/energy_uj", "3000000");
  put(root / "intel-rapl:0/intel-rapl:0:1/energy_uj", "5250000");
  c->end();
  const auto v = readings(*c);
  CHECK(v.at("cpu-package-0_energy") == Approx(1.5));
  CHECK(v.at("cpu-core-0_energy") == Approx(2.0));
  CHECK(v.at("cpu-dram-0_energy") == Approx(0.25));
  CHECK(v.at("psys_energy") == Approx(0.0));
}

TEST_CASE("rapl: a counter the process may not read is named with the reason") {
  ScratchDir dir;
  const fs::path root = build_tree(dir);
  fs::permissions(root / "intel-rapl:0/intel-rapl:0:1/energy_uj", fs::perms::owner_read);  // 0400, as on Linux ≥ 5.10
  const std::string one = as_nobody([&] {
    const Probe p = make_rapl_collector(root.string())->probe();
    std::string s = p.available ? "available\n" : "unavailable: " + p.reason + "\n";
    for (const auto& [part, why] : p.unavailable_parts) s += part + ": " + why + "\n";
    return s;
  });
  CHECK_THAT(one, Contains("available\n"));
  CHECK_THAT(one, Contains("cpu-dram-0: cannot read") && Contains("Permission denied") &&
                      Contains("root only"));

  for (const char* f : {"intel-rapl:0/energy_uj", "intel-rapl:0/intel-rapl:0:0/energy_uj",
                        "intel-rapl:1/energy_uj"})
    fs::permissions(root / f, fs::perms::owner_read);
  const std::string none = as_nobody([&] {
    const Probe p = make_rapl_collector(root.string())->probe();
    return p.available ? std::string("available") : "unavailable: " + p.reason;
  });
  CHECK_THAT(none, Contains("unavailable: cannot read") && Contains("Permission denied"));
}

TEST_CASE("rapl: no powercap tree, or one without RAPL zones, says so") {
  ScratchDir dir;
  auto missing = make_rapl_collector(dir.file("no-such-powercap"));
  const Probe p = missing->probe();
  CHECK_FALSE(p.available);
  CHECK_THAT(p.reason, Contains(dir.file("no-such-powercap")) && Contains("does not exist"));

  fs::create_directories(dir.file("empty-powercap/intel-rapl"));
  const Probe q = make_rapl_collector(dir.file("empty-powercap"))->probe();
  CHECK_FALSE(q.available);
  CHECK_THAT(q.reason, Contains("no RAPL zones"));
}

TEST_CASE("rapl: this machine's /sys/class/powercap") {
  const Probe p = make_rapl_collector()->probe();
  if (!fs::exists("/sys/class/powercap")) {
    CHECK_FALSE(p.available);
    CHECK_THAT(p.reason, Contains("/sys/class/powercap does not exist"));
  } else {
    // Available exactly when some zone's counter reads as a number (checked here with plain
    // streams, independently of the collector's own reading).
    bool readable = false;
    for (const auto& e : fs::directory_iterator("/sys/class/powercap")) {
      if (e.path().filename().string().rfind("intel-rapl:", 0) != 0) continue;
      std::ifstream in(e.path() / "energy_uj");
      unsigned long long uj = 0;
      readable = readable || bool(in >> uj);
    }
    CHECK(p.available == readable);
    if (!p.available) CHECK_FALSE(p.reason.empty());
  }
}
