"""Reference values for the LossLab.Metrics tests, from scikit-learn and NumPy.

Run from the repository root: /usr/bin/python3 tests/Data/metrics_reference.py
Writes tests/Data/metrics_reference.json.
"""
import json
import os
from math import comb

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score, normalized_mutual_info_score, recall_score
from sklearn.metrics.cluster import contingency_matrix

rng = np.random.default_rng(20240611)


def classification_case(name, labels, predictions, num_classes):
    labels = np.asarray(labels, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    return {
        "name": name,
        "num_classes": num_classes,
        "labels": labels.tolist(),
        "predictions": predictions.tolist(),
        "accuracy": float(accuracy_score(labels, predictions)),
        "f1_macro": float(f1_score(labels, predictions, average="macro", zero_division=0)),
        "nmi": float(normalized_mutual_info_score(labels, predictions, average_method="arithmetic")),
        "confusion_matrix": confusion_matrix(labels, predictions, labels=list(range(num_classes))).tolist(),
        "balanced_accuracy": float(balanced_accuracy_score(labels, predictions)),
        # Recall per class; None for a class absent from the labels (sklearn's zero_division value replaced).
        "class_recall": [
            None if not (labels == c).any() else float(r)
            for c, r in enumerate(recall_score(labels, predictions, labels=list(range(num_classes)), average=None, zero_division=0))
        ],
    }


def pair_f1(clusters, labels):
    table = contingency_matrix(labels, clusters)
    together = sum(comb(int(n), 2) for n in table.ravel())
    precision = together / sum(comb(int(n), 2) for n in table.sum(axis=0))
    recall = together / sum(comb(int(n), 2) for n in table.sum(axis=1))
    return 2 * precision * recall / (precision + recall)


def gaussian_clusters(n_per_class, num_classes, dim, spread):
    centers = rng.normal(size=(num_classes, dim))
    labels = np.repeat(np.arange(num_classes), n_per_class)
    x = centers[labels] + spread * rng.normal(size=(labels.size, dim))
    order = rng.permutation(labels.size)
    # float32 as the C# side sees it; the references use exactly these values.
    return x[order].astype(np.float32), labels[order]


def normalise(x):
    x = x.astype(np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def brute_force_recall(x, labels, ks):
    x = normalise(x)
    d = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    order = np.argsort(d, axis=1, kind="stable")
    same = labels[order] == labels[:, None]
    return {str(k): float(same[:, :k].any(axis=1).mean()) for k in ks}


cases = []
labels = rng.integers(0, 5, size=300)
noisy = np.where(rng.random(300) < 0.55, labels, rng.integers(0, 5, size=300))
cases.append(classification_case("random", labels, noisy, 5))

# Class 4 never predicted, class 5 only predicted, class 6 in neither: the union is {0..5}.
labels = rng.integers(0, 5, size=200)
predictions = np.where(rng.random(200) < 0.6, labels, rng.integers(0, 6, size=200))
predictions[predictions == 4] = 3
cases.append(classification_case("missing_classes", labels, predictions, 7))

labels = rng.integers(0, 4, size=50)
cases.append(classification_case("perfect", labels, labels, 4))
cases.append(classification_case("single_class", np.full(40, 2), np.full(40, 2), 3))
cases.append(classification_case("single_label_varied_predictions", np.full(40, 1), rng.integers(0, 3, size=40), 3))

labels = rng.integers(0, 10, size=5000)
predictions = np.where(rng.random(5000) < 0.7, labels, rng.integers(0, 10, size=5000))
cases.append(classification_case("large", labels, predictions, 10))

x, y = gaussian_clusters(100, 6, 16, 0.7)
sk = KMeans(n_clusters=6, n_init=10, random_state=0).fit(normalise(x))
separated = {
    "num_classes": 6,
    "dim": 16,
    "labels": y.tolist(),
    "embeddings": x.ravel().tolist(),
    "sklearn_clusters": sk.labels_.tolist(),
    "kmeans_nmi": float(normalized_mutual_info_score(y, sk.labels_)),
    "pair_f1": float(pair_f1(sk.labels_, y)),
}

x, y = gaussian_clusters(100, 5, 8, 0.9)
overlapping = {
    "num_classes": 5,
    "dim": 8,
    "labels": y.tolist(),
    "embeddings": x.ravel().tolist(),
    "recall": brute_force_recall(x, y, [1, 2, 4, 8]),
}


def nearest_class_mean(train, train_labels, queries, num_classes):
    # Cosine nearest class mean: means of the L2-normalised training embeddings, normalised; a class
    # without training samples is never predicted.
    train = normalise(train)
    sums = np.zeros((num_classes, train.shape[1]))
    np.add.at(sums, train_labels, train)
    means = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    similarity = normalise(queries) @ means.T
    similarity[:, np.bincount(train_labels, minlength=num_classes) == 0] = -np.inf
    return similarity.argmax(axis=1)


# Six overlapping classes; 240 training embeddings, class 4 left out of them, and 120 queries.
x, y = gaussian_clusters(60, 6, 8, 1.2)
keep = y[:240] != 4
train, train_labels = x[:240][keep], y[:240][keep]
queries, query_labels = x[240:], y[240:]
ncm = {
    "num_classes": 6,
    "dim": 8,
    "train": train.ravel().tolist(),
    "train_labels": train_labels.tolist(),
    "queries": queries.ravel().tolist(),
    "query_labels": query_labels.tolist(),
    "predictions": nearest_class_mean(train, train_labels, queries, 6).tolist(),
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metrics_reference.json")
with open(out, "w") as f:
    json.dump({"classification": cases, "separated": separated, "overlapping": overlapping, "nearest_class_mean": ncm}, f)
print(out, {c["name"]: (c["accuracy"], round(c["f1_macro"], 4), round(c["nmi"], 4)) for c in cases})
print("separated", separated["kmeans_nmi"], separated["pair_f1"], "overlapping", overlapping["recall"])
