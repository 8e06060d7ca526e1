"""Four simple baselines that ``fused`` has to beat, each tuned on the labelled pool alone.

- :class:`KmerLR`: standardised logistic regression on the canonical k-mer profile (5-mers), its L2
  strength chosen by 3-fold cross-validated log-loss (:func:`.pool.choose_c`);
- :class:`KmerKNN`: a similarity-weighted vote of the nearest pool rows by cosine similarity of canonical
  k-mer profiles (the vote of :func:`.pool.knn_probs`); the k-mer size, the number of neighbours and the
  temperature are chosen by leave-one-out log-loss on a seeded sample of pool rows;
- :class:`SmallCNN`: one :class:`.motif_cnn.MotifCNN` network of 64 filters; the number of stretches its
  position summary has (4 or 16) is chosen by the log-loss on the network's own early-stopping tenth of the
  pool (a held-out split, not k folds: a second round of training would double the cost on 2 cores);
- :class:`OneHotLR`: position-specific logistic regression on the one-hot bases (L x 4 features), L the
  pool's median length. Longer sequences are cropped to L and shorter ones padded with zeros (N), either
  around their centre or from their first base: the anchor and the L2 strength are chosen together by
  3-fold cross-validated log-loss (when every pool row is L long the anchors are the same and only the
  strength is chosen). It is also the position-aware input that ``fused+onehot`` stacks
  (``scripts/retrieval_report.py``): on windows anchored at a TSS or a splice site the base at each
  offset matters, which a bag of k-mers cannot see.

Every baseline has ``fit(sequences, labels)``, ``predict_proba(sequences)`` (columns in ``label_ids``
order) and ``to_json()`` / ``from_json()`` (plain numbers and strings, no pickle); :func:`from_json`
reads back any of them. Cross-validation never sees anything but the rows given to ``fit``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

import numpy as np

from dnahlm.bio.encoding import ONE_HOT
from dnahlm.errors import DataFormatError, UserInputError
from dnahlm.index.embed import KmerEmbeddings

from .motif_cnn import MotifCNN, MotifCNNConfig, checked_array, checked_int, checked_labels, encode
from .pool import C_GRID, LinearModel, choose_c, out_of_fold_log_loss, stratified_folds

ANCHORS = ("centre", "left")
"""How :class:`OneHotLR` lines up sequences of other lengths than L (checked in this order; ties keep
the first)."""
KNN_KMERS = (3, 4, 5, 6)
KNN_NEIGHBOURS = (4, 8, 16, 32, 64)
KNN_TEMPERATURES = (0.01, 0.03, 0.1, 0.3)
"""The settings :class:`KmerKNN` chooses from."""
CNN_STRETCHES = (4, 16)
"""The position summaries :class:`SmallCNN` chooses from (stretches of the forward strand)."""
CNN_CONFIG = MotifCNNConfig(filters=64, models=1)
"""The small CNN: one network of 64 filters of 15 bases (``fused``'s has two of 128)."""


def _targets(label_ids: Sequence[int], labels: Sequence[int], n: int, what: str) -> np.ndarray:
    """Column index (N,) of each label; one clear error for unknown labels or a single label."""
    y = np.asarray(labels)
    if len(y) != n:
        raise UserInputError(f"{what}: {n} sequences but {len(y)} labels")
    unknown = sorted(set(y.tolist()) - set(label_ids))
    if unknown:
        raise UserInputError(f"{what}: labels {unknown} are not among the task's labels {list(label_ids)}")
    if len(set(y.tolist())) < 2:
        raise UserInputError(f"{what}: needs labelled sequences of two labels or more")
    return np.searchsorted(label_ids, y)


def _fitted(model: Any, what: str) -> None:
    if model is None:
        raise RuntimeError(f"{what}.predict_proba before fit")


def checked_linear(data: Any, what: str, label_ids: Sequence[int], dim: int | None = None) -> LinearModel:
    """A saved :class:`.pool.LinearModel` read back and checked: its labels among ``label_ids`` (each
    once), weights (labels, ``dim``), bias (labels,), standardisation (``dim``,) with a positive scale,
    and every number finite.

    Raises:
        DataFormatError: naming ``what`` and what is wrong (KeyError, TypeError: not a saved model).
    """
    if not isinstance(data, dict):
        raise DataFormatError(f"{what}: expected a saved linear model (a JSON object)")
    labels = checked_labels(data["labels"], f"{what} labels")
    unknown = sorted(set(labels) - {int(v) for v in label_ids})
    if unknown:
        raise DataFormatError(f"{what}: labels {unknown} are not among the task's labels {list(label_ids)}")
    weights = checked_array(data["weights"], f"{what} weights", (len(labels), dim))
    bias = checked_array(data["bias"], f"{what} bias", (len(labels),))
    if (data.get("mean") is None) != (data.get("scale") is None):
        raise DataFormatError(f"{what}: a standardisation needs both mean and scale")
    mean = scale = None
    if data.get("mean") is not None:
        mean = checked_array(data["mean"], f"{what} mean", (weights.shape[1],))
        scale = checked_array(data["scale"], f"{what} scale", (weights.shape[1],))
        if (scale <= 0).any():
            raise DataFormatError(f"{what} scale: must be positive")
    return LinearModel(weights, bias, labels, mean, scale)


def checked_strength(value: Any, what: str) -> float:
    """An inverse L2 strength from a saved model: a finite positive number (DataFormatError otherwise)."""
    c = float(checked_array(value, what, ()))
    if c <= 0:
        raise DataFormatError(f"{what}: {c} is not a positive number")
    return c


def kmer_profile(sequences: Sequence[str], k: int) -> np.ndarray:
    """Canonical k-mer frequencies (N, D) float32, rows L2-normalised (the pool's retrieval vectors)."""
    return KmerEmbeddings(k=k, canonical=True).embed_array(list(sequences))


class KmerLR:
    """Logistic regression on standardised canonical k-mer profiles, L2 strength by cross-validation.

    Args:
        label_ids: the task's label ids (the column order of probabilities).
        k: k-mer length (5: what the pool's retrieval vectors use).
        c: inverse L2 strength; None chooses it from :data:`.pool.C_GRID` on the fitting rows.
        seed: seeds the folds and the row sample of the cross-validation.
    """

    kind = "kmer-lr"

    def __init__(
        self, label_ids: Sequence[int], *, k: int = 5, c: float | None = None, seed: int = 0
    ) -> None:
        self.label_ids = sorted(int(v) for v in label_ids)
        self.k, self.c, self.seed = k, c, seed
        self.model: LinearModel | None = None

    def fit(self, sequences: Sequence[str], labels: Sequence[int]) -> KmerLR:
        y = np.asarray(labels)
        _targets(self.label_ids, y, len(sequences), self.kind)
        x = kmer_profile(sequences, self.k).astype(np.float64)  # float64, as the saved model reads back
        if self.c is None:
            self.c = choose_c(x, y, seed=self.seed)
        self.model = LinearModel.fit(x, y, c=self.c, standardise=True, seed=self.seed)
        return self

    def predict_proba(self, sequences: Sequence[str]) -> np.ndarray:
        _fitted(self.model, "KmerLR")
        return self.model.predict_proba(kmer_profile(sequences, self.k).astype(np.float64), self.label_ids)

    def to_json(self) -> dict[str, Any]:
        _fitted(self.model, "KmerLR")
        return {"kind": self.kind, "label_ids": self.label_ids, "k": self.k, "c": self.c, "seed": self.seed,
                "model": self.model.to_json()}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KmerLR:
        labels = checked_labels(data["label_ids"], "kmer-lr label_ids")
        out = cls(labels, k=checked_int(data["k"], "kmer-lr k", high=12),
                  c=checked_strength(data["c"], "kmer-lr c"), seed=int(data["seed"]))  # fmt: skip
        out.model = checked_linear(data["model"], "kmer-lr model", out.label_ids)
        return out


def vote(sims: np.ndarray, columns: np.ndarray, classes: int, *, temperature: float, prior: float = 0.05):
    """Class probabilities (Q, classes) from neighbours' similarities (Q, k) and label columns (Q, k):
    each neighbour adds its share of ``exp(similarity / temperature)`` to its label, plus ``prior`` each
    (the same vote as :func:`.pool.knn_probs`)."""
    w = np.exp((sims - sims.max(axis=1, keepdims=True)) / temperature)
    w /= w.sum(axis=1, keepdims=True)
    out = np.full((len(sims), classes), prior)
    np.add.at(out, (np.repeat(np.arange(len(sims)), sims.shape[1]), columns.ravel()), w.ravel())
    return out / out.sum(axis=1, keepdims=True)


def _nearest(q: np.ndarray, x: np.ndarray, k: int, skip: np.ndarray | None = None, chunk: int = 256):
    """Similarities and row indices (Q, k) of the k most similar rows of ``x``, best first; ``skip[i]``
    is a row of ``x`` that query i may not use (itself, for leave-one-out)."""
    k = min(k, len(x) - (skip is not None))
    sims_out, rows_out = np.zeros((len(q), k), np.float32), np.zeros((len(q), k), np.int64)
    for b in range(0, len(q), chunk):
        s = q[b : b + chunk] @ x.T  # (B, N)
        if skip is not None:
            s[np.arange(len(s)), skip[b : b + chunk]] = -np.inf
        top = (
            np.argpartition(-s, k - 1, axis=1)[:, :k]
            if k < s.shape[1]
            else np.tile(np.arange(k), (len(s), 1))
        )
        order = np.argsort(-np.take_along_axis(s, top, axis=1), axis=1, kind="stable")
        rows_out[b : b + chunk] = np.take_along_axis(top, order, axis=1)
        sims_out[b : b + chunk] = np.take_along_axis(s, rows_out[b : b + chunk], axis=1)
    return sims_out, rows_out


class KmerKNN:
    """Similarity-weighted vote of the nearest pool rows (cosine of canonical k-mer profiles).

    ``fit`` keeps the pool (the sequences, re-embedded by :meth:`from_json`) and, for each setting left
    None, chooses it from :data:`KNN_KMERS`, :data:`KNN_NEIGHBOURS` and :data:`KNN_TEMPERATURES` by the
    leave-one-out log-loss of up to ``cv_rows`` seeded pool rows against the rest of the pool.
    """

    kind = "kmer-knn"

    def __init__(
        self, label_ids: Sequence[int], *, kmer: int | None = None, neighbours: int | None = None,
        temperature: float | None = None, seed: int = 0, cv_rows: int = 2000,
    ) -> None:  # fmt: skip
        self.label_ids = sorted(int(v) for v in label_ids)
        self.kmer, self.neighbours, self.temperature = kmer, neighbours, temperature
        self.seed, self.cv_rows = seed, cv_rows
        self.cv_losses: dict[str, float] | None = None
        """After a fit that chose something: the leave-one-out log-loss of every setting tried."""
        self.sequences: list[str] = []
        self._y: np.ndarray | None = None
        self._x: np.ndarray | None = None

    def fit(self, sequences: Sequence[str], labels: Sequence[int]) -> KmerKNN:
        y = _targets(self.label_ids, labels, len(sequences), self.kind)
        self.sequences, self._y = list(sequences), y
        grid = [
            (k, n, t)
            for k in ([self.kmer] if self.kmer else KNN_KMERS)
            for n in ([self.neighbours] if self.neighbours else KNN_NEIGHBOURS)
            for t in ([self.temperature] if self.temperature else KNN_TEMPERATURES)
        ]
        if len(grid) > 1:
            q = np.random.default_rng(self.seed).permutation(len(y))[: self.cv_rows]
            losses: dict[tuple, float] = {}
            for kmer in sorted({g[0] for g in grid}):
                x = kmer_profile(self.sequences, kmer)
                sims, rows = _nearest(x[q], x, max(g[1] for g in grid), skip=q)
                for _, n, t in (g for g in grid if g[0] == kmer):
                    p = vote(sims[:, :n], y[rows[:, :n]], len(self.label_ids), temperature=t)
                    losses[(kmer, n, t)] = -float(np.log(p[np.arange(len(q)), y[q]]).mean())
            self.kmer, self.neighbours, self.temperature = min(losses, key=losses.get)
            self.cv_losses = {f"k{a}/n{b}/t{c}": round(v, 5) for (a, b, c), v in losses.items()}
        else:
            self.kmer, self.neighbours, self.temperature = grid[0]
        self._x = kmer_profile(self.sequences, self.kmer)
        return self

    def predict_proba(self, sequences: Sequence[str]) -> np.ndarray:
        _fitted(self._x, "KmerKNN")
        sims, rows = _nearest(kmer_profile(sequences, self.kmer), self._x, self.neighbours)
        return vote(sims, self._y[rows], len(self.label_ids), temperature=self.temperature)

    def to_json(self) -> dict[str, Any]:
        _fitted(self._x, "KmerKNN")
        return {
            "kind": self.kind, "label_ids": self.label_ids, "kmer": self.kmer, "neighbours": self.neighbours,
            "temperature": self.temperature, "seed": self.seed, "cv_losses": self.cv_losses,
            "sequences": self.sequences, "labels": [self.label_ids[c] for c in self._y.tolist()],
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KmerKNN:
        out = cls(checked_labels(data["label_ids"], "kmer-knn label_ids"),
                  kmer=checked_int(data["kmer"], "kmer-knn kmer", high=12),
                  neighbours=checked_int(data["neighbours"], "kmer-knn neighbours", high=100_000),
                  temperature=checked_strength(data["temperature"], "kmer-knn temperature"),
                  seed=int(data["seed"]))  # fmt: skip
        out.fit(data["sequences"], data["labels"])  # every setting is given: no choice, only the vectors
        out.cv_losses = data.get("cv_losses")
        return out


class SmallCNN:
    """One small motif CNN (:data:`CNN_CONFIG`), its position summary chosen from :data:`CNN_STRETCHES`
    by the log-loss on the network's own held-out (early-stopping) tenth of the pool."""

    kind = "small-cnn"

    def __init__(self, label_ids: Sequence[int], *, stretches: int | None = None, seed: int = 0,
                 config: MotifCNNConfig = CNN_CONFIG) -> None:  # fmt: skip
        self.label_ids = sorted(int(v) for v in label_ids)
        self.stretches, self.seed, self.config = stretches, seed, config
        self.cnn: MotifCNN | None = None
        self.held_losses: dict[str, float] | None = None
        """After a fit that chose: the held-out log-loss of each candidate, by its stretches."""

    def fit(self, sequences: Sequence[str], labels: Sequence[int]) -> SmallCNN:
        y = _targets(self.label_ids, labels, len(sequences), self.kind)
        if self.config.models != 1:
            raise ValueError(f"SmallCNN is one network (config.models=1), not {self.config.models}")
        labels = np.asarray(self.label_ids)[y]
        fits = {}
        for s in [self.stretches] if self.stretches else CNN_STRETCHES:
            fits[s] = MotifCNN(self.label_ids, replace(self.config, stretches=s), seed=self.seed).fit(
                sequences, labels
            )
        if len(fits) > 1:
            # MotifCNN's single network (seed s) stops early on rows[:n_held] of its seeded permutation
            rows = np.random.default_rng(self.seed).permutation(len(y))[: self.config.max_rows]
            held = rows[: max(1, len(rows) // 10)]
            held_seqs = [sequences[i] for i in held]
            self.held_losses = {
                str(s): round(-float(np.log(cnn.predict_proba(held_seqs)[np.arange(len(held)), y[held]]).mean()), 5)
                for s, cnn in fits.items()
            }  # fmt: skip
            self.stretches = min(fits, key=lambda s: self.held_losses[str(s)])
        else:
            self.stretches = next(iter(fits))
        self.cnn = fits[self.stretches]
        return self

    def predict_proba(self, sequences: Sequence[str]) -> np.ndarray:
        _fitted(self.cnn, "SmallCNN")
        return self.cnn.predict_proba(sequences)

    def to_json(self) -> dict[str, Any]:
        _fitted(self.cnn, "SmallCNN")
        return {"kind": self.kind, "label_ids": self.label_ids, "stretches": self.stretches, "seed": self.seed,
                "config": asdict(self.config), "held_losses": self.held_losses, "cnn": self.cnn.to_json()}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SmallCNN:
        out = cls(data["label_ids"], stretches=int(data["stretches"]), seed=int(data["seed"]),
                  config=MotifCNNConfig(**data["config"]))  # fmt: skip
        out.cnn, out.held_losses = MotifCNN.from_json(data["cnn"]), data.get("held_losses")
        return out


def one_hot(sequences: Sequence[str], length: int, anchor: str) -> np.ndarray:
    """Position-specific one-hot features (N, length * 4) float64: base i of the aligned window in columns
    4i..4i+3 (A, C, G, T); N, other letters and padding are all zeros. ``anchor`` ``"centre"`` lines up
    the middles of the sequence and the window, ``"left"`` their first bases."""
    if anchor not in ANCHORS:
        raise UserInputError(f"one-hot anchor {anchor!r}: choose one of {', '.join(ANCHORS)}")
    codes = np.full((len(sequences), length), 4, dtype=np.uint8)
    for i, s in enumerate(sequences):
        c = encode([s])[0]
        if anchor == "centre":
            start, offset = max(0, (len(c) - length) // 2), max(0, (length - len(c)) // 2)
        else:
            start = offset = 0
        part = c[start : start + length]
        codes[i, offset : offset + len(part)] = part
    return ONE_HOT[codes].reshape(len(sequences), length * 4).astype(np.float64)


class OneHotLR:
    """Logistic regression on position-specific one-hot bases (see the module docstring).

    Args:
        label_ids: the task's label ids (the column order of probabilities).
        length: window length L; None takes the median length of the fitting sequences.
        anchor: ``"centre"`` or ``"left"``; None chooses it by cross-validation (with ``c``).
        c: inverse L2 strength; None chooses it from :data:`.pool.C_GRID` by cross-validation.
        seed: seeds the folds and the row sample of the cross-validation.
        cv_rows: rows the cross-validation uses at most (a seeded sample), so that a fit on ~30,000 rows
            stays cheap; the final fit uses every row.
    """

    kind = "onehot-lr"

    def __init__(
        self, label_ids: Sequence[int], *, length: int | None = None, anchor: str | None = None,
        c: float | None = None, seed: int = 0, cv_rows: int = 6000,
    ) -> None:  # fmt: skip
        self.label_ids = sorted(int(v) for v in label_ids)
        self.length, self.anchor, self.c, self.seed, self.cv_rows = length, anchor, c, seed, cv_rows
        self.model: LinearModel | None = None
        self.cv_losses: dict[str, float] | None = None
        """After a fit that chose both anchor and strength: the CV log-loss of each ``anchor/c`` pair."""

    def fit(self, sequences: Sequence[str], labels: Sequence[int]) -> OneHotLR:
        y = np.asarray(labels)
        _targets(self.label_ids, y, len(sequences), self.kind)
        lengths = np.array([len(s) for s in sequences])
        if self.length is None:
            self.length = max(1, int(np.median(lengths)))
        if self.anchor is None and (lengths == self.length).all():
            self.anchor = ANCHORS[0]  # every row fills the window exactly: the anchors give the same features
        if self.anchor is None:
            self.anchor, self.c = self._choose(sequences, y)
        x = one_hot(sequences, self.length, self.anchor)
        if self.c is None:
            self.c = choose_c(x, y, seed=self.seed, max_rows=self.cv_rows)
        self.model = LinearModel.fit(x, y, c=self.c, standardise=True, seed=self.seed)
        return self

    def _choose(self, sequences: Sequence[str], y: np.ndarray) -> tuple[str, float]:
        """(anchor, c) with the lowest 3-fold CV log-loss on a seeded sample of at most ``cv_rows`` rows."""
        rows = np.random.default_rng(self.seed).permutation(len(y))[: self.cv_rows]
        split = stratified_folds(y[rows], 3, self.seed)
        grid = [self.c] if self.c is not None else list(C_GRID)
        if split is None:  # too few rows of some label to cross-validate
            return ANCHORS[0], grid[0] if self.c is not None else 1.0
        losses = {}
        for anchor in ANCHORS:
            x = one_hot([sequences[i] for i in rows], self.length, anchor)
            for c in grid:
                losses[(anchor, c)] = out_of_fold_log_loss(x, y[rows], split, c=c, seed=self.seed)
        self.cv_losses = {f"{a}/{c}": round(v, 5) for (a, c), v in losses.items()}
        return min(losses, key=losses.get)

    def predict_proba(self, sequences: Sequence[str]) -> np.ndarray:
        _fitted(self.model, "OneHotLR")
        return self.model.predict_proba(one_hot(sequences, self.length, self.anchor), self.label_ids)

    def to_json(self) -> dict[str, Any]:
        _fitted(self.model, "OneHotLR")
        return {"kind": self.kind, "label_ids": self.label_ids, "length": self.length, "anchor": self.anchor,
                "c": self.c, "seed": self.seed, "cv_losses": self.cv_losses, "model": self.model.to_json()}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OneHotLR:
        """A saved model read back and checked (DataFormatError: a shape that does not match the window
        length or labels, a value that is not a finite number, an unknown anchor)."""
        labels = checked_labels(data["label_ids"], "one-hot LR label_ids")
        length = checked_int(data["length"], "one-hot LR length", high=10_000_000)
        if data["anchor"] not in ANCHORS:
            raise DataFormatError(
                f"one-hot LR anchor {data['anchor']!r}: expected one of {', '.join(ANCHORS)}"
            )
        out = cls(labels, length=length, anchor=data["anchor"], c=checked_strength(data["c"], "one-hot LR c"),
                  seed=int(data["seed"]))  # fmt: skip
        out.model = checked_linear(data["model"], "one-hot LR model", out.label_ids, length * 4)
        out.cv_losses = data.get("cv_losses")
        return out


BASELINES = {cls.kind: cls for cls in (KmerLR, KmerKNN, SmallCNN, OneHotLR)}
"""The baselines by name (the report's column names)."""


def from_json(data: dict[str, Any]) -> KmerLR | KmerKNN | SmallCNN | OneHotLR:
    """Any baseline from its :meth:`to_json` form (by its ``kind``)."""
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind not in BASELINES:
        raise UserInputError(f"not a saved baseline: kind {kind!r}, expected one of {', '.join(BASELINES)}")
    return BASELINES[kind].from_json(data)
