"""LossLab's models in plain PyTorch, for weights exported with ``losslab export --format pytorch``.

Every class and parameter name here matches the names in an exported ``state_dict``, so an export loads with
``load_state_dict(strict=True)`` and computes the same embeddings and logits as LossLab:

    import torch
    import losslab_models

    model, info = losslab_models.load("model.pt")      # reads model.json beside it; eval mode
    x = losslab_models.preprocess(images_uint8, info)  # (N, C, H, W) uint8 -> normalised float
    embedding, logits = model(x)                       # logits is None for metric-loss models
    p = losslab_models.probabilities(logits, info)     # softmax(beta * logits) for the improved loss

or by hand, without the JSON:

    model = losslab_models.LabModel("resnet18", in_channels=3, num_classes=10)
    model.load_state_dict(torch.load("model.pt"), strict=True)

The other way, ``torch.save(model.state_dict(), "init.pt")`` from these classes gives a file that
``losslab train --init-from init.pt`` starts from. Only ``torch`` is needed.

Architectures (input of at least 16x16; LossLab trains on 28x28 and 32x32):
  small-cnn  three conv-BN-ReLU stages (32, 64, 128) with 2x2 max-pooling, 2x2 average pooling; 512 features
  resnet18   ResNet-18 with the CIFAR stem (3x3 conv, no max-pool), basic blocks [2, 2, 2, 2]; 512 features
  resnet50   ResNet-50 with the CIFAR stem, bottleneck blocks [3, 4, 6, 3]; 2048 features
  googlenet  Inception v1 with batch norm for 32x32 (3x3 stem, 9 inception blocks); 1024 features
Each is followed by ``embedding`` (Linear to embedding_dim) and, for models trained on logits, ``classifier``
(Linear to num_classes).
"""

import json
import os
from collections import OrderedDict

import torch
from torch import nn

__all__ = [
    "ARCHITECTURES",
    "BasicBlock",
    "Bottleneck",
    "GoogLeNet",
    "InceptionBlock",
    "LabModel",
    "LossState",
    "ResNet",
    "SmallCnn",
    "create_backbone",
    "load",
    "preprocess",
    "probabilities",
    "read_info",
]


def _conv_bn_relu(in_channels, out_channels, kernel, stride=1):
    """Conv (no bias, same padding) -> BatchNorm -> ReLU, as a list to splice into a Sequential."""
    return [
        nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    ]


class SmallCnn(nn.Module):
    """Three conv-BN-ReLU stages (32, 64, 128) with 2x2 max-pooling between them, then 2x2 average pooling."""

    def __init__(self, in_channels):
        super().__init__()
        self.feature_dim = 512
        self.layers = nn.Sequential(
            nn.Sequential(*_conv_bn_relu(in_channels, 32, 3)),
            nn.MaxPool2d(2),
            nn.Sequential(*_conv_bn_relu(32, 64, 3)),
            nn.MaxPool2d(2),
            nn.Sequential(*_conv_bn_relu(64, 128, 3)),
            nn.AdaptiveAvgPool2d(2),
            nn.Flatten(),
        )

    def forward(self, x):
        return self.layers(x)


def _shortcut(in_channels, out_channels, stride):
    """The 1x1 conv + BN projection of a residual block, or None when the identity fits."""
    if stride == 1 and in_channels == out_channels:
        return None
    return nn.Sequential(OrderedDict([
        ("conv", nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)),
        ("bn", nn.BatchNorm2d(out_channels)),
    ]))


class BasicBlock(nn.Module):
    """3x3 conv (stride s) -> BN -> ReLU -> 3x3 conv -> BN, plus the shortcut, then ReLU."""

    expansion = 1

    def __init__(self, in_channels, width, stride):
        super().__init__()
        self.residual = nn.Sequential(
            *_conv_bn_relu(in_channels, width, 3, stride),
            nn.Conv2d(width, width, 3, padding=1, bias=False),
            nn.BatchNorm2d(width),
        )
        self.shortcut = _shortcut(in_channels, width * self.expansion, stride)
        self.out_channels = width * self.expansion

    def forward(self, x):
        identity = x if self.shortcut is None else self.shortcut(x)
        return torch.relu(self.residual(x) + identity)


