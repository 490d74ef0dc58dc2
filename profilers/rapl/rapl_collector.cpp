#include "profilers/rapl/rapl_collector.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>

#include "common/error.hpp"
#include "profilers/energy_counter.hpp"

namespace infermark {

namespace fs = std::filesystem;

namespace {

// Reads a small sysfs file; false with `err` naming the file and errno when it cannot.
bool read_small_file(const std::string& path, std::string& out, std::string& err) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    err = "cannot read " + path + ": " + std::strerror(e);
    if (e == EACCES || e == EPERM)
      err += " (since Linux 5.10 the RAPL energy counters are readable by root only: run as root, "
             "or give read access, e.g. chmod o+r on energy_uj)";
    return false;
  }
  char buf[128];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  const int e = errno;
  ::close(fd);
  if (n < 0) {
    err = "cannot read " + path + ": " + std::strerror(e);
    return false;
  }
  out.assign(buf, size_t(n));
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return true;
}

bool read_microjoules(const std::string& path, double& joules, std::string& err) {
  std::string text;
  if (!read_small_file(path, text, err)) return false;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0') {
    err = path + ": expected an integer count of microjoules, found '" + text + "'";
    return false;
  }
  joules = double(v) * 1e-6;
  return true;
}

std::string zone_domain(const fs::path& root, const std::string& dir, const std::string& name) {
  static const std::regex sub(R"(intel-rapl:([0-9]+):[0-9]+)");
  std::smatch m;
  if (name.rfind("package-", 0) == 0) return "cpu-" + name;
  if (std::regex_match(dir, m, sub)) {
    std::string parent_name, ignored;
    std::string package = m[1].str();
    if (read_small_file((root / ("intel-rapl:" + package) / "name").string(), parent_name, ignored) &&
        parent_name.rfind("package-", 0) == 0)
      package = parent_name.substr(8);
    return "cpu-" + name + "-" + package;
  }
  return name;  // "psys": the platform, not one package
}

class RaplCollector final : public Collector {
 public:
  explicit RaplCollector(std::string root) : root_(std::move(root)) {}

  std::string name() const override { return "rapl"; }
  CollectorRole role() const override { return CollectorRole::Energy; }

  Probe probe() override {
    Probe p;
    std::string why;
    const auto zones = find_rapl_zones(root_, why);
    if (zones.empty()) {
      p.reason = why;
      return p;
    }
    for (const auto& z : zones) {
      if (z.error.empty()) p.measures.push_back(z.domain + " energy (counter)");
      else p.unavailable_parts.push_back({z.domain, z.error});
    }
    p.available = !p.measures.empty();
    if (!p.available) {
      p.reason = zones.front().error;
      p.unavailable_parts.clear();
    }
    return p;
  }

  std::vector<EnergyDomain> energy_domains() override {
    load();
    std::vector<EnergyDomain> out;
    for (const auto& z : readable_)
      out.push_back({z.domain, true, z.max_range_j, 0.001, z.energy_path + " (powercap RAPL counter)"});
    return out;
  }

  std::vector<double> energy_sample() override {
    load();
    std::vector<double> out;
    for (const auto& z : readable_) {
      double j = 0;
      std::string err;
      if (!read_microjoules(z.energy_path, j, err)) throw Error(ErrorKind::Unavailable, "rapl: " + err);
      out.push_back(j);
    }
    return out;
  }

  void begin() override { start_ = energy_sample(); }
  void end() override { stop_ = energy_sample(); }

  std::vector<Reading> read() override {
    std::vector<Reading> out;
    for (size_t i = 0; i < readable_.size() && i < start_.size() && i < stop_.size(); ++i)
      out.push_back({readable_[i].domain + "_energy", "J",
                     counter_delta(start_[i], stop_[i], readable_[i].max_range_j),
                     readable_[i].energy_path, true});
    return out;
  }

 private:
  void load() {
    if (loaded_) return;
    loaded_ = true;
    std::string why;
    for (auto& z : find_rapl_zones(root_, why))
      if (z.error.empty()) readable_.push_back(z);
  }

  std::string root_;
  bool loaded_ = false;
  std::vector<RaplZone> readable_;
  std::vector<double> start_, stop_;
};

}  // namespace

std::vector<RaplZone> find_rapl_zones(const std::string& root, std::string& why) {
  std::vector<RaplZone> out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    why = root + " does not exist: no powercap driver, so RAPL energy is not exposed to this "
                 "machine (usual in virtual machines and containers)";
    return out;
  }
  static const std::regex zone(R"(intel-rapl:[0-9]+(:[0-9]+)?)");
  std::vector<std::string> dirs;
  for (const auto& e : fs::directory_iterator(root, ec))
    if (std::regex_match(e.path().filename().string(), zone)) dirs.push_back(e.path().filename().string());
  // Numeric order: intel-rapl:0, intel-rapl:0:0, …, intel-rapl:1.
  std::sort(dirs.begin(), dirs.end(), [](const std::string& a, const std::string& b) {
    auto key = [](const std::string& s) {
      std::vector<long> k;
      for (size_t i = s.find(':'); i != std::string::npos; i = s.find(':', i + 1))
        k.push_back(std::strtol(s.c_str() + i + 1, nullptr, 10));
      return k;
    };
    return key(a) < key(b);
  });
  if (dirs.empty()) {
    why = "no RAPL zones (intel-rapl:*) in " + root;
    return out;
  }
  for (const auto& d : dirs) {
    const fs::path dir = fs::path(root) / d;
    RaplZone z;
    std::string name, err;
    if (!read_small_file((dir / "name").string(), name, err)) name = d;
    z.domain = zone_domain(root, d, name);
    z.energy_path = (dir / "energy_uj").string();
    double range = 0, now = 0;
    if (!read_microjoules((dir / "max_energy_range_uj").string(), range, err))
      z.error = err;
    else if (!read_microjoules(z.energy_path, now, err))
      z.error = err;
    z.max_range_j = range;
    out.push_back(z);
  }
  return out;
}

std::unique_ptr<Collector> make_rapl_collector(const std::string& root) {
  return std::make_unique<RaplCollector>(root);
}

}  // namespace infermark
