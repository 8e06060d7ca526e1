"""A task's labelled pool, embedded once, for neighbour search: the basis of ``knn`` and few-shot prompts.

:class:`ExamplePool` holds the examples, their L2-normalised vectors (canonical 5-mers by default, the
index layer's embedders) and answers "which pool examples are most like these sequences" with exact
inner-product search. :func:`knn_probs` turns neighbours into class probabilities by a
similarity-weighted vote: each neighbour adds ``exp(similarity / temperature)`` to its label, plus a
small prior so no class gets probability 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from dnahlm.errors import UserInputError
from dnahlm.index.embed import KmerEmbeddings
from dnahlm.tasks import Example, Task


@dataclass(frozen=True)
class Neighbour:
    """A pool example near a query, with its cosine similarity."""

    example: Example
    similarity: float


def embed(embedder: Embeddings, sequences: Sequence[str]) -> np.ndarray:
    """Vectors (N, D) float32 from any LangChain embedder (``embed_array`` when it has one)."""
    if hasattr(embedder, "embed_array"):
        return np.asarray(embedder.embed_array(list(sequences)), dtype=np.float32)
    return np.asarray(embedder.embed_documents(list(sequences)), dtype=np.float32)


class ExamplePool:
    """Labelled examples of one task with their vectors.

    Args:
        task: the task (label names).
        examples: the labelled pool (the only data a method may consult at query time).
        embedder: sequence embedder; default canonical 5-mer frequencies.
    """

    def __init__(self, task: Task, examples: Sequence[Example], embedder: Embeddings | None = None) -> None:
        if not examples:
            raise UserInputError(f"task {task.name}: the labelled pool is empty")
        unknown = {e.label for e in examples} - set(task.labels)
        if unknown:
            raise UserInputError(f"task {task.name}: pool labels {sorted(unknown)} are not in {task.labels}")
        self.task = task
        self.examples = list(examples)
        self.embedder = embedder or KmerEmbeddings(k=5, canonical=True)
        self.vectors = embed(self.embedder, [e.sequence for e in self.examples])  # (N, D)
        self.labels = np.array([e.label for e in self.examples])

    def __len__(self) -> int:
        return len(self.examples)

    def add(self, examples: Sequence[Example]) -> None:
        """Append labelled examples (embedded now) to the pool."""
        unknown = {e.label for e in examples} - set(self.task.labels)
        if unknown:
            raise UserInputError(
                f"task {self.task.name}: labels {sorted(unknown)} are not in {self.task.labels}"
            )
        if not examples:
            return
        self.examples.extend(examples)
        self.vectors = np.vstack([self.vectors, embed(self.embedder, [e.sequence for e in examples])])
        self.labels = np.array([e.label for e in self.examples])

    def embed(self, sequences: Sequence[str]) -> np.ndarray:
        """Query vectors (Q, D) with the pool's embedder."""
        return embed(self.embedder, sequences)

    def search(
        self,
        sequences: Sequence[str],
        k: int,
        *,
        vectors: np.ndarray | None = None,
        exclude_self: bool = False,
        per_label: bool = False,
    ) -> list[list[Neighbour]]:
        """The ``k`` most similar pool examples to each sequence, best first.

        Args:
            sequences: the queries.
            k: neighbours per query (with ``per_label``: per label, so up to ``k * labels`` in all).
            vectors: the queries' vectors when already embedded.
            exclude_self: skip pool examples with the identical sequence (used when the queries are pool
                examples themselves, e.g. to fit a combination on the pool without leaking the answer).
            per_label: the ``k`` best of each label (balanced few-shot examples), merged best first.
        """
        q = self.embed(sequences) if vectors is None else vectors
        sims = q @ self.vectors.T  # (Q, N)
        groups = [np.flatnonzero(self.labels == c) for c in np.unique(self.labels)] if per_label else [None]
        out: list[list[Neighbour]] = [[] for _ in range(len(q))]
        for cols in groups:
            part = sims if cols is None else sims[:, cols]
            index = np.arange(len(self)) if cols is None else cols
            for i, row in enumerate(_top(part, k + (1 if exclude_self else 0))):
                hits = [
                    Neighbour(self.examples[index[j]], float(part[i, j]))
                    for j in row
                    if not (exclude_self and self.examples[index[j]].sequence == sequences[i])
                ]
                out[i].extend(hits[:k])
        if per_label:
            for hits in out:
                hits.sort(key=lambda n: -n.similarity)
        return out


