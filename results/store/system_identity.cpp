// Which machine a run ran on (store.hpp, system_identity).
#include "results/store/store.hpp"

namespace infermark {

namespace {

ojson pick(const ojson& from, std::initializer_list<const char*> keys) {
  ojson out = ojson::object();
  if (!from.is_object()) return out;
  for (const char* k : keys)
    if (auto it = from.find(k); it != from.end()) out[k] = *it;
  return out;
}

}  // namespace

ojson system_identity(const ojson& system) {
  ojson id = pick(system, {"hostname"});
  id["cpu"] = pick(system.value("cpu", ojson::object()), {"model", "vendor", "sockets", "cores", "threads"});
  if (auto it = system.find("memory_bytes"); it != system.end()) id["memory_bytes"] = *it;
  ojson devices = ojson::array();
  if (auto it = system.find("devices"); it != system.end() && it->is_array())
    for (const auto& d : *it) devices.push_back(pick(d, {"backend", "id", "name"}));
  id["devices"] = devices;
  return id;
}

}  // namespace infermark
