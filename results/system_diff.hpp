// What differs between two `system` blocks (CPU model, cores, OS, library versions, driver, …),
// key by key, so a re-run never compares unlike with unlike without saying so.
#pragma once

#include <string>
#include <vector>

#include "results/model/result.hpp"

namespace infermark {

struct SystemDifference {
  std::string key;                // JSON pointer into the system block, e.g. "/cpu/model"
  std::string original, rerun;    // the values as compact JSON; "(absent)" where missing
};

// Every leaf (scalar, or array of scalars compared whole) whose value differs, or that exists on
// one side only, in the order of `a` then the keys only `b` has. Keys listed in `ignore` (JSON
// pointers; a prefix ignores the subtree) are left out: measurements such as "/ceilings".
std::vector<SystemDifference> diff_systems(const ojson& a, const ojson& b,
                                           const std::vector<std::string>& ignore = {});

// One line per difference: "  /cpu/model: AMD EPYC … → Intel Xeon …"; "" when none.
std::string format_system_differences(const std::vector<SystemDifference>& d);

}  // namespace infermark
