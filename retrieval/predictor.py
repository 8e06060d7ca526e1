"""``FewShotPredictor``: a label, class probabilities and the evidence for each query sequence.

Methods (fixed spellings, see :data:`dnahlm.types.METHODS`; :mod:`.service` is the one road to them):

- ``instruct``: zero-shot label likelihood of the instruction-tuned model (:mod:`dnahlm.scoring`);
- ``knn``: similarity-weighted vote of the ``k`` most similar pool examples (:mod:`.pool`);
- ``few-shot``: label likelihood with the most similar pool examples in the prompt, balanced across labels
  and fitted into the context with the real tokenizer;
- ``fused``: multinomial logistic regression on the log-probabilities of the methods above, of a linear
  probe on the pool's position-aware k-mer vectors (:func:`.pool.probe_features`; its L2 strength chosen by
  cross-validation on the pool), of a position-specific one-hot logistic regression
  (:class:`.baselines.OneHotLR`: bases at exact places, window anchor and strength chosen by cross-validation
  on the pool; it lifted splice MCC from 0.541 to 0.663), of a motif CNN trained on the pool (:mod:`.motif_cnn`; pools of at least
  :data:`MIN_CNN_POOL` rows), and of the task's classification head
  when the checkpoint has one with the same labels. It is fitted on a calibration split of the pool only:
  the probe, the one-hot LR and the CNN are trained on the rest of the pool, and for the calibration rows kNN and few-shot
  see the pool without the row itself, so the fit sees out-of-sample scores. It needs nothing but the labelled pool, so
  it works for a task the model has never been tuned on. For a task the checkpoint *was* tuned on, the
  pool is often its tuning data, and the model scores its own tuning rows better than new ones; so when the
  checkpoint records the rows it was tuned on (:mod:`dnahlm.tuned`) and the pool has at least
  :data:`MIN_UNTUNED_PER_LABEL` other rows of each label, the calibration rows are drawn from those.
  :attr:`FewShotPredictor.calibrated_on` says which happened. :attr:`PredictorConfig.inputs` says which
  inputs it combines: ``fast`` (the default) only the pool-trained ones (kNN, probe, one-hot LR, CNN: no language-model
  pass, so it fits and scores in a fraction of the time), ``full`` also the model's, ``auto`` whichever
  has the lower cross-validated log-loss on the calibration rows.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dnahlm.errors import ConfigError, UserInputError
from dnahlm.sequences import normalize
from dnahlm.tasks import Example, Task
from dnahlm.types import METHODS as ALL_METHODS
from dnahlm.types import Evidence, Prediction

from .baselines import OneHotLR
from .motif_cnn import MotifCNN
from .pool import (
    ExamplePool,
    LinearModel,
    LinearProbe,
    Neighbour,
    knn_probs,
    out_of_fold_log_loss,
    probe_features,
    stratified_folds,
)

METHODS = tuple(m for m in ALL_METHODS if m != "classifier")
"""The methods a labelled pool serves (``classifier`` is the checkpoint's head alone: the service runs it)."""
FIT_FORMAT = 6
"""Version of the cached ``fused`` fit files."""
MIN_PROBE_POOL = 40
"""Pool rows (outside the calibration split) needed to train the linear probe that ``fused`` includes."""
MIN_CNN_POOL = 500
"""Pool rows (outside the calibration split) needed to train the motif CNN that ``fused`` includes."""
POOL_INPUTS = ("knn", "probe", "onehot", "cnn")
"""Inputs of ``fused`` learnt from the pool alone, without the language model (``PredictorConfig.inputs``)."""
MIN_UNTUNED_PER_LABEL = 20
"""Rows of every label the checkpoint was not tuned on that a pool needs for ``fused`` to calibrate on them."""


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
    calibration: int = 1000
    """Pool rows used to fit ``fused`` (stratified, seeded; at most half the pool); the rest stay the
    retrieval pool for them and train the probe and the CNN. 1,000 rather than 300 made the combination of
    six inputs steadier: on tf_1 its margin over k-mer LR was +0.015 and +0.026 MCC with seeds 1 and 0 at
    300 rows, +0.035 and +0.032 at 1,000 (2,500 scored rows, docs/model-card.md)."""
    evidence: int = 5
    """Neighbours reported as evidence with each prediction."""
    motif_cnn: bool = True
    """Include the motif CNN in ``fused`` (trained on the pool when fitting: about a minute on 20,000 rows
    of 100 bases on 2 cores; False for a quicker, weaker fit)."""
    inputs: str = "fast"
    """What ``fused`` combines: ``fast``, the pool-trained inputs (:data:`POOL_INPUTS`; no language-model
    pass: tf_0 pool of 5,000 rows, 1,345 predictions/s instead of 32); ``full``, also the model's
    (instruct, few-shot, head); ``auto``, the model's left out when the pool-trained ones alone have the
    lower 5-fold cross-validated log-loss on the calibration rows. ``fast`` is the default because the
    model's inputs moved MCC by -0.022 to +0.009 on the six GUE validation splits at 42x the cost
    (docs/model-card.md)."""
    batch_size: int = 32
    seed: int = 0
    cache_dir: str | None = None
    """Folder where ``fused`` fits are kept as JSON, keyed by a hash of the pool, the model's weights, the
    task and these settings, so a later predictor with the same inputs skips the fit (None: no cache)."""

    def fit_settings(self) -> dict[str, Any]:
        """The settings a ``fused`` fit depends on (part of its cache key)."""
        return {
            k: getattr(self, k)
            for k in (
                "k",
                "shots",
                "balanced",
                "temperature",
                "calibration",
                "motif_cnn",
                "inputs",
                "seed",
            )
        }


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
        self._fusion: LinearModel | None = None
        self._inputs: list[str] = []  # component names the fusion was fitted on, in column order
        self._probe: LinearProbe | None = None
        self._onehot: OneHotLR | None = None
        self._cache_key: tuple[Path | None] | None = None  # the fit cache's file, once computed
        self._cnn: MotifCNN | None = None
        self._head: Any = False  # False: not looked up yet; None: the checkpoint has no head for this task
        self.calibrated_on: str | None = None
        """After :meth:`fit`: ``"untuned rows"`` (pool rows the checkpoint was not tuned on) or ``"pool"``."""
        self.input_losses: dict[str, float] | None = None
        """After :meth:`fit` with ``inputs="auto"``: the cross-validated log-loss of each input set ``fused``
        chose from (None when there was no choice)."""
        self.calibration: tuple[dict[str, np.ndarray], np.ndarray] | None = None
        """After a :meth:`fit` (not one read from the cache): the out-of-sample inputs of the calibration
        rows and their labels, which the combination was fitted on (for diagnostics such as
        ``scripts/fused_ablation.py``)."""

    @property
    def model(self) -> Any:
        """The loaded checkpoint (:class:`dnahlm.model.LoadedModel`), loaded on first use."""
        if self._model is None:
            from dnahlm.model import load_model

            self._model = load_model(self._model_path, device=self._device)
        return self._model

    @property
    def model_dir(self) -> Path:
        """The checkpoint folder, without loading the model (``fast`` inputs never need it loaded)."""
        if self._model is not None:
            return Path(self._model.path)
        from dnahlm.settings import get_settings

        return Path(self._model_path) if self._model_path else get_settings().default_model_path()

    # --------------------------------------------------------------------------------- components
    def instruct_probs(self, sequences: Sequence[str]) -> np.ndarray:
        """Zero-shot label likelihood of the instruction-tuned model, (Q, C)."""
        return self._score(sequences)

    def neighbours(
        self, sequences: Sequence[str], vectors: np.ndarray | None = None, *, exclude_self: bool = False
    ) -> list[list[Neighbour]]:
        """Enough nearest pool examples for every method (kNN vote, few-shot candidates, evidence)."""
        k = max(self.config.k, self.config.shots * len(self.task.labels) * 2, self.config.evidence)
        return self.pool.search(sequences, k, vectors=vectors, exclude_self=exclude_self)

    def knn_probs(self, neighbours: Sequence[Sequence[Neighbour]]) -> np.ndarray:
        """Similarity-weighted vote of the ``k`` nearest pool examples, (Q, C)."""
        top = [n[: self.config.k] for n in neighbours]
        return knn_probs(self.task, top, temperature=self.config.temperature)

    def few_shot_probs(
        self, sequences: Sequence[str], vectors: np.ndarray, neighbours: Sequence[Sequence[Neighbour]],
        *, exclude_self: bool = False,
    ) -> np.ndarray:  # fmt: skip
        """Label likelihood with the most similar pool examples in the prompt, (Q, C)."""
        return self._score(sequences, self.shots(sequences, vectors, neighbours, exclude_self=exclude_self))

    def shots(
        self, sequences: Sequence[str], vectors: np.ndarray, neighbours: Sequence[Sequence[Neighbour]],
        *, exclude_self: bool = False,
    ) -> list[list[Example]]:  # fmt: skip
        """Few-shot examples per query, least similar first (the most similar sits next to the query).

        Balanced: the best ``shots // labels`` of each label; otherwise the ``shots`` nearest neighbours.
        With ``exclude_self`` (the queries are pool rows) a query's own row is never its example; the
        ``neighbours`` given must then have been found with ``exclude_self`` too.
        """
        n = self.config.shots
        if self.config.balanced:
            per = max(1, n // len(self.task.labels))
            chosen = self.pool.search(
                sequences, per, vectors=vectors, exclude_self=exclude_self, per_label=True
            )
        else:
            chosen = [list(h) for h in neighbours]
        return [[h.example for h in reversed(hits[:n])] for hits in chosen]

    @property
    def _lm(self) -> tuple[Any, Any]:
        return self.model.tokenizer, self.model.model

    def _score(
        self, sequences: Sequence[str], shots: Sequence[Sequence[Example]] | None = None
    ) -> np.ndarray:
        from dnahlm.scoring import label_probs  # torch: only when the language model scores

        tokenizer, model = self._lm
        return label_probs(tokenizer, model, self.task, sequences, shots, batch_size=self.config.batch_size)

    def head_probs(self, sequences: Sequence[str]) -> np.ndarray | None:
        """Probabilities of the checkpoint's classification head for this task, or None without one
        (or with one trained on other labels)."""
        if self._head is False:
            from dnahlm.heads import TaskHead

            self._head = TaskHead.load(
                self.model_dir, self.task, device=self._device, batch_size=self.config.batch_size
            )
        return None if self._head is None else np.asarray(self._head(list(sequences)))

    # --------------------------------------------------------------------------------- fused
    def components(
        self,
        sequences: Sequence[str],
        vectors: np.ndarray,
        neighbours: Sequence[Sequence[Neighbour]],
        only: Collection[str] | None = None,
        *,
        exclude_self: bool = False,
        probe_x: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """Every input of ``fused`` (or those in ``only``), (Q, C) each: instruct, knn, few-shot, and
        probe / cnn / head where present. ``exclude_self``: the queries are pool rows (when fitting);
        ``probe_x``: their probe features, already computed."""
        want = set(only) if only is not None else {*POOL_INPUTS, "instruct", "few-shot", "head"}
        out = {}
        if "instruct" in want:
            out["instruct"] = self.instruct_probs(sequences)
        if "knn" in want:
            out["knn"] = self.knn_probs(neighbours)
        if "few-shot" in want:
            out["few-shot"] = self.few_shot_probs(sequences, vectors, neighbours, exclude_self=exclude_self)
        if self._probe is not None and "probe" in want:
            x = probe_x if probe_x is not None else probe_features(sequences)
            out["probe"] = self._probe.predict_proba(x)
        if self._onehot is not None and "onehot" in want:
            out["onehot"] = self._onehot.predict_proba(sequences)
        if self._cnn is not None and "cnn" in want:
            out["cnn"] = self._cnn.predict_proba(sequences)
        head = self.head_probs(sequences) if "head" in want else None
        if head is not None:
            out["head"] = head
        return out

    def untuned_rows(self) -> np.ndarray | None:
        """Pool rows that neither the checkpoint nor this task's head was tuned on (:mod:`dnahlm.tuned`);
        None when the checkpoint keeps no record of its tuning rows."""
        from dnahlm.tuned import untuned_for_task

        return untuned_for_task(self.model_dir, self.task.name, [e.sequence for e in self.pool.examples])

    @staticmethod
    def _features(components: dict[str, np.ndarray]) -> np.ndarray:
        return np.log(np.clip(np.concatenate(list(components.values()), axis=1), 1e-6, 1.0))

    @property
    def fitted(self) -> bool:
        """Whether ``fused`` is ready to score (fitted here or read from the cache)."""
        return self._fusion is not None

    @property
    def fused_inputs(self) -> list[str]:
        """The inputs of the fitted ``fused`` combination, e.g. ``["instruct", "knn", "few-shot", "probe"]``."""
        return list(self._inputs)

    def load_fit(self) -> bool:
        """Read a matching earlier fit from the cache (``config.cache_dir``); True when one was found."""
        cached = self._cache_path()
        return cached is not None and self._load_fit(cached)

    def fit(
        self, *, use_cache: bool = True, progress: Callable[[str], None] | None = None
    ) -> FewShotPredictor:
        """Fit ``fused`` on a stratified calibration split of the pool, with out-of-sample inputs.

        The calibration split is ``config.calibration`` rows, at most half the pool; the linear probe is
        trained on the other rows for the fit (left out when fewer than :data:`MIN_PROBE_POOL` remain), its
        L2 strength chosen by cross-validation on those rows, then refitted on the whole pool for queries.
        The motif CNN is trained on the same other rows (left out below :data:`MIN_CNN_POOL`) and kept as
        it is: refitting it would cost as much again.
        With ``config.cache_dir`` a matching earlier fit is read back instead (JSON), and a new one is saved
        there.
        """
        cached = self._cache_path()
        if use_cache and cached is not None and self._load_fit(cached):
            return self
        step = progress or (lambda stage: None)
        pool = self.pool.examples
        n_cal = min(self.config.calibration, len(pool) // 2) if len(pool) >= 2 * MIN_PROBE_POOL else len(pool)
        candidates, self.calibrated_on = np.arange(len(pool)), "pool"
        fresh = self.untuned_rows()
        if fresh is not None and len(fresh) < len(pool):
            per_label = np.bincount(self.pool.labels[fresh], minlength=self.pool.labels.max() + 1)
            if all(per_label[label] >= MIN_UNTUNED_PER_LABEL for label in set(self.pool.labels.tolist())):
                candidates, self.calibrated_on = fresh, "untuned rows"
        cal_idx = candidates[_stratified_sample([pool[i] for i in candidates], n_cal, self.config.seed)]
        y = self.pool.labels[cal_idx]
        if len(set(y.tolist())) < 2:
            raise ConfigError(
                f"task {self.task.name}: the pool needs examples of at least two labels to fit 'fused'"
            )
        rest = np.setdiff1d(np.arange(len(pool)), cal_idx)
        self._probe = self._onehot = self._cnn = None
        rest_has_labels = len(set(self.pool.labels[rest].tolist())) >= 2
        if len(rest) >= MIN_PROBE_POOL and rest_has_labels:
            step("k-mer probe")
            probe_x = probe_features([e.sequence for e in pool])
            self._probe = LinearProbe(self.task, c=None, seed=self.config.seed).fit(
                probe_x[rest], self.pool.labels[rest]
            )
            step("one-hot LR")  # bases at exact positions: what promoter windows and splice sites need
            self._onehot = OneHotLR(self.task.label_ids, seed=self.config.seed).fit(
                [pool[i].sequence for i in rest], self.pool.labels[rest]
            )
        if self.config.motif_cnn and len(rest) >= MIN_CNN_POOL and rest_has_labels:
            step("motif CNN")
            self._cnn = MotifCNN(self.task.label_ids, seed=self.config.seed).fit(
                [pool[i].sequence for i in rest], self.pool.labels[rest]
            )
        seqs = [pool[i].sequence for i in cal_idx]
        vecs = self.pool.vectors[cal_idx]
        step("calibration rows")
        parts = self.components(
            seqs, vecs, self.neighbours(seqs, vecs, exclude_self=True),
            only=POOL_INPUTS if self.config.inputs == "fast" else None, exclude_self=True,
            probe_x=None if self._probe is None else probe_x[cal_idx],
        )  # fmt: skip
        self._inputs, self.calibration = self.choose_inputs(parts, y), (parts, y)
        step("combination")
        self._fusion = self.fit_combination({n: parts[n] for n in self._inputs}, y)
        if self._probe is not None:  # as in stacking: the combination was fitted on out-of-sample probe
            # scores; at query time the probe may learn from the whole pool (with the strength chosen above)
            self._probe = LinearProbe(self.task, c=self._probe.c, seed=self.config.seed).fit(
                probe_x, self.pool.labels
            )
        if self._onehot is not None:  # likewise, with the window, anchor and strength chosen above
            o = self._onehot
            self._onehot = OneHotLR(
                self.task.label_ids, length=o.length, anchor=o.anchor, c=o.c, seed=self.config.seed
            ).fit([e.sequence for e in pool], self.pool.labels)
        if cached is not None:
            self._save_fit(cached)
        return self

    def choose_inputs(self, components: dict[str, np.ndarray], labels: np.ndarray) -> list[str]:
        """The inputs ``fused`` combines: all of ``components``, or only the pool-trained ones
        (:data:`POOL_INPUTS`) when their combination has the lower 5-fold cross-validated log-loss on these
        calibration rows (with ``config.inputs="auto"``; it sets :attr:`input_losses`)."""
        names = list(components)
        pool_only = [n for n in names if n in POOL_INPUTS]
        self.input_losses = None
        if self.config.inputs != "auto" or len(pool_only) in (0, len(names)):
            return names
        split = stratified_folds(labels, 5, self.config.seed)
        if split is None:  # too few rows of some label to cross-validate
            return names
        self.input_losses = {
            key: round(
                out_of_fold_log_loss(
                    self._features({n: components[n] for n in subset}), labels, split,
                    c=1.0, standardise=False, seed=self.config.seed,
                ),
                5,
            )
            for key, subset in (("all", names), ("pool only", pool_only))
        }  # fmt: skip
        return pool_only if self.input_losses["pool only"] < self.input_losses["all"] else names

    def fit_combination(self, components: dict[str, np.ndarray], labels: np.ndarray) -> LinearModel:
        """The ``fused`` combination fitted on these inputs (Q, C each) of labelled rows."""
        return LinearModel.fit(self._features(components), labels, c=1.0, seed=self.config.seed)

    def fused_probs(self, components: dict[str, np.ndarray]) -> np.ndarray:
        """The calibrated combination of :meth:`components` (fitted on first use), (Q, C)."""
        if self._fusion is None:
            self.fit()
        missing = [n for n in self._inputs if n not in components]
        if missing:
            raise ConfigError(f"fused was fitted on {self._inputs}, but {missing} are missing now")
        chosen = {n: components[n] for n in self._inputs}
        return self._fusion.predict_proba(self._features(chosen), self.task.label_ids)

    # --------------------------------------------------------------------------------- fit cache
    def _cache_path(self) -> Path | None:
        """Where this predictor's fit is cached: ``<cache_dir>/<sha256 of everything it depends on>.json``.

        Computed once per predictor (it hashes the checkpoint's weights and the whole pool): a service
        asks it on every question about an unfitted pool, to see whether ``dnahlm index fit`` has run."""
        if self._cache_key is None:
            self._cache_key = (self._cache_file(),)
        return self._cache_key[0]

    def _cache_file(self) -> Path | None:
        if not self.config.cache_dir:
            return None
        from dnahlm.files import sha256_file
        from dnahlm.index.embed import embedder_spec

        h = hashlib.sha256()
        weights = sorted(self.model_dir.glob("*.safetensors"))
        head = self.model_dir / "heads" / self.task.name
        weights += sorted(head.glob("*.safetensors")) if head.is_dir() else []
        weights += [f for f in (self.model_dir / "tuned_rows.json", head / "tuned_rows.json") if f.is_file()]
        key = {
            "format": FIT_FORMAT,
            "task": [self.task.name, self.task.kind, sorted(self.task.labels.items()), self.task.instruction],
            "settings": self.config.fit_settings(),
            "embedder": embedder_spec(self.pool.embedder),
            "weights": [sha256_file(w) for w in weights],
        }
        h.update(json.dumps(key, sort_keys=True, default=str).encode())
        for e in self.pool.examples:
            h.update(f"{e.sequence}\t{e.label}\n".encode())
        return Path(self.config.cache_dir).expanduser() / f"fused-{h.hexdigest()[:32]}.json"

    def _save_fit(self, path: Path) -> None:
        from dnahlm.files import write_json_atomic

        write_json_atomic(
            path,
            {
                "format": FIT_FORMAT,
                "task": self.task.name,
                "inputs": self._inputs,
                "fusion": self._fusion.to_json(),
                "probe": None if self._probe is None else self._probe.model.to_json(),
                "probe_c": None if self._probe is None else self._probe.c,
                "onehot": None if self._onehot is None else self._onehot.to_json(),
                "cnn": None if self._cnn is None else self._cnn.to_json(),
                "calibrated_on": self.calibrated_on,
                "input_losses": self.input_losses,
            },
        )

    def _load_fit(self, path: Path) -> bool:
        """Read a cached fit; False (and the fit is redone) when it is missing or unreadable."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FIT_FORMAT:
                return False
            fusion = LinearModel.from_json(data["fusion"])
            probe = None if data["probe"] is None else LinearModel.from_json(data["probe"])
            cnn = None if data["cnn"] is None else MotifCNN.from_json(data["cnn"])
            onehot = None if data["onehot"] is None else OneHotLR.from_json(data["onehot"])
        except (OSError, ValueError, KeyError, TypeError, RuntimeError):
            return False
        self._fusion, self._inputs, self._cnn, self._onehot = fusion, list(data["inputs"]), cnn, onehot
        self.calibrated_on, self.input_losses = data.get("calibrated_on"), data.get("input_losses")
        self._probe = (
            None
            if probe is None
            else LinearProbe(self.task, c=data.get("probe_c"), seed=self.config.seed, model=probe)
        )
        return True

    # --------------------------------------------------------------------------------- API
    def method_probs(
        self, sequences: Sequence[str], methods: Sequence[str] = METHODS, *, fused_inputs: bool = False
    ) -> tuple[dict[str, np.ndarray], list[list[Neighbour]]]:
        """Class probabilities (Q, C) of several methods at once, sharing their inputs; and the neighbours.

        Columns follow ``task.label_ids``. Asking for ``fused`` costs no more than asking for everything;
        with ``fused_inputs`` (and ``fused`` asked for) the result also holds every other input of the
        combination (``probe``, ``cnn``, ``head`` where present), from the same pass.
        """
        unknown = [m for m in methods if m not in METHODS]
        if unknown:
            raise ConfigError(f"unknown method {unknown[0]!r}; choose one of {', '.join(METHODS)}")
        sequences = [normalize(s, record_id=f"query {i + 1}", iupac=True) for i, s in enumerate(sequences)]
        if "" in sequences:
            raise UserInputError(f"query {sequences.index('') + 1} is empty")
        if not sequences:
            return {m: np.zeros((0, len(self.task.labels))) for m in methods}, []
        vectors = self.pool.embed(sequences)
        neighbours = self.neighbours(sequences, vectors)
        if "fused" in methods:
            if self._fusion is None:
                self.fit()
            # the fused inputs, the other methods asked for, and with fused_inputs every candidate
            need = None if fused_inputs else {*self._inputs, *(m for m in methods if m != "fused")}
            parts = self.components(sequences, vectors, neighbours, only=need)
            out = {m: parts[m] for m in methods if m != "fused"}
            out["fused"] = self.fused_probs(parts)
            extra = {k: v for k, v in parts.items() if k not in METHODS} if fused_inputs else {}
            return {m: out[m] for m in methods} | extra, neighbours
        compute = {
            "instruct": lambda: self.instruct_probs(sequences),
            "knn": lambda: self.knn_probs(neighbours),
            "few-shot": lambda: self.few_shot_probs(sequences, vectors, neighbours),
        }
        return {m: compute[m]() for m in methods}, neighbours

    def predict(self, sequences: Sequence[str], method: str = "fused") -> list[Prediction]:
        """Label, probabilities (by label name) and evidence (nearest pool examples) for each sequence.

        Raises:
            ConfigError: an unknown method.
            InvalidSequenceError: a sequence with a letter other than ACGTN (names the query and position).
        """
        probs, neighbours = self.method_probs(sequences, [method])
        return [self._prediction(row, n, method) for row, n in zip(probs[method], neighbours, strict=True)]

    def _prediction(self, row: np.ndarray, neighbours: Sequence[Neighbour], method: str) -> Prediction:
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
        return Prediction.from_probs(self.task, row, method, evidence)


def _stratified_sample(examples: Sequence[Example], n: int, seed: int) -> np.ndarray:
    """Indices of up to ``n`` examples, the same share of each label as in ``examples``, seeded, sorted."""
    if len(examples) <= n:
        return np.arange(len(examples))
    by_label: dict[int, list[int]] = {}
    for i, e in enumerate(examples):
        by_label.setdefault(e.label, []).append(i)
    rng = random.Random(seed)
    out: list[int] = []
    for label in sorted(by_label):
        group = by_label[label]
        take = max(1, round(n * len(group) / len(examples)))
        out.extend(rng.sample(group, min(take, len(group))))
    return np.array(sorted(out), dtype=np.int64)
