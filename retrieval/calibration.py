"""How far to trust a probability: calibration error, temperature scaling, conformal prediction sets.

- :func:`ece` is the top-label expected calibration error (equal-width confidence bins, Guo et al. 2017,
  ICML), :func:`reliability` the table behind a reliability diagram.
- :class:`Temperature` rescales log-probabilities by one number fitted on held-out rows by log-loss (Guo et
  al. 2017): it changes confidence, never the ranking or the label.
- :class:`Conformal` turns probabilities into prediction sets with a stated coverage (split conformal
  classification with the hinge score ``1 - p(label)``; Vovk et al. 2005, and Angelopoulos & Bates 2021 for
  a gentle introduction), through the maintained ``crepes`` library. Its fitted state is the calibration
  scores, a list of numbers kept as JSON (no pickle).

Example:
    >>> import numpy as np
    >>> p = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    >>> round(ece(p, np.array([0, 1, 1, 1]), bins=4), 3)
    0.15
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dnahlm.errors import ConfigError, DataFormatError


def ece(probs: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """Top-label expected calibration error: ``sum_b n_b / n * |accuracy_b - confidence_b|``."""
    table = reliability(probs, y, bins)
    n = sum(row["n"] for row in table)
    return float(sum(row["n"] / n * abs(row["accuracy"] - row["confidence"]) for row in table)) if n else 0.0


def reliability(probs: np.ndarray, y: np.ndarray, bins: int = 15) -> list[dict[str, float]]:
    """Rows of a reliability diagram: each non-empty confidence bin's range, size, mean confidence and
    accuracy of the top label."""
    probs = np.asarray(probs, dtype=np.float64)
    y = np.asarray(y)
    conf = probs.max(1)
    right = probs.argmax(1) == y
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, bins - 1)
    rows = []
    for b in range(bins):
        sel = which == b
        if sel.any():
            rows.append(
                {
                    "lo": float(edges[b]),
                    "hi": float(edges[b + 1]),
                    "n": int(sel.sum()),
                    "confidence": float(conf[sel].mean()),
                    "accuracy": float(right[sel].mean()),
                }
            )
    return rows


def log_loss(probs: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(np.asarray(probs, dtype=np.float64)[np.arange(len(y)), y], 1e-12, 1.0)
    return float(-np.log(p).mean())


@dataclass(frozen=True)
class Temperature:
    """Probabilities ``softmax(log p / t)``: ``t > 1`` softens over-confident ones, ``t < 1`` sharpens."""

    t: float = 1.0

    @classmethod
    def fit(cls, probs: np.ndarray, y: np.ndarray) -> Temperature:
        """The ``t`` in [0.05, 20] with the lowest log-loss on held-out ``probs`` (golden-section on log t)."""
        from scipy.optimize import minimize_scalar

        logp = np.log(np.clip(np.asarray(probs, dtype=np.float64), 1e-12, 1.0))
        y = np.asarray(y, dtype=np.int64)

        def loss(log_t: float) -> float:
            return log_loss(_softmax(logp / np.exp(log_t)), y)

        best = minimize_scalar(loss, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
        return cls(float(np.exp(best.x)))

    def __call__(self, probs: np.ndarray) -> np.ndarray:
        if self.t == 1.0:
            return np.asarray(probs, dtype=np.float64)
        logp = np.log(np.clip(np.asarray(probs, dtype=np.float64), 1e-12, 1.0))
        return _softmax(logp / self.t)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


class Conformal:
    """Split-conformal prediction sets over held-out (calibration) rows, through ``crepes``.

    A set at coverage ``c`` holds the true label for at least a fraction ``c`` of new rows drawn like the
    calibration rows (marginally, over rows). One label: a confident call; every label: they cannot be told
    apart at that coverage; no label: the row is unlike the calibration rows.
    """

    def __init__(self, scores: Sequence[float]) -> None:
        from crepes import ConformalClassifier

        self.scores = np.asarray(scores, dtype=np.float64)
        if self.scores.ndim != 1 or not len(self.scores) or not np.isfinite(self.scores).all():
            raise DataFormatError("conformal calibration scores must be a non-empty list of finite numbers")
        self._cc = ConformalClassifier()
        self._cc.fit(self.scores)

    @classmethod
    def fit(cls, probs: np.ndarray, y: np.ndarray) -> Conformal:
        """Calibrate on held-out ``probs`` ``(n, C)`` and their true labels ``y`` (indices into the columns)."""
        from crepes.extras import hinge

        probs = np.asarray(probs, dtype=np.float64)
        classes = np.arange(probs.shape[1])
        return cls(hinge(probs, classes, np.asarray(y, dtype=np.int64)))

    def sets(self, probs: np.ndarray, coverage: float) -> np.ndarray:
        """Boolean ``(n, C)``: which labels are in each row's set at ``coverage`` (e.g. 0.9)."""
        from crepes.extras import hinge

        if not 0 < coverage < 1:
            raise ConfigError(f"coverage must be between 0 and 1 (e.g. 0.9), got {coverage}")
        alphas = hinge(np.asarray(probs, dtype=np.float64))
        return self._cc.predict_set(alphas, confidence=coverage, smoothing=False).astype(bool)

    def coverage_on(self, probs: np.ndarray, y: np.ndarray, coverage: float) -> dict[str, float]:
        """Measured on held-out rows: the fraction whose set holds the true label, mean set size, and the
        fractions of one-label and empty sets."""
        s = self.sets(probs, coverage)
        y = np.asarray(y, dtype=np.int64)
        size = s.sum(1)
        return {
            "coverage": float(s[np.arange(len(y)), y].mean()),
            "mean_size": float(size.mean()),
            "single": float((size == 1).mean()),
            "empty": float((size == 0).mean()),
            "n": len(y),
        }

    def to_json(self) -> dict[str, Any]:
        return {"method": "split-conformal, hinge score (crepes)", "scores": self.scores.round(6).tolist()}

    @classmethod
    def from_json(cls, data: Any, where: str = "conformal") -> Conformal:
        try:
            return cls([float(x) for x in data["scores"]])
        except (KeyError, TypeError, ValueError) as exc:
            raise DataFormatError(f"{where}: not a conformal calibration ({exc})") from None


