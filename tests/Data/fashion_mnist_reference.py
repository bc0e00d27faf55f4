"""Reference facts about the Fashion-MNIST IDX files of Debian's dataset-fashion-mnist package.

Reads the files with gzip + numpy only (independent of LossLab's reader) and writes
fashion_mnist_reference.json next to this script. Run: /usr/bin/python3 tests/Data/fashion_mnist_reference.py
"""
import gzip
import json
import os

import numpy as np

ROOT = "/usr/share/datasets/fashion-mnist"


def read(name, offset):
    with gzip.open(os.path.join(ROOT, name), "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


out = {}
for split, prefix in (("train", "train"), ("test", "t10k")):
    images = read(f"{prefix}-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    labels = read(f"{prefix}-labels-idx1-ubyte.gz", 8).astype(np.int64)
    out[split] = {
        "count": int(images.shape[0]),
        "class_counts": np.bincount(labels, minlength=10).tolist(),
        "first_labels": labels[:20].tolist(),
        "first_image_pixel_sum": int(images[0].astype(np.int64).sum()),
        "first_image_row_14": images[0, 14].tolist(),
        "last_image_pixel_sum": int(images[-1].astype(np.int64).sum()),
        "pixel_sum": int(images.astype(np.int64).sum()),
    }
    if split == "train":
        scaled = images.astype(np.float64) / 255.0
        out[split]["mean"] = float(scaled.mean())
        out[split]["std"] = float(scaled.std())

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fashion_mnist_reference.json"), "w") as f:
    json.dump(out, f, indent=1)
