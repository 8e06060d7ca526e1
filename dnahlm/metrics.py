"""Classification metrics: accuracy, macro-F1, Matthews correlation (multi-class), per-class figures,
a paired bootstrap interval for the MCC difference of two methods, and the original work's lenient
substring match (reported for comparison only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def confusion(y_true: Sequence[int], y_pred: Sequence[int], labels: Sequence[int]) -> np.ndarray:
    """Confusion matrix C[i, j] = number of items of true label i predicted as j."""
    index = {lab: i for i, lab in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(y_true, y_pred, strict=True):
        m[index[t], index[p]] += 1
    return m


def mcc_from_confusion(c: np.ndarray) -> float:
    """Matthews correlation coefficient, multi-class (Gorodkin, 2004); 0.0 when undefined."""
    t = c.sum(axis=1).astype(np.float64)  # true counts per class
    p = c.sum(axis=0).astype(np.float64)  # predicted counts per class
    n = c.sum()
    correct = np.trace(c)
    num = correct * n - t @ p
    den = np.sqrt((n**2 - p @ p) * (n**2 - t @ t))
    return float(num / den) if den > 0 else 0.0


def mcc(y_true: Sequence[int], y_pred: Sequence[int]) -> float:
    """Multi-class MCC of two label arrays (the labels are those that occur in either)."""
    y, p = np.asarray(y_true), np.asarray(y_pred)
    labels = np.unique(np.concatenate([y, p]))
    k = len(labels)
    cells = np.searchsorted(labels, y) * k + np.searchsorted(labels, p)
    return mcc_from_confusion(np.bincount(cells, minlength=k * k).reshape(k, k))


def paired_bootstrap_mcc(
    y_true: Sequence[int], pred_a: Sequence[int], pred_b: Sequence[int], *, n: int = 2000, seed: int = 0
) -> dict:
    """MCC(a) - MCC(b) on the rows, and its 95 % interval over ``n`` paired bootstrap resamples of the rows
    (both methods scored on the same resampled rows): ``{"diff": d, "ci95": [low, high]}``."""
    y, a, b = (np.asarray(v) for v in (y_true, pred_a, pred_b))
    if not len(y) == len(a) == len(b) or not len(y):
        raise ValueError(f"need the same non-zero number of rows, got {len(y)}, {len(a)}, {len(b)}")
    rng = np.random.default_rng(seed)
    diffs = np.empty(n)
    for i in range(n):
        rows = rng.integers(0, len(y), len(y))
        diffs[i] = mcc(y[rows], a[rows]) - mcc(y[rows], b[rows])
    low, high = np.percentile(diffs, [2.5, 97.5])
    return {"diff": round(mcc(y, a) - mcc(y, b), 4), "ci95": [round(float(low), 4), round(float(high), 4)]}


def classification_report(
    y_true: Sequence[int], y_pred: Sequence[int], label_names: Mapping[int, str]
) -> dict:
    """Accuracy, macro-F1, MCC and per-class precision / recall / F1 / support."""
    labels = sorted(label_names)
    c = confusion(y_true, y_pred, labels)
    per_class = {}
    f1s = []
    for i, lab in enumerate(labels):
        tp = c[i, i]
        prec = tp / c[:, i].sum() if c[:, i].sum() else 0.0
        rec = tp / c[i, :].sum() if c[i, :].sum() else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        f1s.append(f1)
        per_class[label_names[lab]] = {
            "precision": float(prec),
            "recall": float(rec),
            "f1": float(f1),
            "support": int(c[i, :].sum()),
        }
    n = int(c.sum())
    return {
        "n": n,
        "accuracy": float(np.trace(c) / n) if n else 0.0,
        "macro_f1": float(np.mean(f1s)),
        "mcc": mcc_from_confusion(c),
        "per_class": per_class,
        "confusion": c.tolist(),
    }


def lenient_accuracy(texts: Sequence[str], y_true: Sequence[int], label_names: Mapping[int, str]) -> float:
    """The original DNAHLM scoring: the true label's name occurs anywhere in the answer text.

    Flawed on purpose, for comparison only: "promoter" is found inside "non-promoter".
    """
    if not texts:
        return 0.0
    hits = sum(label_names[y].lower() in t.lower() for t, y in zip(texts, y_true, strict=True))
    return hits / len(texts)