class Bottleneck(nn.Module):
    """1x1 conv -> BN -> ReLU -> 3x3 conv (stride s) -> BN -> ReLU -> 1x1 conv to 4*width -> BN, plus the shortcut, then ReLU."""

    expansion = 4

    def __init__(self, in_channels, width, stride):
        super().__init__()
        out_channels = width * self.expansion
        self.residual = nn.Sequential(
            *_conv_bn_relu(in_channels, width, 1),
            *_conv_bn_relu(width, width, 3, stride),
            nn.Conv2d(width, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels),
        )
        self.shortcut = _shortcut(in_channels, out_channels, stride)
        self.out_channels = out_channels

    def forward(self, x):
        identity = x if self.shortcut is None else self.shortcut(x)
        return torch.relu(self.residual(x) + identity)


class ResNet(nn.Module):
    """ResNet with the CIFAR stem (3x3 conv, stride 1, no max-pool); stages of 64, 128, 256, 512 base channels."""

    def __init__(self, in_channels, block, depths):
        super().__init__()
        self.stem = nn.Sequential(*_conv_bn_relu(in_channels, 64, 3))
        blocks = OrderedDict()
        channels = 64
        for stage, (width, depth) in enumerate(zip((64, 128, 256, 512), depths)):
            for i in range(depth):
                stride = 2 if stage > 0 and i == 0 else 1
                module = block(channels, width, stride)
                blocks[f"layer{stage + 1}_{i}"] = module
                channels = module.out_channels
        self.stages = nn.Sequential(blocks)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.feature_dim = channels

    def forward(self, x):
        return self.head(self.stages(self.stem(x)))


class InceptionBlock(nn.Module):
    """Inception v1 block with batch norm: 1x1; 1x1 -> 3x3; 1x1 -> 3x3 -> 3x3 (the "5x5"); 3x3 max-pool -> 1x1."""

    def __init__(self, in_channels, out1x1, reduce3x3, out3x3, reduce5x5, out5x5, pool_projection):
        super().__init__()
        self.branch1 = nn.Sequential(*_conv_bn_relu(in_channels, out1x1, 1))
        self.branch3 = nn.Sequential(*_conv_bn_relu(in_channels, reduce3x3, 1), *_conv_bn_relu(reduce3x3, out3x3, 3))
        self.branch5 = nn.Sequential(
            *_conv_bn_relu(in_channels, reduce5x5, 1),
            *_conv_bn_relu(reduce5x5, out5x5, 3),
            *_conv_bn_relu(out5x5, out5x5, 3),
        )
        # camelCase: the name LossLab's state_dict uses.
        self.branchPool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), *_conv_bn_relu(in_channels, pool_projection, 1))
        self.out_channels = out1x1 + out3x3 + out5x5 + pool_projection

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch3(x), self.branch5(x), self.branchPool(x)], 1)


# Widths of Szegedy et al. 2015, Table 1: (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool projection).
_INCEPTION = [
    ("inception3a", (64, 96, 128, 16, 32, 32)),
    ("inception3b", (128, 128, 192, 32, 96, 64)),
    ("pool3", None),
    ("inception4a", (192, 96, 208, 16, 48, 64)),
    ("inception4b", (160, 112, 224, 24, 64, 64)),
    ("inception4c", (128, 128, 256, 24, 64, 64)),
    ("inception4d", (112, 144, 288, 32, 64, 64)),
    ("inception4e", (256, 160, 320, 32, 128, 128)),
    ("pool4", None),
    ("inception5a", (256, 160, 320, 32, 128, 128)),
    ("inception5b", (384, 192, 384, 48, 128, 128)),
]


class GoogLeNet(nn.Module):
    """GoogLeNet with batch norm for 32x32 images: 3x3 stem to 192 channels, inception 3a-5b, global average pooling."""

    def __init__(self, in_channels):
        super().__init__()
        stem = _conv_bn_relu(in_channels, 192, 3)
        layers = OrderedDict((str(i), module) for i, module in enumerate(stem))
        channels = 192
        for name, widths in _INCEPTION:
            if widths is None:
                layers[name] = nn.MaxPool2d(3, stride=2, padding=1)
            else:
                block = InceptionBlock(channels, *widths)
                layers[name] = block
                channels = block.out_channels
        layers["avgpool"] = nn.AdaptiveAvgPool2d(1)
        layers["flatten"] = nn.Flatten()
        self.layers = nn.Sequential(layers)
        self.feature_dim = channels

    def forward(self, x):
        return self.layers(x)


