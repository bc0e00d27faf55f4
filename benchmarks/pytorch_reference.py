"""Training throughput of PyTorch on the same model, batch, loss and thread count as `losslab bench`.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 benchmarks/pytorch_reference.py \
        --model resnet18 --batch-size 128 --threads 2 --steps 3 --repeats 1

The architectures are LossLab's plain PyTorch definitions in python/losslab_models.py (the ones exported
weights load into, checked against LossLab's outputs by the test suite: CIFAR-stem ResNet, Inception v1,
small CNN; backbone -> Linear(., 128) embedding -> Linear(128, classes) classifier). One step is what
LossLab's pure step does: zero_grad, forward, loss on the logits, backward, Adam step (lr 1e-3), on fixed
synthetic images of shape (batch, channels, size, size). Prints one JSON line per repeat with `img_per_s`.

Debian's python3-torch (1.13) calls the system BLAS for linear layers and for some convolutions: with
libopenblas0-pthread installed it is OpenBLAS, otherwise reference BLAS about 25x slower; the script warns
when the process did not load OpenBLAS, and reports which OpenBLAS kernel ran (OPENBLAS_CORETYPE forces one).
"""
import argparse
import ctypes
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import losslab_models  # noqa: E402


def improved_loss(logits, labels, beta=4.0, gamma=5.0):
    log_p = F.log_softmax(beta * logits, dim=1)
    log_pt = log_p.gather(1, labels[:, None]).squeeze(1)
    return (-(-torch.expm1(log_pt)).pow(gamma) * log_pt).mean()


def blas_in_use():
    """Names of the BLAS libraries mapped into this process and, for OpenBLAS, its kernel."""
    with open("/proc/self/maps") as maps:
        libraries = sorted({line.split()[-1] for line in maps if "blas" in line.lower()})
    kernel = None
    openblas = [lib for lib in libraries if "openblas" in os.path.basename(lib)]
    if openblas:
        try:
            lib = ctypes.CDLL(openblas[0])
            lib.openblas_get_corename.restype = ctypes.c_char_p
            kernel = lib.openblas_get_corename().decode()
        except (OSError, AttributeError):
            kernel = "unknown"
    return libraries, kernel


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="small-cnn", choices=["small-cnn", "resnet18", "resnet50", "googlenet"])
    parser.add_argument("--loss", default="ce", choices=["ce", "improved"])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per repeat")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = losslab_models.LabModel(args.model, args.channels, args.classes).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    images = torch.randn(args.batch_size, args.channels, args.size, args.size)
    labels = torch.randint(args.classes, (args.batch_size,))
    loss_fn = F.cross_entropy if args.loss == "ce" else improved_loss

    def step():
        optimizer.zero_grad()
        _, logits = model(images)
        value = loss_fn(logits, labels)
        value.backward()
        optimizer.step()
        return value.item()

    # Load the BLAS before reporting it: the first linear layer does.
    for _ in range(args.warmup):
        step()
    libraries, kernel = blas_in_use()
    if not any("openblas" in lib for lib in libraries):
        print(f"warning: PyTorch is not using OpenBLAS ({libraries or 'no BLAS mapped'}); install "
              "libopenblas0-pthread or the comparison measures reference BLAS", file=sys.stderr)

    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        seconds = time.perf_counter() - start
        print(json.dumps({
            "model": args.model, "loss": args.loss, "batch_size": args.batch_size,
            "threads": torch.get_num_threads(), "steps": args.steps,
            "img_per_s": args.steps * args.batch_size / seconds,
            "torch": torch.__version__, "blas": libraries, "openblas_kernel": kernel,
            "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE"),
        }), flush=True)


if __name__ == "__main__":
    main()
