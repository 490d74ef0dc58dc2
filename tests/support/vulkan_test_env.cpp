#include "support/vulkan_test_env.hpp"

#include <cstdlib>
#include <filesystem>

namespace infermark::testing {
namespace {

// Mesa installs lvp_icd.<arch>.json in one of the loader's standard manifest folders.
std::string find_lavapipe() {
  for (const char* dir : {"/usr/share/vulkan/icd.d", "/usr/local/share/vulkan/icd.d", "/etc/vulkan/icd.d"}) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      const std::string name = e.path().filename().string();
      if (name.rfind("lvp_icd", 0) == 0 && e.path().extension() == ".json") return e.path().string();
    }
  }
  return {};
}

// Runs before main(), so before any test creates a Vulkan instance (the loader reads these
// variables when an instance is created). Child processes (the CLI tests) inherit them.
// INFERMARK_TEST_VK_ICD=system keeps the caller's ICD choice (e.g. a real GPU);
// INFERMARK_VK_VALIDATION=0 set by the caller turns validation off.
struct Environment {
  std::string icd;
  Environment() {
    const char* keep = std::getenv("INFERMARK_TEST_VK_ICD");
    if (!(keep && std::string(keep) == "system")) {
      icd = find_lavapipe();
      if (!icd.empty()) {
        setenv("VK_ICD_FILENAMES", icd.c_str(), 1);  // loaders before 1.3.234
        setenv("VK_DRIVER_FILES", icd.c_str(), 1);   // its newer name
      }
    }
    setenv("INFERMARK_VK_VALIDATION", "1", 0);
  }
};

const Environment environment;

}  // namespace

const std::string& vulkan_test_icd() { return environment.icd; }

}  // namespace infermark::testing
