"""Reference values for the calibration metrics (ECE, NLL, Brier score), computed with NumPy.

Run from the repository root: /usr/bin/python3 tests/Data/calibration_reference.py
Writes tests/Data/calibration_reference.json.

Definitions (SPEC section 5): the top-1 confidence of a row is its largest probability (the first one on ties, as
numpy.argmax); ECE uses 15 equal-width bins (lo, hi] of that confidence, a confidence of 0 falling in the first bin,
and sums |accuracy - mean confidence| of each bin weighted by its share of the rows. NLL is the mean of
-log p_label, with p_label clipped below at 1e-15 when probabilities (not log-probabilities) are given. Brier is the
mean over rows of sum_c (p_c - [c == label])^2.
"""
import json
import os

import numpy as np

BINS = 15
MIN_PROBABILITY = 1e-15
rng = np.random.default_rng(20261206)


def reference(probabilities, labels, log_probabilities=None):
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    n, c = p.shape
    confidence = p.max(axis=1)
    predicted = p.argmax(axis=1)
    correct = (predicted == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, BINS + 1)
    which = np.digitize(confidence, edges[1:-1], right=True)
    bins = []
    ece = 0.0
    for b in range(BINS):
        inside = which == b
        count = int(inside.sum())
        mean_confidence = float(confidence[inside].mean()) if count else 0.0
        accuracy = float(correct[inside].mean()) if count else 0.0
        ece += count / n * abs(accuracy - mean_confidence)
        bins.append({"count": count, "mean_confidence": mean_confidence, "accuracy": accuracy})
    if log_probabilities is None:
        nll = float(-np.log(np.clip(p[np.arange(n), y], MIN_PROBABILITY, None)).mean())
    else:
        nll = float(-np.asarray(log_probabilities, dtype=np.float64)[np.arange(n), y].mean())
    onehot = np.zeros_like(p)
    onehot[np.arange(n), y] = 1.0
    brier = float(((p - onehot) ** 2).sum(axis=1).mean())
    return {"ece": float(ece), "nll": nll, "brier": brier, "bins": bins}


def case(name, probabilities, labels, log_probabilities=None):
    entry = {
        "name": name,
        "num_classes": int(np.asarray(probabilities).shape[1]),
        "probabilities": np.asarray(probabilities, dtype=np.float64).tolist(),
        "labels": np.asarray(labels, dtype=np.int64).tolist(),
    }
    if log_probabilities is not None:
        entry["log_probabilities"] = np.asarray(log_probabilities, dtype=np.float64).tolist()
    entry["expected"] = reference(probabilities, labels, log_probabilities)
    return entry


def softmax_rows(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return np.exp(log_p), log_p


cases = []

# Dirichlet rows, 10 classes, labels drawn from the rows themselves (roughly calibrated).
p = rng.dirichlet(np.full(10, 0.3), size=300)
y = np.array([rng.choice(10, p=row) for row in p])
cases.append(case("dirichlet_10", p, y))

# Overconfident logits through a softmax with log-probabilities (NLL from them, not from clipped p).
logits = rng.normal(scale=6.0, size=(200, 5))
p, log_p = softmax_rows(logits)
y = rng.integers(0, 5, size=200)
cases.append(case("overconfident_logits", p, y, log_p))

# Most bins empty: every confidence in (0.9, 1].
logits = np.zeros((50, 4))
logits[:, 0] = rng.uniform(5.0, 9.0, size=50)
p, log_p = softmax_rows(logits)
y = np.where(rng.random(50) < 0.8, 0, 1)
cases.append(case("empty_bins", p, y, log_p))

# One class: every probability is 1.
cases.append(case("one_class", np.ones((7, 1)), np.zeros(7, dtype=np.int64)))

# Confidences exactly on bin edges (3/15 = 0.2, 0.6, 1.0) and ties between classes.
p = np.array([
    [0.2, 0.2, 0.2, 0.2, 0.2],
    [0.6, 0.1, 0.1, 0.1, 0.1],
    [1.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 1.0],
    [0.4, 0.4, 0.2, 0.0, 0.0],
    [0.1, 0.4, 0.4, 0.1, 0.0],
])
y = np.array([1, 0, 3, 4, 1, 2])
cases.append(case("edges_and_ties", p, y))

# A label with probability 0: NLL clipped at 1e-15.
p = np.array([[1.0, 0.0], [0.7, 0.3], [0.0, 1.0]])
y = np.array([1, 0, 1])
cases.append(case("zero_probability", p, y))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "calibration_reference.json")
with open(out, "w") as f:
    json.dump({"bins": BINS, "min_probability": MIN_PROBABILITY, "cases": cases}, f, indent=1)
    f.write("\n")
print(f"wrote {out}: {len(cases)} cases")
