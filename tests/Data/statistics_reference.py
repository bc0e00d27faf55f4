"""Reference values for LossLab.Reporting.Statistics (run with Debian's /usr/bin/python3; needs scipy).

Writes statistics_reference.json: log-gamma, the regularized incomplete beta function, the Student t CDF,
and paired t-tests (two-sided and one-sided "greater") as computed by scipy.
"""
import json
import math
import os

import numpy as np
from scipy import special, stats

rng = np.random.default_rng(20240611)

log_gamma = [{"x": x, "value": math.lgamma(x)} for x in [0.1, 0.5, 1.0, 1.5, 2.0, 3.7, 10.0, 50.5, 171.3]]

beta = []
for x, a, b in [(0.1, 0.5, 0.5), (0.5, 1.0, 0.5), (0.3, 2.0, 3.0), (0.9, 5.0, 0.5), (0.01, 0.5, 10.0),
                (0.75, 30.0, 0.5), (0.999, 1.5, 0.5), (0.2, 100.0, 0.5), (0.6, 7.5, 2.5)]:
    beta.append({"x": x, "a": a, "b": b, "value": float(special.betainc(a, b, x))})

t_cdf = []
for t, df in [(0.0, 2), (1.0, 2), (-2.5, 2), (4.303, 2), (2.776, 4), (-1.0, 1), (0.3, 9), (12.0, 3), (-7.0, 30), (1.96, 1000)]:
    t_cdf.append({"t": t, "df": df, "value": float(stats.t.cdf(t, df))})

paired = []
samples = [
    ([0.633, 0.641, 0.629], [0.581, 0.602, 0.590]),
    ([0.50, 0.52, 0.49, 0.55, 0.51], [0.51, 0.50, 0.50, 0.53, 0.52]),
    ([0.70, 0.68], [0.71, 0.72]),
]
for _ in range(3):
    n = int(rng.integers(3, 8))
    a = rng.normal(0.6, 0.02, n)
    b = a - rng.normal(0.01, 0.02, n)
    samples.append((a.round(6).tolist(), b.round(6).tolist()))
for a, b in samples:
    two = stats.ttest_rel(a, b)
    greater = stats.ttest_rel(a, b, alternative="greater")
    d = np.array(a) - np.array(b)
    paired.append({
        "a": a, "b": b,
        "mean_difference": float(d.mean()), "std_difference": float(d.std(ddof=1)),
        "t": float(two.statistic), "p_two_sided": float(two.pvalue), "p_greater": float(greater.pvalue),
    })

summary = [{"values": v, "mean": float(np.mean(v)), "std": float(np.std(v, ddof=1))}
           for v in ([0.633, 0.641, 0.629], [1.0, 2.0, 3.0, 4.0], [0.25, 0.25])]

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "statistics_reference.json"), "w") as f:
    json.dump({"log_gamma": log_gamma, "incomplete_beta": beta, "t_cdf": t_cdf, "paired": paired, "summary": summary}, f, indent=1)
