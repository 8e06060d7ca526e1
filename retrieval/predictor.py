"""``FewShotPredictor``: a label, class probabilities and the evidence for each query sequence.

Methods (fixed spellings, see :data:`dnahlm.evaluate.METHOD_NAMES`):

- ``instruct``: zero-shot label likelihood of the instruction-tuned model (:mod:`dnahlm.scoring`);
- ``knn``: similarity-weighted vote of the ``k`` most similar pool examples (:mod:`.pool`);
- ``few-shot``: label likelihood with the most similar pool examples in the prompt, balanced across labels
  and fitted into the context with the real tokenizer;
- ``fused``: multinomial logistic regression on the log-probabilities of the methods above (and of the task's
  classification head when the checkpoint has one with the same labels), fitted on a calibration split of
  the pool only; for those calibration rows every method sees the pool without the row itself, so the
  fit sees honest, out-of-sample scores. It needs nothing but the labelled pool, so it works for a task the
  model has never been tuned on.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dnahlm.errors import ConfigError
from dnahlm.tasks import Example, Task
from dnahlm.types import Evidence, Prediction

from .pool import ExamplePool, Neighbour, knn_probs
from .prompting import fit_shots

METHODS = ("instruct", "knn", "few-shot", "fused")


@dataclass
class PredictorConfig:
    """Knobs of the predictor; the defaults are what ``dnahlm predict`` and ``dnahlm eval`` use."""

    k: int = 16
    """Neighbours in the kNN vote."""
    shots: int = 4
    """Examples in a few-shot prompt (at most; fewer when the context is full)."""
    balanced: bool = True
    """Few-shot examples balanced across labels (else the most similar, whatever their label)."""
    temperature: float = 0.05
    """Softness of the kNN vote over cosine similarities."""
    calibration: int = 300
    """Pool rows used to fit ``fused`` (stratified, seeded); the rest stay the retrieval pool for them."""
    evidence: int = 5
    """Neighbours reported as evidence with each prediction."""
    batch_size: int = 32
    seed: int = 0


class FewShotPredictor:
    """Predict a task's labels for sequences from a labelled pool and a DNAHLM checkpoint.

    Example:
        .. code-block:: python

            from dnahlm.retrieval.predictor import FewShotPredictor
            from dnahlm.tasks import Task, read_pool

            task = Task("my_task", "generic", {0: "background", 1: "bound"})
            predictor = FewShotPredictor(task, read_pool("pool.csv", task))  # embedded dnahlm-tiny
            p = predictor.predict(["ACGT..."], method="fused")[0]
            print(p.label_name, p.probs, [e.id for e in p.evidence])
    """

    def __init__(
        self,
        task: Task,
        pool: Sequence[Example],
        *,
        model: Any = None,
        model_path: str | None = None,
        embedder: Any = None,
        config: PredictorConfig | None = None,
        device: str | None = None,
    ) -> None:
        self.task = task
        self.config = config or PredictorConfig()
        self.pool = ExamplePool(task, pool, embedder)
        self._model = model
        self._model_path = model_path
        self._device = device
        self._fusion: Any = None
        self._head: Any = False  # False: not looked up yet; None: the checkpoint has no head for this task

    @property
    def model(self) -> Any:
        """The loaded checkpoint (:class:`dnahlm.model.LoadedModel`), loaded on first use."""
        if self._model is None:
            from dnahlm.model import load_model

            self._model = load_model(self._model_path, device=self._device)
        return self._model

    # --------------------------------------------------------------------------------- components
    def instruct_probs(self, sequences: Sequence[str]) -> np.ndarray:
        from dnahlm.scoring import score_candidates, softmax

        m = self.model
        prompts = [fit_shots(m.tokenizer, m.model, self.task, s, []) for s in sequences]
        scores = score_candidates(
            m.model, m.tokenizer, prompts, self.task.label_names, batch_size=self.config.batch_size
        )
        return softmax(scores)

    def neighbours(self, sequences: Sequence[str], *, exclude_self: bool = False) -> list[list[Neighbour]]:
        k = max(self.config.k, self.config.shots * len(self.task.labels) * 2, self.config.evidence)
        return self.pool.search(sequences, k, exclude_self=exclude_self)

    def knn_probs(self, neighbours: Sequence[Sequence[Neighbour]]) -> np.ndarray:
        top = [n[: self.config.k] for n in neighbours]
        return knn_probs(self.task, top, temperature=self.config.temperature)

    def few_shot_probs(
        self, sequences: Sequence[str], neighbours: Sequence[Sequence[Neighbour]]
    ) -> np.ndarray:
        from dnahlm.scoring import score_candidates, softmax

        m = self.model
        prompts = [
            fit_shots(m.tokenizer, m.model, self.task, s, self._shots(n))
            for s, n in zip(sequences, neighbours, strict=True)
        ]
        scores = score_candidates(
            m.model, m.tokenizer, prompts, self.task.label_names, batch_size=self.config.batch_size
        )
        return softmax(scores)

    def _shots(self, neighbours: Sequence[Neighbour]) -> list[Example]:
        per_label = max(1, self.config.shots // len(self.task.labels))
        chosen = self.pool.balanced(neighbours, per_label) if self.config.balanced else list(neighbours)
        chosen = chosen[: self.config.shots]
        return [n.example for n in reversed(chosen)]  # the most similar example last, next to the query

    def head_probs(self, sequences: Sequence[str]) -> np.ndarray | None:
        """Probabilities of the checkpoint's classification head for this task, or None without one."""
        if self._head is False:
            from dnahlm.train.classify import list_heads, load_classifier

            self._head = None
            if self.task.name in list_heads(self.model.path):
                model, tokenizer, head_task = load_classifier(
                    self.model.path, self.task.name, device=self._device
                )
                if head_task.labels == self.task.labels:
                    self._head = (model, tokenizer)
        if self._head is None:
            return None
        from dnahlm.train.classify import classify_probs

        model, tokenizer = self._head
        return np.asarray(
            classify_probs(model, tokenizer, list(sequences), batch_size=self.config.batch_size)
        )

    # --------------------------------------------------------------------------------- fused
    def _features(self, sequences: Sequence[str], neighbours: Sequence[Sequence[Neighbour]]) -> np.ndarray:
        parts = [
            self.instruct_probs(sequences),
            self.knn_probs(neighbours),
            self.few_shot_probs(sequences, neighbours),
        ]
        head = self.head_probs(sequences)
        if head is not None:
            parts.append(head)
        return np.log(np.clip(np.concatenate(parts, axis=1), 1e-6, 1.0))

    def fit(self) -> FewShotPredictor:
        """Fit the ``fused`` combination on a stratified calibration split of the pool (out-of-sample scores)."""
        from sklearn.linear_model import LogisticRegression

        rows = _stratified_sample(self.pool.examples, self.config.calibration, self.config.seed)
        if len({e.label for e in rows}) < 2:
            raise ConfigError(
                f"task {self.task.name}: the pool needs examples of at least two labels to fit 'fused'"
            )
        seqs = [e.sequence for e in rows]
        x = self._features(seqs, self.neighbours(seqs, exclude_self=True))
        y = np.array([e.label for e in rows])
        self._fusion = LogisticRegression(C=1.0, max_iter=2000).fit(x, y)
        return self

    def fused_probs(self, sequences: Sequence[str], neighbours: Sequence[Sequence[Neighbour]]) -> np.ndarray:
        if self._fusion is None:
            self.fit()
        p = self._fusion.predict_proba(self._features(sequences, neighbours))
        out = np.zeros((len(sequences), len(self.task.labels)))
        for c, label in enumerate(self._fusion.classes_):
            out[:, self.task.label_ids.index(int(label))] = p[:, c]
        return out

    # --------------------------------------------------------------------------------- API
    def predict(self, sequences: Sequence[str], method: str = "fused") -> list[Prediction]:
        """Label, probabilities (by label name) and evidence (nearest pool examples) for each sequence."""
        if method not in METHODS:
            raise ConfigError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
        sequences = list(sequences)
        neighbours = self.neighbours(sequences)
        if method == "instruct":
            probs = self.instruct_probs(sequences)
        elif method == "knn":
            probs = self.knn_probs(neighbours)
        elif method == "few-shot":
            probs = self.few_shot_probs(sequences, neighbours)
        else:
            probs = self.fused_probs(sequences, neighbours)
        return [self._prediction(row, n, method) for row, n in zip(probs, neighbours, strict=True)]

    def _prediction(self, row: np.ndarray, neighbours: Sequence[Neighbour], method: str) -> Prediction:
        best = int(np.argmax(row))
        names = self.task.label_names
        evidence = [
            Evidence(
                id=n.example.id,
                kind="example",
                score=round(n.similarity, 4),
                source=self.task.name,
                label=self.task.labels[n.example.label],
                snippet=n.example.sequence[:40],
            )
            for n in neighbours[: self.config.evidence]
        ]
        return Prediction(
            label=self.task.label_ids[best],
            label_name=names[best],
            probs={name: float(p) for name, p in zip(names, row, strict=True)},
            method=method,
            evidence=evidence,
        )


def _stratified_sample(examples: Sequence[Example], n: int, seed: int) -> list[Example]:
    """Up to ``n`` examples, the same share of each label as in ``examples``, seeded."""
    if len(examples) <= n:
        return list(examples)
    by_label: dict[int, list[Example]] = {}
    for e in examples:
        by_label.setdefault(e.label, []).append(e)
    rng = random.Random(seed)
    out: list[Example] = []
    for label in sorted(by_label):
        group = by_label[label]
        take = max(1, round(n * len(group) / len(examples)))
        out.extend(rng.sample(group, min(take, len(group))))
    return out
