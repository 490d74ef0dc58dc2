// Arithmetic of wrapping energy counters (RAPL's energy_uj wraps at max_energy_range_uj), shared
// by the collectors' own windows and the energy pass; plain functions so tests inject readings.
#pragma once

namespace infermark {

// Energy between two readings of a counter that wraps to 0 after `range` (same unit); a later
// reading below the earlier one means one wrap. range ≤ 0: the counter never wraps, and a
// decrease is reported as it is (negative), for the caller to reject.
inline double counter_delta(double before, double after, double range) {
  if (after >= before || range <= 0) return after - before;
  return after + range - before;
}

}  // namespace infermark
