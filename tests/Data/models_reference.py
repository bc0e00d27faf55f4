"""Reference parameter counts, output shapes and forward FLOPs of LossLab's architectures.

Each architecture is written here in PyTorch from its published description (SPEC section 4):
CIFAR-stem ResNet-18/50, Inception v1 with batch norm adapted to 32x32, and the small CNN.
Every model is backbone -> Linear(feature_dim, 128) embedding -> Linear(128, 10) classifier.

FLOPs count one image's forward pass through Conv2d and Linear layers only, via forward hooks:
conv 2 * Cin/groups * Cout * kh * kw * Hout * Wout, linear 2 * in * out (biases, BN, pooling and
activations are not counted).

Run from the repository root: /usr/bin/python3 tests/Data/models_reference.py
"""

import json
import os

import torch
import torch.nn as nn

EMBEDDING = 128
CLASSES = 10


def conv_bn_relu(cin, cout, k, stride=1):
    return [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False),
            nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class Basic(nn.Module):
    expansion = 1

    def __init__(self, cin, width, stride):
        super().__init__()
        self.body = nn.Sequential(
            *conv_bn_relu(cin, width, 3, stride),
            nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width))
        cout = width * self.expansion
        self.skip = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
                     if stride != 1 or cin != cout else nn.Identity())

    def forward(self, x):
        return torch.relu(self.body(x) + self.skip(x))


class Bottle(nn.Module):
    expansion = 4

    def __init__(self, cin, width, stride):
        super().__init__()
        cout = width * self.expansion
        self.body = nn.Sequential(
            *conv_bn_relu(cin, width, 1),
            *conv_bn_relu(width, width, 3, stride),
            nn.Conv2d(width, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.skip = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
                     if stride != 1 or cin != cout else nn.Identity())

    def forward(self, x):
        return torch.relu(self.body(x) + self.skip(x))


def resnet(block, depths, channels):
    layers = conv_bn_relu(channels, 64, 3)
    cin = 64
    for i, (width, n) in enumerate(zip((64, 128, 256, 512), depths)):
        for j in range(n):
            stride = 2 if i > 0 and j == 0 else 1
            layers.append(block(cin, width, stride))
            cin = width * block.expansion
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    return nn.Sequential(*layers), cin


class Inception(nn.Module):
    def __init__(self, cin, c1, c3r, c3, c5r, c5, cp):
        super().__init__()
        self.branches = nn.ModuleList([
            nn.Sequential(*conv_bn_relu(cin, c1, 1)),
            nn.Sequential(*conv_bn_relu(cin, c3r, 1), *conv_bn_relu(c3r, c3, 3)),
            # The 5x5 branch as two stacked 3x3 convolutions (same receptive field).
            nn.Sequential(*conv_bn_relu(cin, c5r, 1), *conv_bn_relu(c5r, c5, 3), *conv_bn_relu(c5, c5, 3)),
            nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), *conv_bn_relu(cin, cp, 1)),
        ])
        self.out_channels = c1 + c3 + c5 + cp

    def forward(self, x):
        return torch.cat([b(x) for b in self.branches], dim=1)


GOOGLENET_BLOCKS = [
    (64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64), "pool",
    (192, 96, 208, 16, 48, 64), (160, 112, 224, 24, 64, 64), (128, 128, 256, 24, 64, 64),
    (112, 144, 288, 32, 64, 64), (256, 160, 320, 32, 128, 128), "pool",
    (256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128),
]


def googlenet(channels):
    layers = conv_bn_relu(channels, 192, 3)
    cin = 192
    for spec in GOOGLENET_BLOCKS:
        if spec == "pool":
            layers.append(nn.MaxPool2d(3, stride=2, padding=1))
        else:
            block = Inception(cin, *spec)
            layers.append(block)
            cin = block.out_channels
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    return nn.Sequential(*layers), cin


def small_cnn(channels):
    layers = (conv_bn_relu(channels, 32, 3) + [nn.MaxPool2d(2)] + conv_bn_relu(32, 64, 3) + [nn.MaxPool2d(2)]
              + conv_bn_relu(64, 128, 3) + [nn.AdaptiveAvgPool2d(2), nn.Flatten()])
    return nn.Sequential(*layers), 512


BUILDERS = {
    "small-cnn": small_cnn,
    "resnet18": lambda c: resnet(Basic, (2, 2, 2, 2), c),
    "resnet50": lambda c: resnet(Bottle, (3, 4, 6, 3), c),
    "googlenet": googlenet,
}


class Full(nn.Module):
    def __init__(self, name, channels):
        super().__init__()
        self.backbone, self.feature_dim = BUILDERS[name](channels)
        self.embedding = nn.Linear(self.feature_dim, EMBEDDING)
        self.classifier = nn.Linear(EMBEDDING, CLASSES)

    def forward(self, x):
        e = self.embedding(self.backbone(x))
        return e, self.classifier(e)


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
    for name in BUILDERS:
        entry = {}
        for channels, size in ((3, 32), (1, 28)):
            model = Full(name, channels)
            with torch.no_grad():
                emb, logits = model.eval()(torch.zeros(2, channels, size, size))
                features = model.backbone(torch.zeros(2, channels, size, size))
            entry[f"c{channels}_{size}"] = {
                "parameters": sum(p.numel() for p in model.parameters()),
                "backbone_parameters": sum(p.numel() for p in model.backbone.parameters()),
                "feature_dim": model.feature_dim,
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
