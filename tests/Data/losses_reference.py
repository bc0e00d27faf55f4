"""Reference values for LossLab's losses (SPEC sections 1 and 2), written to losses_reference.json.

Plain PyTorch formulas with autograd, in float64, on inputs drawn here with a fixed seed.
Mined indices (triplets, margin negatives, n-pair positives) are drawn here too and stored,
so the C# tests evaluate the same triplets. Run from the repository root:

    /usr/bin/python3 tests/Data/losses_reference.py
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
gen = torch.Generator().manual_seed(20240611)
rng = np.random.default_rng(20240611)


def tolist(t):
    return t.detach().tolist()


# ---------------------------------------------------------------- softmax losses
N, C = 8, 5
logits = (torch.randn(N, C, generator=gen) * 2.0)
labels = torch.tensor(rng.integers(0, C, size=N), dtype=torch.long)
alpha = torch.tensor([0.25, 1.0, 0.5, 2.0, 0.75])


def improved(z, y, beta, gamma, a):
    p = torch.softmax(beta * z, dim=1)
    pt = p[torch.arange(z.shape[0]), y]
    w = a[y] if a is not None else torch.ones_like(pt)
    return -w * (1.0 - pt) ** gamma * torch.log(pt)


def case(per_sample_fn, **meta):
    z = logits.clone().requires_grad_(True)
    per_sample = per_sample_fn(z)
    per_sample.mean().backward()
    return dict(meta, mean=per_sample.mean().item(), sum=per_sample.sum().item(),
                none=tolist(per_sample), grad_mean=tolist(z.grad))


improved_cases = []
for beta, gamma, use_alpha in [(1, 0, False), (1, 2, False), (4, 5, False), (2, 0.5, False),
                               (4, 5, True), (16, 2, False), (0.5, 1, True), (4, 10, False)]:
    a = alpha if use_alpha else None
    improved_cases.append(case(lambda z: improved(z, labels, beta, gamma, a),
                               beta=beta, gamma=gamma, alpha=use_alpha))

ce_cases = [case(lambda z: F.cross_entropy(z, labels, reduction="none", label_smoothing=ls),
                 label_smoothing=ls) for ls in (0.0, 0.1)]

focal_cases = []
for gamma, use_alpha in [(2, False), (2, True), (0.5, False)]:
    a = alpha if use_alpha else None
    focal_cases.append(case(lambda z: improved(z, labels, 1.0, gamma, a), gamma=gamma, alpha=use_alpha))

# logit-adjusted cross-entropy (Menon et al., ICLR 2021): cross-entropy on z + tau * log(prior), the prior being
# the training set's class frequencies; class 3, which no label here has, has no training image in the second prior.
logit_adjusted_cases = []
for counts in ([500, 200, 50, 20, 5], [300, 60, 30, 0, 10]):
    prior = torch.tensor(counts, dtype=torch.float64) / sum(counts)
    for tau in (1.0, 0.5, 2.0):
        logit_adjusted_cases.append(case(lambda z: F.cross_entropy(z + tau * torch.log(prior), labels, reduction="none"),
                                         tau=tau, counts=counts))

# ---------------------------------------------------------------- metric losses
P, K, D = 4, 4, 8
M = P * K
emb = torch.randn(M, D, generator=gen)
mlabels = torch.tensor(rng.permutation(np.repeat(np.arange(P), K)), dtype=torch.long)
lab = mlabels.numpy()


def sq_dist(a, b):
    return ((a - b) ** 2).sum(-1)


def random_triplets():
    anchors, positives, negatives = [], [], []
    for i in range(M):
        pos = [j for j in range(M) if lab[j] == lab[i] and j != i]
        neg = [j for j in range(M) if lab[j] != lab[i]]
        anchors.append(i)
        positives.append(int(rng.choice(pos)))
        negatives.append(int(rng.choice(neg)))
    return anchors, positives, negatives


def with_grad(fn, *extra):
    x = emb.clone().requires_grad_(True)
    ex = [e.clone().requires_grad_(True) for e in extra]
    per_sample, loss = fn(x, *ex)
    loss.backward()
    out = dict(loss=loss.item(), none=tolist(per_sample), grad=tolist(x.grad))
    for k, e in enumerate(ex):
        out["grad_extra%d" % k] = tolist(e.grad)
    return out


# triplet: relu(|a-p|^2 - |a-n|^2 + m) on L2-normalised embeddings
ta, tp, tn = random_triplets()


def triplet(x, m=0.2):
    xn = F.normalize(x, dim=1)
    per = torch.relu(sq_dist(xn[ta], xn[tp]) - sq_dist(xn[ta], xn[tn]) + m)
    return per, per.mean()


triplet_ref = dict(margin=0.2, anchors=ta, positives=tp, negatives=tn, **with_grad(triplet))

# margin (Wu et al. 2017): d = sqrt(|.|^2 + 1e-8), beta per class of the anchor
ma, mp, mn = random_triplets()
class_beta = torch.tensor([1.1, 1.2, 1.3, 0.9])


def margin(x, beta, a=0.2):
    xn = F.normalize(x, dim=1)
    d_ap = torch.sqrt(sq_dist(xn[ma], xn[mp]) + 1e-8)
    d_an = torch.sqrt(sq_dist(xn[ma], xn[mn]) + 1e-8)
    b = beta[mlabels[ma]]
    pos = torch.relu(d_ap - b + a)
    neg = torch.relu(b - d_an + a)
    count = ((pos > 0).sum() + (neg > 0).sum()).item()
    per = pos + neg
    return per, per.sum() / max(count, 1)


margin_ref = dict(alpha=0.2, beta=tolist(class_beta), anchors=ma, positives=mp, negatives=mn,
                  **with_grad(margin, class_beta))


# distance-weighted sampling probabilities, row by row as in the definition
def sampling_probs(x, cutoff):
    xn = F.normalize(x, dim=1)
    probs = torch.zeros(M, M)
    for i in range(M):
        d = torch.sqrt(sq_dist(xn[i:i + 1], xn) + 1e-8).clamp(min=0.5)
        logw = (2.0 - D) * torch.log(d) - ((D - 3) / 2.0) * torch.log(1.0 - 0.25 * d ** 2)
        valid = torch.tensor(lab != lab[i])
        if cutoff:
            valid &= d < 1.4
        if valid.any():
            w = torch.where(valid, torch.exp(logw - logw[valid].max()), torch.zeros(M))
            probs[i] = w / w.sum()
    return tolist(probs)


sampling_ref = [dict(cutoff=c, probs=sampling_probs(emb, c)) for c in (False, True)]

# proxy-NCA: x and proxies normalised and scaled by 3
proxies = torch.randn(P, D, generator=gen) / 8


def proxynca(x, prox):
    xs = 3 * F.normalize(x, dim=1)
    ps = 3 * F.normalize(prox, dim=1)
    per = []
    for i in range(M):
        y = int(mlabels[i])
        dist = sq_dist(xs[i:i + 1], ps)
        others = torch.cat([dist[:y], dist[y + 1:]])
        per.append(dist[y] + torch.logsumexp(-others, dim=0))
    per = torch.stack(per)
    return per, per.mean()


proxynca_ref = dict(proxies=tolist(proxies), **with_grad(proxynca, proxies))

# n-pair: unnormalised; anchors with one positive each, all other-class samples negatives
na, npos, _ = random_triplets()


def npair(x, lam=0.005):
    per = []
    reg = lam * (x ** 2).sum(1).mean()
    for a, p in zip(na, npos):
        neg = [j for j in range(M) if lab[j] != lab[a]]
        s = x[neg] @ x[a] - x[p] @ x[a]
        per.append(torch.log1p(torch.exp(s).sum()) + reg)
    per = torch.stack(per)
    return per, per.mean()


npair_ref = dict(l2=0.005, anchors=na, positives=npos, **with_grad(npair))


# contrastive: all pairs i<j on normalised embeddings
def contrastive(x, m=1.0):
    xn = F.normalize(x, dim=1)
    per = []
    for i in range(M):
        for j in range(i + 1, M):
            d2 = sq_dist(xn[i], xn[j])
            if lab[i] == lab[j]:
                per.append(d2)
            else:
                per.append(torch.relu(m - torch.sqrt(d2)) ** 2)
    per = torch.stack(per)
    return per, per.mean()


contrastive_ref = dict(margin=1.0, **with_grad(contrastive))

# ---------------------------------------------------------------- class weights (Cui et al., CVPR 2019)
# alpha_c proportional to (1 - B) / (1 - B^n_c), normalised to mean 1 over the classes; a class without
# training images gets 0.


def effective_number_weights(counts, b):
    n = np.asarray(counts, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(n > 0, (1.0 - b) / (1.0 - np.power(b, n)), 0.0)
    return w * len(n) / w.sum()


class_weights_ref = [dict(counts=counts, beta=b, weights=effective_number_weights(counts, b).tolist())
                     for counts in ([5000, 2000, 500, 50, 5], [100, 0, 10])
                     for b in (0.0, 0.9, 0.99, 0.999, 0.9999)]

out = dict(
    torch_version=torch.__version__,
    softmax=dict(logits=tolist(logits), labels=tolist(labels), alpha=tolist(alpha),
                 improved=improved_cases, ce=ce_cases, focal=focal_cases, logit_adjusted=logit_adjusted_cases),
    metric=dict(embeddings=tolist(emb), labels=tolist(mlabels), triplet=triplet_ref, margin=margin_ref,
                sampling=sampling_ref, proxynca=proxynca_ref, npair=npair_ref, contrastive=contrastive_ref),
    class_weights=class_weights_ref,
)
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "losses_reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