def _top(sims: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the ``k`` largest values of each row, largest first."""
    k = min(k, sims.shape[1])
    top = (
        np.argpartition(-sims, k - 1, axis=1)[:, :k]
        if k < sims.shape[1]
        else np.tile(np.arange(k), (len(sims), 1))
    )
    order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


def knn_probs(
    task: Task, neighbours: Sequence[Sequence[Neighbour]], *, temperature: float = 0.05, prior: float = 0.05
) -> np.ndarray:
    """Class probabilities (Q, C) from similarity-weighted votes, columns in ``task.label_ids`` order."""
    column = {label: c for c, label in enumerate(task.label_ids)}
    out = np.full((len(neighbours), len(column)), prior, dtype=np.float64)
    for i, hits in enumerate(neighbours):
        if not hits:
            continue
        sims = np.array([h.similarity for h in hits])
        weights = np.exp((sims - sims.max()) / temperature)
        for h, w in zip(hits, weights, strict=True):
            out[i, column[h.example.label]] += w / weights.sum()
    return out / out.sum(axis=1, keepdims=True)


def task_from_store(store: Any, name: str, *, collection: str = "examples") -> Task:
    """The task ``name`` as recorded with its examples in an index (kind, label names, instruction).

    Raises:
        UserInputError: the index has no examples of ``name`` (the message lists the tasks it has), or
            they were ingested without label names.
    """
    from dnahlm.tasks import KINDS

    labels = store.values(collection, "label", {"task": name})
    if not labels:
        known = ", ".join(str(v) for v, _ in store.values(collection, "task")) or "none"
        raise UserInputError(f"index {store.path} has no labelled examples of task {name!r} (tasks: {known})")
    names: dict[int, str] = {}
    for label, _ in labels:
        hit = store.get(store.ids(collection, {"task": name, "label": int(label)})[:1])[0]
        if "label_name" not in hit.metadata:
            raise UserInputError(
                f"index {store.path}: the examples of {name!r} carry no label names (re-add them with this "
                "version of dnahlm, or give --labels)"
            )
        names[int(label)] = str(hit.metadata["label_name"])
        kind = str(hit.metadata.get("task_kind", "generic"))
        instruction = hit.metadata.get("instruction")
    return Task(name, kind if kind in KINDS else "generic", names, instruction)


def examples_from_store(store: Any, task: Task, *, collection: str = "examples") -> list[Example]:
    """A task's labelled pool as stored in a knowledge index (rows of ``collection`` with ``task`` = its name).

    Rows whose label is not one of the task's labels are an error (the index and the task disagree).
    """
    hits = store.get(store.ids(collection, {"task": task.name}))
    examples = []
    for h in hits:
        label = int(h.metadata["label"])
        if label not in task.labels:
            raise UserInputError(
                f"index {store.path}: example {h.metadata.get('id', h.id)} of task {task.name} has label "
                f"{label}, not one of {task.labels}"
            )
        examples.append(Example(str(h.metadata.get("id", h.key)), h.text, label, task.name))
    if not examples:
        raise UserInputError(
            f"index {store.path} has no labelled examples of task {task.name} in {collection!r}"
        )
    return examples


@dataclass
class LinearModel:
    """A fitted (optionally standardised) multinomial logistic regression as plain arrays.

    Kept as numbers, not as a scikit-learn object, so that a fit can be saved as JSON and read back
    without pickle. Probabilities come in ``labels`` column order.
    """

    weights: np.ndarray  # (C, D)
    bias: np.ndarray  # (C,)
    labels: list[int]  # label id of each row of ``weights``
    mean: np.ndarray | None = None  # standardisation, (D,)
    scale: np.ndarray | None = None

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, *, c: float = 1.0, standardise: bool = False, seed: int = 0):
        """Fit with scikit-learn's L2-regularised logistic regression (lbfgs)."""
        from sklearn.linear_model import LogisticRegression

        mean = scale = None
        if standardise:
            mean, scale = x.mean(axis=0), x.std(axis=0)
            scale = np.where(scale > 0, scale, 1.0)
            x = (x - mean) / scale
        lr = LogisticRegression(C=c, max_iter=2000, random_state=seed).fit(x, y)
        w, b = lr.coef_, lr.intercept_
        if len(lr.classes_) == 2:  # scikit-learn keeps one row for two classes: logit of the second
            w, b = np.vstack([np.zeros_like(w[0]), w[0]]), np.array([0.0, b[0]])
        return cls(w, b, [int(v) for v in lr.classes_], mean, scale)

    def predict_proba(self, x: np.ndarray, label_ids: Sequence[int]) -> np.ndarray:
        """Probabilities (N, len(label_ids)); labels never seen in the fit get a tiny floor."""
        if self.mean is not None:
            x = (x - self.mean) / self.scale
        z = x @ self.weights.T + self.bias
        z = np.exp(z - z.max(axis=1, keepdims=True))
        p = z / z.sum(axis=1, keepdims=True)
        out = np.full((len(x), len(label_ids)), 1e-6)
        for c, label in enumerate(self.labels):
            out[:, list(label_ids).index(label)] = p[:, c]
        return out / out.sum(axis=1, keepdims=True)

    def to_json(self) -> dict[str, Any]:
        def arr(a: np.ndarray | None) -> list | None:
            return None if a is None else a.tolist()

        return {
            "weights": arr(self.weights),
            "bias": arr(self.bias),
            "labels": self.labels,
            "mean": arr(self.mean),
            "scale": arr(self.scale),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearModel:
        def arr(a: list | None) -> np.ndarray | None:
            return None if a is None else np.asarray(a, dtype=np.float64)

        return cls(arr(data["weights"]), arr(data["bias"]), [int(v) for v in data["labels"]],
                   arr(data["mean"]), arr(data["scale"]))  # fmt: skip


C_GRID = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 1.0)
"""Inverse L2 strengths a probe chooses from by cross-validation on its pool."""


def choose_c(
    x: np.ndarray, y: np.ndarray, *, grid: Sequence[float] = C_GRID, folds: int = 3,
    max_rows: int = 6000, seed: int = 0,
) -> float:  # fmt: skip
    """The ``c`` of ``grid`` with the lowest cross-validated log-loss on the rows (a seeded sample of at
    most ``max_rows``; folds stratified). Uses the pool only, so it is fair to fit at query time.
    """
    rng = np.random.default_rng(seed)
    rows = rng.permutation(len(y))[:max_rows]
    x, y = x[rows], y[rows]
    split = stratified_folds(y, folds, seed)
    if split is None:  # too few examples of some label to cross-validate: the usual default
        return 1.0
    loss = [out_of_fold_log_loss(x, y, split, c=c, seed=seed) for c in grid]
    return float(grid[int(np.argmin(loss))])


def stratified_folds(y: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Seeded stratified ``(train, test)`` folds of the rows; fewer folds when a label has fewer rows,
    None when some label has only one."""
    from sklearn.model_selection import StratifiedKFold

    folds = min(folds, int(np.unique(y, return_counts=True)[1].min()) if len(y) else 0)
    if folds < 2:
        return None
    return list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


def out_of_fold_log_loss(
    x: np.ndarray, y: np.ndarray, split: Sequence[tuple[np.ndarray, np.ndarray]], *, c: float,
    standardise: bool = True, seed: int = 0,
) -> float:  # fmt: skip
    """Mean log-loss of logistic regression over the rows, each scored by the fit on the other folds."""
    labels = sorted(set(y.tolist()))
    p = out_of_fold_probs(x, y, split, labels, c=c, standardise=standardise, seed=seed)
    return -float(np.log(p[np.arange(len(y)), np.searchsorted(labels, y)]).mean())


def out_of_fold_probs(
    x: np.ndarray, y: np.ndarray, split: Sequence[tuple[np.ndarray, np.ndarray]], labels: Sequence[int],
    *, c: float, standardise: bool = True, seed: int = 0,
) -> np.ndarray:  # fmt: skip
    """Probabilities (N, len(labels)) of every row from logistic regression (standardised by default)
    fitted on the other folds of ``split`` (``(train, test)`` index pairs covering the rows once)."""
    out = np.zeros((len(y), len(labels)))
    for train, test in split:
        model = LinearModel.fit(x[train], y[train], c=c, standardise=standardise, seed=seed)
        out[test] = model.predict_proba(x[test], labels)
    return out


class LinearProbe:
    """Logistic regression on standardised vectors. Probabilities come in ``task.label_ids`` column order.

    On the pool's retrieval vectors it is the "simple k-mer LR" baseline; on :func:`probe_features` it is
    the probe that ``fused`` includes. ``c=None`` picks the L2 strength by cross-validation on the
    fitting rows (:func:`choose_c`) and keeps it in ``self.c``.
    """

    def __init__(
        self, task: Task, *, c: float | None = 1.0, seed: int = 0, model: LinearModel | None = None
    ) -> None:
        self.task = task
        self.c = c
        self.seed = seed
        self.model = model

    def fit(self, vectors: np.ndarray, labels: np.ndarray) -> LinearProbe:
        if len(set(labels.tolist())) < 2:
            raise UserInputError(
                f"task {self.task.name}: a linear probe needs examples of two labels or more"
            )
        if self.c is None:
            self.c = choose_c(vectors, labels, seed=self.seed)
        self.model = LinearModel.fit(vectors, labels, c=self.c, standardise=True, seed=self.seed)
        return self

    def predict_proba(self, vectors: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(vectors, self.task.label_ids)


PROBE_FEATURES = (KmerEmbeddings(k=5), KmerEmbeddings(k=3, bins=12))
"""What the probe in ``fused`` sees: the strand-aware 5-mer profile of the whole sequence, and 3-mer
counts in 12 equal stretches (where a motif sits). Compared with other sets by 3-fold cross-validation on
the GUE training pools, never on a validation split (``scripts/probe_features_cv.py``, docs/model-card.md):
the best of them on the promoter pools, second on splice, below canonical 5-mers on the TF pools."""


def probe_features(sequences: Sequence[str]) -> np.ndarray:
    """Probe vectors (N, 1792) of DNA sequences: :data:`PROBE_FEATURES` side by side."""
    return np.hstack([e.embed_array(list(sequences)) for e in PROBE_FEATURES])
