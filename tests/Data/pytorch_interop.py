"""PyTorch's side of the tests of `losslab export --format pytorch` and `losslab train --init-from`.

Uses Debian's python3-torch and LossLab's shipped definitions (python/losslab_models.py, whose folder is given
with --models). Tensors travel as raw little-endian files (.f32 float32, .f64 float64) described by a case.json:
  {"weights": "model.pt", "input": {"file": "input.f32", "shape": [N, C, H, W]},
   "outputs": {"embedding": {...}, "logits": {...}},       eval-mode outputs in float32
   "outputs64": {"embedding": {...}, "logits": {...}},     the same model and input run in float64
   "state": {"loss.proxies": {...}}}

The two implementations are compared in float64, where rounding is far below the 1e-5 asked for: every value
within |a - b| <= 1e-5 + 1e-5 |b|. In float32 each implementation alone is off by up to ~4e-5 on ResNet-50 (against
its own float64 result), so float32 outputs are held to 1e-4 of the output's scale (max |b|, at least 1).

  check CASE_DIR   LossLab wrote the weights (an export), an input batch and its own outputs: load the export with
                   losslab_models.load (load_state_dict strict=True), run the batch in eval mode in float32 and
                   float64, and compare embeddings, logits and the loss's state. Exit 0 when all agree, else 1.
  make CASE_DIR ARCH CHANNELS CLASSES SIZE SEED [--backbone-only]
                   PyTorch writes a state_dict of LabModel(ARCH) with random weights (seeded, batch-norm statistics
                   included), an input batch and its eval-mode outputs, for LossLab to load with --init-from.

Run by the tests (tests/LossLab.Cli.Tests/Commands/PyTorchInteropTests.cs), e.g.
  /usr/bin/python3 tests/Data/pytorch_interop.py --models python make /tmp/case resnet18 3 10 16 1
"""

import argparse
import copy
import json
import os
import sys

import torch

TOLERANCE = 1e-5
FLOAT32_SCALE_TOLERANCE = 1e-4
DTYPES = {".f32": (torch.float32, "<f4"), ".f64": (torch.float64, "<f8")}


def read_raw(case_dir, spec):
    dtype, _ = DTYPES[os.path.splitext(spec["file"])[1]]
    with open(os.path.join(case_dir, spec["file"]), "rb") as f:
        data = bytearray(f.read())
    return torch.frombuffer(data, dtype=dtype).reshape(spec["shape"]).clone()


def write_raw(case_dir, name, tensor):
    dtype, layout = DTYPES[os.path.splitext(name)[1]]
    tensor = tensor.detach().contiguous().to(dtype)
    with open(os.path.join(case_dir, name), "wb") as f:
        f.write(tensor.numpy().astype(layout).tobytes())
    return {"file": name, "shape": list(tensor.shape)}


def compare(name, actual, expected):
    """float64: every value within 1e-5 + 1e-5 |b|; float32: within 1e-4 of the output's scale."""
    if actual.shape != expected.shape:
        print(f"{name}: shape {list(actual.shape)}, expected {list(expected.shape)}")
        return False
    difference = (actual.double() - expected.double()).abs()
    scale = expected.abs().max().item()
    if expected.dtype == torch.float64:
        ok = (difference - (TOLERANCE + TOLERANCE * expected.abs())).max().item() <= 0
    else:
        ok = difference.max().item() <= FLOAT32_SCALE_TOLERANCE * max(1.0, scale)
    print(f"{name} ({expected.dtype}): max |difference| {difference.max().item():.3g} at max |value| {scale:.3g}")
    return ok


def check(case_dir, models):
    with open(os.path.join(case_dir, "case.json"), encoding="utf-8") as f:
        case = json.load(f)
    model, info = models.load(os.path.join(case_dir, case["weights"]))
    x = read_raw(case_dir, case["input"])
    ok = True
    state = model.state_dict()
    for name, spec in case.get("state", {}).items():
        ok &= compare(name, state[name], read_raw(case_dir, spec))
    for key, dtype in (("outputs", torch.float32), ("outputs64", torch.float64)):
        with torch.no_grad():
            embedding, logits = model.to(dtype)(x.to(dtype))
        outputs = {"embedding": embedding, "logits": logits}
        for name, spec in case[key].items():
            if outputs[name] is None:
                print(f"{name}: the PyTorch model has none")
                ok = False
            else:
                ok &= compare(name, outputs[name], read_raw(case_dir, spec))
    print("architecture", info["architecture"], "loss", info["loss"], "ok" if ok else "MISMATCH")
    return 0 if ok else 1


def randomise(model, channels, size, seed):
    """Random batch-norm scales and shifts, and running statistics measured on a random batch (as training would
    leave them), so eval mode is not the identity and activations stay of order one through every layer."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.weight.copy_(0.5 + torch.rand(module.weight.shape, generator=generator))
                module.bias.copy_(0.1 * torch.randn(module.bias.shape, generator=generator))
                module.momentum = None  # running statistics: those of the batch below
        model.train()
        model(torch.randn(8, channels, size, size, generator=generator))


def make(case_dir, models, architecture, channels, classes, size, seed, backbone_only):
    torch.manual_seed(seed)
    model = models.LabModel(architecture, in_channels=channels, num_classes=classes)
    randomise(model, channels, size, seed)
    model.eval()
    x = torch.randn(4, channels, size, size, generator=torch.Generator().manual_seed(seed + 1))
    os.makedirs(case_dir, exist_ok=True)
    outputs = {}
    for key, dtype, suffix in (("outputs", torch.float32, ".f32"), ("outputs64", torch.float64, ".f64")):
        with torch.no_grad():
            embedding, logits = copy.deepcopy(model).to(dtype)(x.to(dtype))
        outputs[key] = {
            "embedding": write_raw(case_dir, "embedding" + suffix, embedding),
            "logits": write_raw(case_dir, "logits" + suffix, logits),
        }
    state = model.state_dict()
    if backbone_only:
        state = {k: v for k, v in state.items() if k.startswith("backbone.")}
    torch.save(state, os.path.join(case_dir, "init.pt"))
    case = {"weights": "init.pt", "input": write_raw(case_dir, "input.f32", x), **outputs}
    with open(os.path.join(case_dir, "case.json"), "w", encoding="utf-8") as f:
        json.dump(case, f, indent=2)
    print(f"{architecture}: {len(state)} tensors written to init.pt")
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", required=True, help="folder holding losslab_models.py")
    sub = parser.add_subparsers(dest="command", required=True)
    check_parser = sub.add_parser("check")
    check_parser.add_argument("case_dir")
    make_parser = sub.add_parser("make")
    make_parser.add_argument("case_dir")
    make_parser.add_argument("architecture")
    for name in ("channels", "classes", "size", "seed"):
        make_parser.add_argument(name, type=int)
    make_parser.add_argument("--backbone-only", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, args.models)
    import losslab_models

    torch.set_num_threads(2)
    if args.command == "check":
        return check(args.case_dir, losslab_models)
    return make(args.case_dir, losslab_models, args.architecture, args.channels, args.classes, args.size, args.seed, args.backbone_only)


if __name__ == "__main__":
    sys.exit(main())
