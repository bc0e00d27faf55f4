"""Small files in the official CIFAR-10 / CIFAR-100 binary formats, with the values a reader must find.

Layout from https://www.cs.toronto.edu/~kriz/cifar.html: per record, the label byte(s) (CIFAR-100: coarse
then fine), then 3072 pixel bytes: the 1024 red values, then green, then blue, each plane row-major.
Writes cifar10_sample.bin, cifar100_sample.bin and cifar_reference.json next to this script.
Run: /usr/bin/python3 tests/Data/cifar_reference.py
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240601)
probes = [(0, 0, 0), (0, 0, 31), (1, 5, 7), (2, 31, 0), (2, 31, 31), (1, 16, 16)]  # (channel, row, column)


def describe(images):
    return [
        {
            "channel_sums": [int(images[i, c].astype(np.int64).sum()) for c in range(3)],
            "probes": [[c, y, x, int(images[i, c, y, x])] for (c, y, x) in probes],
        }
        for i in range(images.shape[0])
    ]


out = {}
images10 = rng.integers(0, 256, size=(4, 3, 32, 32), dtype=np.uint8)
labels10 = np.array([3, 0, 9, 7], dtype=np.uint8)
with open(os.path.join(HERE, "cifar10_sample.bin"), "wb") as f:
    for i in range(len(labels10)):
        f.write(bytes([labels10[i]]) + images10[i].tobytes(order="C"))
out["cifar10"] = {"labels": labels10.tolist(), "images": describe(images10)}

images100 = rng.integers(0, 256, size=(3, 3, 32, 32), dtype=np.uint8)
coarse = np.array([19, 0, 4], dtype=np.uint8)
fine = np.array([99, 42, 0], dtype=np.uint8)
with open(os.path.join(HERE, "cifar100_sample.bin"), "wb") as f:
    for i in range(len(fine)):
        f.write(bytes([coarse[i], fine[i]]) + images100[i].tobytes(order="C"))
out["cifar100"] = {"coarse": coarse.tolist(), "fine": fine.tolist(), "images": describe(images100)}

with open(os.path.join(HERE, "cifar_reference.json"), "w") as f:
    json.dump(out, f, indent=1)
