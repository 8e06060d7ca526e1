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

    def search(
        self,
        sequences: Sequence[str],
        k: int,
        *,
        vectors: np.ndarray | None = None,
        exclude_self: bool = False,
    ) -> list[list[Neighbour]]:
        """The ``k`` most similar pool examples to each sequence, best first.

        ``exclude_self`` skips pool examples with the identical sequence (used when the queries are pool
        examples themselves, e.g. to fit a combination on the pool without leaking the answer).
        """
        q = embed(self.embedder, sequences) if vectors is None else vectors
        sims = q @ self.vectors.T  # (Q, N)
        extra = 1 if exclude_self else 0
        k_eff = min(k + extra, len(self))
        top = (
            np.argpartition(-sims, k_eff - 1, axis=1)[:, :k_eff]
            if k_eff < len(self)
            else np.tile(np.arange(len(self)), (len(q), 1))
        )
        out = []
        for i, row in enumerate(top):
            order = row[np.argsort(-sims[i, row], kind="stable")]
            hits = [
                Neighbour(self.examples[j], float(sims[i, j]))
                for j in order
                if not (exclude_self and self.examples[j].sequence == sequences[i])
            ]
            out.append(hits[:k])
        return out

    def balanced(self, neighbours: Sequence[Neighbour], per_label: int) -> list[Neighbour]:
        """The best ``per_label`` neighbours of each label from a longer candidate list, best first."""
        taken: dict[int, int] = {}
        chosen = []
        for n in neighbours:
            if taken.get(n.example.label, 0) < per_label:
                taken[n.example.label] = taken.get(n.example.label, 0) + 1
                chosen.append(n)
        return chosen


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