ARCHITECTURES = {
    "small-cnn": SmallCnn,
    "resnet18": lambda in_channels: ResNet(in_channels, BasicBlock, (2, 2, 2, 2)),
    "resnet50": lambda in_channels: ResNet(in_channels, Bottleneck, (3, 4, 6, 3)),
    "googlenet": GoogLeNet,
}


def create_backbone(architecture, in_channels):
    """The feature extractor named ``architecture`` (one of ARCHITECTURES) for ``in_channels``-channel images."""
    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r}; valid: {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[architecture](in_channels)


class LossState(nn.Module):
    """The learnable state of the loss a model was trained with, exported as ``loss.*`` entries.

    proxynca: ``proxies`` (num_classes, embedding_dim); margin: ``beta`` (num_classes), the per-class boundary.
    Other losses have none (LabModel then has no ``loss`` attribute).
    """

    def __init__(self, loss, num_classes, embedding_dim):
        super().__init__()
        if loss == "proxynca":
            self.proxies = nn.Parameter(torch.zeros(num_classes, embedding_dim))
        elif loss == "margin":
            self.beta = nn.Parameter(torch.zeros(num_classes))
        else:
            raise ValueError(f"loss {loss!r} has no learnable state")

    @staticmethod
    def exists_for(loss):
        return loss in ("proxynca", "margin")


class LabModel(nn.Module):
    """Backbone -> ``embedding`` (Linear) -> optional ``classifier`` (Linear), plus the loss's learnable state.

    forward(x) takes (N, C, H, W) normalised images (see ``preprocess``) and returns ``(embedding, logits)``:
    (N, embedding_dim) and (N, num_classes), or None as logits when the model has no classifier (metric losses).
    """

    def __init__(self, architecture, in_channels=3, num_classes=10, embedding_dim=128, classifier=True, loss=None):
        super().__init__()
        self.architecture = architecture
        self.backbone = create_backbone(architecture, in_channels)
        self.embedding = nn.Linear(self.backbone.feature_dim, embedding_dim)
        self.classifier = nn.Linear(embedding_dim, num_classes) if classifier else None
        self.loss = LossState(loss, num_classes, embedding_dim) if loss and LossState.exists_for(loss) else None

    def forward(self, x):
        embedding = self.embedding(self.backbone(x))
        logits = self.classifier(embedding) if self.classifier is not None else None
        return embedding, logits


def read_info(path):
    """The JSON written beside an export (``model.pt`` -> ``model.json``), as a dict."""
    root, ext = os.path.splitext(path)
    info_path = path if ext == ".json" else root + ".json"
    with open(info_path, encoding="utf-8") as f:
        return json.load(f)


def load(path, map_location="cpu"):
    """Builds the model an export describes, loads its weights strictly and returns ``(model in eval mode, info)``."""
    info = read_info(path)
    model = LabModel(
        info["architecture"],
        in_channels=info["in_channels"],
        num_classes=info["num_classes"],
        embedding_dim=info["embedding_dim"],
        classifier=info["classifier"],
        loss=info["loss"],
    )
    model.load_state_dict(torch.load(path, map_location=map_location), strict=True)
    return model.eval(), info


def preprocess(images, info):
    """(N, C, H, W) uint8 images (0-255) -> float input, normalised per channel as LossLab trains: (x / 255 - mean) / std."""
    mean = torch.tensor(info["normalization_mean"], dtype=torch.float32).view(1, -1, 1, 1)
    std = torch.tensor(info["normalization_std"], dtype=torch.float32).view(1, -1, 1, 1)
    return (images.to(torch.float32) / 255 - mean) / std


def probabilities(logits, info):
    """Class probabilities from logits: softmax(scale * logits), scale being the improved loss's beta, else 1."""
    if logits is None:
        raise ValueError("this model has no classifier: classify embeddings by their nearest class mean instead")
    return torch.softmax(info["softmax_scale"] * logits, dim=1)