@dataclass(frozen=True)
class HeldOut:
    """A fitted method judged on held-out rows (each scored by a model fitted without it): its measured
    reliability, its calibration before and after temperature scaling, and the conformal scores that give
    prediction sets. Saved with the fit as JSON."""

    n: int
    accuracy: float
    mcc: float
    ece_raw: float
    ece: float
    temperature: float
    scores: tuple[float, ...] = ()
    null: tuple[float, ...] = ()
    kind: str = "cross-fitted calibration rows"
    """How the rows were held out: ``held-out pool rows`` (kept out of the whole fit) or
    ``cross-fitted calibration rows`` (each scored by a combination fitted without it)."""
    """Two labels only: the (scaled) probability of the positive label for each held-out row of the other
    label, sorted: how high a sequence without it scores by chance (see :meth:`chance_in_windows`)."""

    def conformal(self) -> Conformal:
        return Conformal(self.scores)

    def chance_in_windows(self, prob: float, windows: int) -> float | None:
        """The chance that a sequence without the positive label reaches ``prob`` in at least one of
        ``windows`` windows: ``1 - (1 - q)^windows``, ``q`` the fraction of such held-out rows at or above
        ``prob`` (at least half a row, so it is never 0). None without a null distribution."""
        if not self.null:
            return None
        null = np.asarray(self.null)
        q = max(0.5, float((null >= prob).sum())) / len(null)
        return float(1 - (1 - q) ** windows)

    def describe(self, method: str, where: str) -> str:
        """``fused on this pool: held-out MCC 0.58, accuracy 0.79 (n = 1,000 ...)``."""
        how = (
            "pool rows kept out of the whole fit"
            if self.kind == "held-out pool rows"
            else "calibration rows, each scored by a combination fitted without it"
        )
        return (
            f"{method} {where}: held-out MCC {self.mcc:.2f}, accuracy {self.accuracy:.2f} (n = {self.n:,} "
            f"{how}); calibration error {self.ece:.3f} after temperature {self.temperature:.2f} "
            f"({self.ece_raw:.3f} before)"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "accuracy": self.accuracy,
            "mcc": self.mcc,
            "ece_raw": self.ece_raw,
            "ece": self.ece,
            "temperature": self.temperature,
            "scores": [round(x, 6) for x in self.scores],
            "null": [round(x, 6) for x in self.null],
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, data: Any, where: str = "held_out") -> HeldOut:
        """Read back, checked: counts whole, fractions in range, every number finite."""
        try:
            h = cls(
                n=int(data["n"]),
                accuracy=float(data["accuracy"]),
                mcc=float(data["mcc"]),
                ece_raw=float(data["ece_raw"]),
                ece=float(data["ece"]),
                temperature=float(data["temperature"]),
                scores=tuple(float(x) for x in data["scores"]),
                null=tuple(float(x) for x in data.get("null", ())),
                kind=str(data.get("kind", "cross-fitted calibration rows")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataFormatError(f"{where}: not a held-out record ({exc})") from None
        numbers = np.array([h.accuracy, h.mcc, h.ece_raw, h.ece, h.temperature, *h.scores, *h.null])
        if (
            not np.isfinite(numbers).all()
            or h.n < 1
            or len(h.scores) != h.n
            or not (0 <= h.accuracy <= 1 and -1 <= h.mcc <= 1 and h.temperature > 0)
            or not all(0 <= x <= 1 for x in h.null)
            or h.kind not in ("held-out pool rows", "cross-fitted calibration rows")
        ):
            raise DataFormatError(f"{where}: a held-out record with impossible numbers")
        return h


def held_out(
    features: np.ndarray,
    y: np.ndarray,
    label_ids: Sequence[int],
    *,
    positive: int | None = None,
    seed: int = 0,
    folds: int = 5,
) -> HeldOut | None:
    """Judge a logistic-regression combination on its own training rows by cross-fitting: each row scored
    by the fit on the other folds; then a temperature fitted on those scores, the calibration error before
    and after it, and the conformal scores. None when some label has too few rows for two folds.
    ``positive``: the column of the label a "is there a ...?" question asks about (two labels)."""
    from .pool import out_of_fold_probs, stratified_folds

    split = stratified_folds(y, folds, seed)
    if split is None:
        return None
    labels = list(label_ids)
    probs = out_of_fold_probs(features, y, split, labels, c=1.0, standardise=False, seed=seed)
    return judge(probs, np.array([labels.index(v) for v in y.tolist()]), positive=positive)


def judge(
    probs: np.ndarray,
    idx: np.ndarray,
    *,
    positive: int | None = None,
    kind: str = "cross-fitted calibration rows",
) -> HeldOut:
    """:class:`HeldOut` of held-out probabilities ``(n, C)`` and their true columns ``idx``. The temperature
    is fitted on all the rows; the error after it is measured on each half with the temperature fitted on
    the other half, so it is not flattered by its own fit."""
    from dnahlm.metrics import mcc

    temp = Temperature.fit(probs, idx)
    scaled = temp(probs)
    pred = scaled.argmax(1)
    # the error after scaling, measured out of sample: each half scaled by the temperature fitted on the other
    halves = np.arange(len(idx)) % 2 == 0
    crossed = np.empty_like(probs)
    for part in (halves, ~halves):
        crossed[part] = Temperature.fit(probs[~part], idx[~part])(probs[part])
    null: tuple[float, ...] = ()
    if positive is not None and probs.shape[1] == 2:
        null = tuple(np.sort(scaled[idx != positive, positive]).tolist())
    return HeldOut(
        n=len(idx),
        accuracy=float((pred == idx).mean()),
        mcc=float(mcc(idx.tolist(), pred.tolist())),
        ece_raw=ece(probs, idx),
        ece=ece(crossed, idx),
        temperature=temp.t,
        scores=tuple(Conformal.fit(scaled, idx).scores.tolist()),
        null=null,
        kind=kind,
    )


def describe_set(labels: Sequence[str], members: Sequence[bool], coverage: float) -> str:
    """A prediction set in words: ``promoter (90% set)``, ``promoter or non-promoter cannot be told apart at
    90%``, or ``no label fits at 90%``."""
    chosen = [name for name, keep in zip(labels, members, strict=True) if keep]
    pct = f"{coverage:.0%}"
    if not chosen:
        return f"no label fits at {pct} (the sequence is unlike the calibration rows)"
    if len(chosen) == 1:
        return f"{chosen[0]} (the {pct} prediction set holds this label alone)"
    return f"{' or '.join(chosen)} cannot be told apart at {pct}"


__all__ = [
    "Conformal",
    "HeldOut",
    "Temperature",
    "describe_set",
    "ece",
    "held_out",
    "log_loss",
    "reliability",
]
