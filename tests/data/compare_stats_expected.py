#!/usr/bin/python3
# Independent expected values for tests/test_compare_stats.cpp, from SciPy and NumPy (Debian
# bookworm: python3-scipy 1.10.1, python3-numpy 1.24.2). Run it and paste its output into the
# test: `/usr/bin/python3 tests/data/compare_stats_expected.py`.
#
# Mann-Whitney: scipy.stats.mannwhitneyu(a, b, alternative='two-sided', method='auto').
# Geometric mean: scipy.stats.gmean.
# Bootstrap: the resampling scheme documented in results/compare_stats.hpp, written here from
# that description (SplitMix64 stream, index = high 64 bits of draw * n, NumPy's median and
# linear percentile), so the C++ code is checked against a second implementation.
import numpy as np
from scipy import stats

M64 = (1 << 64) - 1
PHI = 0x9E3779B97F4A7C15


def splitmix64_stream(seed):
    state = seed
    while True:
        state = (state + PHI) & M64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        yield z ^ (z >> 31)


def bootstrap(a, b, resamples=2000, seed=0x696E6665726D6B31, confidence=0.95):
    sa, sb = np.sort(np.array(a)), np.sort(np.array(b))
    rng = splitmix64_stream(seed)
    reps = []
    for _ in range(resamples):
        ia = [(next(rng) * len(sa)) >> 64 for _ in range(len(sa))]
        ib = [(next(rng) * len(sb)) >> 64 for _ in range(len(sb))]
        reps.append(np.median(sb[ib]) / np.median(sa[ia]))
    lo, hi = np.percentile(reps, [100 * (1 - confidence) / 2, 100 * (1 + confidence) / 2])
    return np.median(sb) / np.median(sa), lo, hi


def cxx(name, v):
    return "const std::vector<double> %s = {%s};" % (name, ", ".join(repr(float(x)) for x in v))


# Data sets: small literal ones, and larger ones from fixed formulas (no RNG).
small_a = [1.2, 3.4, 2.2, 5.1, 0.7]
small_b = [4.4, 6.1, 5.5, 3.9, 7.2, 6.6]
three_a = [2.05, 2.31, 1.97]
twenty_b = [round(2.0 + 0.037 * ((i * 7) % 20), 3) for i in range(20)]
ties_a = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3]
ties_b = [2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9, 0, 4, 5, 2, 3, 5, 3]
lat_a = [1e-3 * (1.0 + 0.002 * ((i * 13) % 41)) for i in range(40)]
lat_b = [1e-3 * (1.004 + 0.002 * ((i * 17) % 47)) for i in range(50)]
sep_a = [1.0 + 0.001 * i for i in range(30)]
sep_b = [2.0 + 0.001 * i for i in range(30)]
boot_a = [6.1, 6.3, 6.0, 6.5, 6.2, 6.4, 6.1, 6.6, 6.0, 7.0, 6.2, 6.3]
boot_b = [7.9, 8.1, 8.4, 7.7, 8.0, 8.2, 9.1, 7.8, 8.3, 8.0, 8.6, 7.9, 8.1, 8.2, 8.5]

for name, v in [("small_a", small_a), ("small_b", small_b), ("three_a", three_a),
                ("twenty_b", twenty_b), ("ties_a", ties_a), ("ties_b", ties_b),
                ("lat_a", lat_a), ("lat_b", lat_b), ("sep_a", sep_a), ("sep_b", sep_b),
                ("boot_a", boot_a), ("boot_b", boot_b)]:
    print(cxx(name, v))
print()
for label, a, b in [("small", small_a, small_b), ("three_twenty", three_a, twenty_b),
                    ("ties", ties_a, ties_b), ("latency", lat_a, lat_b),
                    ("separated", sep_a, sep_b)]:
    r = stats.mannwhitneyu(a, b, alternative="two-sided", method="auto")
    print("// %s: U1 = %r, p = %r" % (label, float(r.statistic), float(r.pvalue)))
print("// gmean(lat_a) = %r, gmean(boot_b) = %r" % (stats.gmean(lat_a), stats.gmean(boot_b)))
r, lo, hi = bootstrap(boot_a, boot_b)
print("// bootstrap(boot_a, boot_b): ratio %r, ci95 [%r, %r]" % (r, lo, hi))
r, lo, hi = bootstrap(boot_a, boot_b, resamples=500, seed=7, confidence=0.9)
print("// bootstrap(boot_a, boot_b, 500, seed 7, 0.90): ratio %r, ci [%r, %r]" % (r, lo, hi))
r, lo, hi = bootstrap(small_a, small_b)
print("// bootstrap(small_a, small_b): ratio %r, ci95 [%r, %r]" % (r, lo, hi))
