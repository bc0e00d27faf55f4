"""Embedding metrics: LossLab (C#) against scikit-learn on the same CSV, interleaved.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 benchmarks/metrics_vs_sklearn.py \
        --csv /tmp/emb10k.csv --repeats 5 [--cold] --csharp "<command printing one JSON line per run>"

The CSV is written first when missing (10,000 x 128, 10 Gaussian classes). The scikit-learn
side: numpy.loadtxt, L2-normalise, KMeans(n_clusters=k, n_init=1), NearestNeighbors(n_neighbors=9)
leave-one-out, then NMI / pair-F1 / Recall@K. Each repeat runs it, then the C# command once. The
C# command's last output line is {"parse_s":…, "compute_s":…}, or the `losslab bench --json`
report, whose eval_seconds is compute time only (it reads the CSV before timing), e.g.
"dotnet src/LossLab.Cli/bin/Release/net10.0/LossLab.Cli.dll bench --steps 0 --eval
--embeddings /tmp/emb10k.csv --repeats 1 --matmul-size 64 --json". Warm (default): scikit-learn
runs in this process after one untimed run, so give the C# command a warm-up too. --cold: every
scikit-learn run is a fresh process timed after its imports, so give the C# command no warm-up.
Medians and ratios are printed at the end. Both sides use 2 threads.
"""
import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np  # noqa: E402  (thread limits must be set before numpy loads BLAS)
from math import comb  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.metrics import normalized_mutual_info_score  # noqa: E402
from sklearn.metrics.cluster import contingency_matrix  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402


def generate(path, n=10_000, dim=128, classes=10, spread=2.5, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(classes, dim))
    labels = rng.integers(0, classes, size=n)
    x = (centers[labels] + spread * rng.normal(size=(n, dim))).astype(np.float32)
    header = "label," + ",".join(f"e{j}" for j in range(dim))
    with open(path, "w") as f:
        f.write(header + "\n")
        for y, row in zip(labels, x):
            f.write(f"{y}," + ",".join(f"{v:.7g}" for v in row) + "\n")


def pair_f1(clusters, labels):
    table = contingency_matrix(labels, clusters)
    together = sum(comb(int(v), 2) for v in table.ravel())
    precision = together / sum(comb(int(v), 2) for v in table.sum(axis=0))
    recall = together / sum(comb(int(v), 2) for v in table.sum(axis=1))
    return 2 * precision * recall / (precision + recall)


def sklearn_once(path):
    start = time.perf_counter()
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
    labels = data[:, 0].astype(np.int64)
    parsed = time.perf_counter()
    x = data[:, 1:]
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    k = np.unique(labels).size
    clusters = KMeans(n_clusters=k, n_init=1, random_state=0).fit(x).labels_
    _, index = NearestNeighbors(n_neighbors=9).fit(x).kneighbors(x)
    # Drop the query itself (the first neighbour; exact duplicates aside).
    same = labels[index[:, 1:]] == labels[:, None]
    metrics = {
        "kmeans_nmi": normalized_mutual_info_score(labels, clusters),
        "pair_f1": pair_f1(clusters, labels),
        **{f"recall_at_{r}": float(same[:, :r].any(axis=1).mean()) for r in (1, 2, 4, 8)},
    }
    done = time.perf_counter()
    return {"parse_s": parsed - start, "compute_s": done - parsed, "metrics": metrics}


def sklearn_cold(path):
    command = [sys.executable, os.path.abspath(__file__), "--csv", path, "--sklearn-once"]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def csharp_once(command):
    out = subprocess.run(shlex.split(command), check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    if "eval_seconds" in result:
        result = {"parse_s": 0.0, "compute_s": result["eval_seconds"]}
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", default="/tmp/emb10k.csv")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--csharp", help="command that times the C# side once")
    parser.add_argument("--cold", action="store_true", help="time scikit-learn in a fresh process per run")
    parser.add_argument("--sklearn-once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sklearn_once:
        print(json.dumps(sklearn_once(args.csv)))
        return
    if not os.path.exists(args.csv):
        generate(args.csv)
    print("OPENBLAS_CORETYPE", os.environ.get("OPENBLAS_CORETYPE"), "OPENBLAS_L2_SIZE", os.environ.get("OPENBLAS_L2_SIZE"), "cold" if args.cold else "warm")

    if not args.cold:
        sklearn_once(args.csv)  # warm-up: thread pools, page cache
    runs = {"sklearn": [], "losslab": []}
    for i in range(args.repeats):
        runs["sklearn"].append(sklearn_cold(args.csv) if args.cold else sklearn_once(args.csv))
        if args.csharp:
            runs["losslab"].append(csharp_once(args.csharp))
        print(i, {side: {key: round(r[-1][key], 3) for key in ("parse_s", "compute_s")} for side, r in runs.items() if r})

    medians = {}
    for side, results in runs.items():
        if results:
            parse = statistics.median(r["parse_s"] for r in results)
            compute = statistics.median(r["compute_s"] for r in results)
            total = statistics.median(r["parse_s"] + r["compute_s"] for r in results)
            medians[side] = {"parse_s": parse, "compute_s": compute, "total_s": total}
            print(side, {k: round(v, 3) for k, v in medians[side].items()}, {k: round(v, 4) for k, v in results[-1].get("metrics", {}).items()})
    if len(medians) == 2:
        ours, theirs = medians["losslab"], medians["sklearn"]
        print(f"ratio losslab/sklearn: total {ours['total_s'] / theirs['total_s']:.2f}, compute only {ours['compute_s'] / theirs['compute_s']:.2f}")


if __name__ == "__main__":
    main()
