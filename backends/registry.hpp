// The backend registry: names to factories, filled by explicit registration calls that are
// compiled in under INFERMARK_HAS_<NAME> (config.hpp), never by static initialisers.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.hpp"

namespace infermark {

using BackendFactory = std::function<std::unique_ptr<Backend>()>;

struct BackendEntry {
  std::string name;
  BackendFactory make;
};

// Every backend compiled into this binary, reference first.
const std::vector<BackendEntry>& backend_registry();

// Creates the named backend; throws BadInput listing the known names when it is not compiled in.
std::unique_ptr<Backend> make_backend(const std::string& name);

// Backends known to the project but compiled out of this binary, with the reason.
std::vector<std::pair<std::string, std::string>> backends_compiled_out();

}  // namespace infermark
