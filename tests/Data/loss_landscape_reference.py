"""Reference for `losslab plot-loss` (LossLab.Reporting.LossLandscape), with PyTorch autograd in float64.

Two classes, logits (x, 0), true class 0: loss = -(1 - p)^gamma * log p with p = softmax(beta * logits)[0],
and grad = dloss/dx. Writes loss_landscape_reference.json. Run with Debian's /usr/bin/python3 (python3-torch).
"""
import json
import os

import torch

betas = [1.0, 4.0]
gammas = [0.0, 0.5, 2.0, 5.0]
xs = [-6.0 + 0.25 * i for i in range(49)]

rows = []
for beta in betas:
    for gamma in gammas:
        x = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
        logits = torch.stack([x, torch.zeros_like(x)], dim=1)
        logp = torch.log_softmax(beta * logits, dim=1)[:, 0]
        p = logp.exp()
        loss = -((1 - p) ** gamma) * logp
        loss.sum().backward()
        for i, xv in enumerate(xs):
            rows.append({"beta": beta, "gamma": gamma, "x": xv, "loss": loss[i].item(), "grad": x.grad[i].item()})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "loss_landscape_reference.json")
with open(out, "w") as f:
    json.dump({"betas": betas, "gammas": gammas, "xs": xs, "rows": rows}, f, indent=1)
