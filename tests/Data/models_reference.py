"""Reference parameter counts, output shapes and forward FLOPs of LossLab's architectures.

The architectures are the PyTorch definitions LossLab ships for its exported weights
(python/losslab_models.py), written from their published descriptions (SPEC section 4): CIFAR-stem
ResNet-18/50, Inception v1 with batch norm adapted to 32x32, and the small CNN. Every model is
backbone -> Linear(feature_dim, 128) embedding -> Linear(128, 10) classifier.

FLOPs count one image's forward pass through Conv2d and Linear layers only, via forward hooks:
conv 2 * Cin/groups * Cout * kh * kw * Hout * Wout, linear 2 * in * out (biases, BN, pooling and
activations are not counted).

Run from the repository root: /usr/bin/python3 tests/Data/models_reference.py
"""

import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import losslab_models  # noqa: E402

EMBEDDING = 128
CLASSES = 10


def forward_flops(model, channels, size):
    total = 0

    def hook(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            cout, cin_per_group, kh, kw = module.weight.shape
            total += 2 * cin_per_group * cout * kh * kw * output.shape[2] * output.shape[3]
        else:
            total += 2 * module.in_features * module.out_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, channels, size, size))
    for h in handles:
        h.remove()
    return total


def main():
    torch.manual_seed(0)
    result = {"embedding_dim": EMBEDDING, "num_classes": CLASSES, "models": {}}
    for name in losslab_models.ARCHITECTURES:
        entry = {}
        for channels, size in ((3, 32), (1, 28)):
            model = losslab_models.LabModel(name, channels, CLASSES, EMBEDDING)
            with torch.no_grad():
                emb, logits = model.eval()(torch.zeros(2, channels, size, size))
                features = model.backbone(torch.zeros(2, channels, size, size))
            entry[f"c{channels}_{size}"] = {
                "parameters": sum(p.numel() for p in model.parameters()),
                "backbone_parameters": sum(p.numel() for p in model.backbone.parameters()),
                "feature_dim": model.backbone.feature_dim,
                "features_shape": list(features.shape),
                "embedding_shape": list(emb.shape),
                "logits_shape": list(logits.shape),
                "flops": forward_flops(model, channels, size),
            }
        result["models"][name] = entry
        print(name, entry["c3_32"]["parameters"], entry["c3_32"]["flops"])
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models_reference.json")
    with open(out, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
