"""``FewShotPredictor``: a label, class probabilities and the evidence for each query sequence.

The methods themselves are objects in :mod:`.methods` (one ``probs(queries, ctx)`` interface); the
predictor holds a pool, those objects and ``fused``'s fitted state (:class:`.methods.FusedFit`).

Methods (fixed spellings, see :data:`dnahlm.types.METHODS`; :mod:`.service` is the one road to them):

- ``instruct``: zero-shot label likelihood of the instruction-tuned model (:mod:`dnahlm.scoring`);
- ``knn``: similarity-weighted vote of the ``k`` most similar pool examples (:mod:`.pool`);
- ``few-shot``: label likelihood with the most similar pool examples in the prompt, balanced across labels
  and fitted into the context with the real tokenizer;
- ``fused``: multinomial logistic regression on the log-probabilities of the methods above, of a tuned
  k-mer kNN vote (:class:`.methods.TunedKnn`: k-mer size, neighbours and temperature chosen by
  leave-one-out on the pool), of a linear probe on the pool's position-aware k-mer vectors (:func:`.pool.probe_features`; its L2 strength chosen by
  cross-validation on the pool), of a position-specific one-hot logistic regression
  (:class:`.baselines.OneHotLR`: bases at exact places, window anchor and strength chosen by cross-validation
  on the pool; it lifted splice MCC from 0.541 to 0.663), of a motif CNN trained on the pool (:mod:`.motif_cnn`; pools of at least
  :data:`MIN_CNN_POOL` rows), and of the task's classification head
  when the checkpoint has one with the same labels. It is fitted on a calibration split of the pool only:
  the tuned kNN, the probe, the one-hot LR and the CNN are trained on the rest of the pool, and for the calibration rows kNN and few-shot
  see the pool without the row itself, so the fit sees out-of-sample scores. It needs nothing but the labelled pool, so
  it works for a task the model has never been tuned on. For a task the checkpoint *was* tuned on, the
  pool is often its tuning data, and the model scores its own tuning rows better than new ones; so when the
  checkpoint records the rows it was tuned on (:mod:`dnahlm.tuned`) and the pool has at least
  :data:`MIN_UNTUNED_PER_LABEL` other rows of each label, the calibration rows are drawn from those.
  :attr:`FewShotPredictor.calibrated_on` says which happened. :attr:`PredictorConfig.inputs` says which
  inputs it combines: ``fast`` (the default) only the pool-trained ones (the two kNN votes, probe, one-hot LR, CNN: no language-model
  pass, so it fits and scores in a fraction of the time), ``full`` also the model's, ``auto`` whichever
  has the lower cross-validated log-loss on the calibration rows.
"""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from dnahlm.errors import ConfigError, DataFormatError, UserInputError
from dnahlm.sequences import normalize
from dnahlm.tasks import Example, Task, positive_label
from dnahlm.types import METHODS as ALL_METHODS
from dnahlm.types import Evidence, Prediction

from . import methods as m
from .calibration import held_out, judge
from .methods import CNN, POOL_INPUTS, Context, FewShot, FusedFit, Head, Instruct, Knn, Probe, Trained
from .pool import ExamplePool, LinearModel, Neighbour

METHODS = tuple(name for name in ALL_METHODS if name != "classifier")
"""The methods a labelled pool serves (``classifier`` is the checkpoint's head alone: the service runs it)."""
FIT_FORMAT = 10
"""Version of the cached ``fused`` fit files."""
MIN_PROBE_POOL = Probe.min_rows
"""Pool rows (outside the calibration split) needed to train the linear probe that ``fused`` includes."""
MIN_CNN_POOL = CNN.min_rows
"""Pool rows (outside the calibration split) needed to train the motif CNN that ``fused`` includes."""
MAX_FIT_BYTES = 256 * 2**20
"""The largest fit file read back (a fit with the motif CNN is a few MB)."""
MIN_UNTUNED_PER_LABEL = 20
HELD_OUT_ROWS = 500
"""Pool rows kept out of a ``fused`` fit to judge it (held-out MCC, calibration, conformal sets); twice
as many from pools of :data:`LARGE_POOL` rows or more (a coverage measured on 500 rows varies by about
1.8 points at 80%, on 1,000 by 1.3)."""
LARGE_POOL = 10_000
MIN_HELD_OUT_POOL = 2000
"""Smaller pools keep no rows out: their record is cross-fitted on the calibration rows instead."""
"""Rows of every label the checkpoint was not tuned on that a pool needs for ``fused`` to calibrate on them."""
__all__ = ["METHODS", "POOL_INPUTS", "FewShotPredictor", "PredictorConfig"]


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
    model's inputs moved MCC by -0.020 to +0.017 on the six GUE tasks at 42x the cost
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

    The methods are objects (:mod:`.methods`, ``self.methods`` and the fit's trained inputs), each
    answering ``probs(queries, ctx)``; ``fused``'s fitted state is one value (:attr:`fit_state`, a
    :class:`~.methods.FusedFit`), cached as JSON.

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
        self.methods: dict[str, m.Method] = {
            "instruct": Instruct(), "knn": Knn(), "few-shot": FewShot(), "head": Head()
        }  # fmt: skip
        """The methods that need no training on the pool (the trained ones belong to the fit)."""
        self._fit: FusedFit | None = None
        self._cache_key: tuple[Path | None] | None = None  # the fit cache's file, once computed
        self.cache_note: str | None = None
        """What went wrong with the fit cache in the last :meth:`load_fit` or :meth:`fit` (a kept fit
        that was damaged and discarded, a new fit that could not be kept), in one line; None when
        nothing did."""
        self.fit_kept: bool = False
        """Whether the fit in use is in the cache (read from it, or written to it by :meth:`fit`)."""

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

    def context(
        self, sequences: Sequence[str], vectors: np.ndarray | None = None, *, exclude_self: bool = False
    ) -> Context:
        """The :class:`~.methods.Context` the methods score these (normalised) sequences in."""
        return Context(
            self.task, self.config, sequences, pool=self.pool, vectors=vectors, exclude_self=exclude_self,
            model=lambda: self.model, model_dir=self.model_dir, device=self._device,
        )  # fmt: skip

    @cached_property
    def summary(self) -> tuple[Any, str]:
        """The pool's domain summary and knn's leave-one-out reliability in words
        (:func:`.trust.pool_summary`): kept with the fit when there is one (computed when it was fitted),
        else computed on first use."""
        from dnahlm.domain import Domain

        from .trust import pool_summary

        kept = self._fit.pool_summary if self._fit is not None else None
        if kept is not None:
            return Domain.from_json(kept["domain"], "fit, pool_summary"), str(kept["knn"])
        return pool_summary(self)

    # --------------------------------------------------------------------------------- fitted state
    @property
    def fit_state(self) -> FusedFit | None:
        """``fused`` as fitted (here or read from the cache), or None before."""
        return self._fit

    @property
    def fitted(self) -> bool:
        """Whether ``fused`` is ready to score (fitted here or read from the cache)."""
        return self._fit is not None

    @property
    def fused_inputs(self) -> list[str]:
        """The inputs of the fitted ``fused`` combination, e.g. ``["knn", "probe", "onehot", "cnn"]``."""
        return [] if self._fit is None else list(self._fit.inputs)

    @property
    def trained(self) -> dict[str, Trained]:
        """The fit's trained inputs (probe, onehot, cnn where the pool is large enough), by name."""
        return {} if self._fit is None else dict(self._fit.trained)

    @property
    def calibrated_on(self) -> str | None:
        """After :meth:`fit`: ``"untuned rows"`` (pool rows the checkpoint was not tuned on) or ``"pool"``."""
        return None if self._fit is None else self._fit.calibrated_on

    @property
    def input_losses(self) -> dict[str, float] | None:
        """After :meth:`fit` with ``inputs="auto"``: the cross-validated log-loss of each input set
        ``fused`` chose from (None when there was no choice)."""
        return None if self._fit is None else self._fit.input_losses

    @property
    def calibration(self) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
        """After a :meth:`fit` (not one read from the cache): the out-of-sample inputs of the calibration
        rows and their labels, which the combination was fitted on."""
        return None if self._fit is None else self._fit.calibration

    # --------------------------------------------------------------------------------- inputs
    def components(
        self,
        ctx: Context,
        only: Collection[str] | None = None,
        *,
        trained: Mapping[str, Trained] | None = None,
    ) -> dict[str, np.ndarray]:
        """Every input of ``fused`` (or those in ``only``), (Q, C) each, for the queries of ``ctx``:
        instruct, knn, few-shot, the ``trained`` inputs (default: the fit's) and the head where present."""
        available = {**self.methods, **(self.trained if trained is None else trained)}
        return m.score_inputs(available, ctx.queries, ctx, only)

    def untuned_rows(self) -> np.ndarray | None:
        """Pool rows that neither the checkpoint nor this task's head was tuned on (:mod:`dnahlm.tuned`);
        None when the checkpoint keeps no record of its tuning rows."""
        from dnahlm.tuned import untuned_for_task

        return untuned_for_task(self.model_dir, self.task.name, [e.sequence for e in self.pool.examples])

    def choose_inputs(
        self, components: Mapping[str, np.ndarray], labels: np.ndarray
    ) -> tuple[list[str], dict[str, float] | None]:
        """The inputs ``fused`` combines, and the losses it chose by (:func:`.methods.choose_inputs`)."""
        return m.choose_inputs(components, labels, self.config.inputs, self.config.seed)

    def fit_combination(self, components: Mapping[str, np.ndarray], labels: np.ndarray) -> LinearModel:
        """The ``fused`` combination fitted on these inputs (Q, C each) of labelled rows."""
        return m.fit_combination(components, labels, self.config.seed)

    # --------------------------------------------------------------------------------- fit
    def load_fit(self) -> bool:
        """Read a matching earlier fit from the cache (``config.cache_dir``); True when one was found.

        A kept fit that is damaged (unreadable, another format, shapes that do not match the task, numbers
        that are not finite) is never used: False, and :attr:`cache_note` says why."""
        self.cache_note = None
        cached = self._cache_path()
        return cached is not None and self._load_fit(cached)

    def fit(
        self, *, use_cache: bool = True, progress: Callable[[str], None] | None = None
    ) -> FewShotPredictor:
        """Fit ``fused`` on a stratified calibration split of the pool, with out-of-sample inputs.

        The calibration split is ``config.calibration`` rows, at most half the pool. The trained inputs
        (:data:`.methods.TRAINED`: probe, one-hot LR, motif CNN; each left out below its ``min_rows``) are
        trained and tuned on the other rows, so they score the calibration rows out of sample, as kNN and
        few-shot do by leaving each row's own example out; after the combination is fitted they are
        refitted on the whole pool with the settings they chose (the CNN is kept: refitting it would cost
        as much again). With ``config.cache_dir`` a matching earlier fit is read back instead (JSON), and
        a new one is saved there. A kept fit that is damaged is refitted, and a new fit that cannot be
        written is still used; :attr:`cache_note` says which happened (:attr:`fit_kept`: whether it was
        kept).
        """
        self.cache_note = None
        cached = self._cache_path()
        if use_cache and cached is not None and self._load_fit(cached):
            return self
        self._fit = self._new_fit(progress or (lambda stage: None))
        self.fit_kept = cached is not None and self._save_fit(cached)
        return self

    def _candidates(self, exclude: np.ndarray) -> tuple[np.ndarray, str]:
        """Rows a calibration or held-out draw may take (outside ``exclude``): with inputs that read the
        checkpoint, untuned rows when every label has enough of them (a model scores its tuning rows too
        well); else, and always for ``fast`` inputs, the whole pool, so the drawn rows are like any query
        (rows the tuning sampler left over need not have the pool's label shares); and which of the two."""
        labels = self.pool.labels
        everything = np.setdiff1d(np.arange(len(labels)), exclude)
        if self.config.inputs == "fast":  # no input reads the model: every row is as new to the fit as any
            return everything, "pool"
        fresh = self.untuned_rows()
        if fresh is not None and len(fresh) < len(labels):
            fresh = np.setdiff1d(fresh, exclude)
            per_label = np.bincount(labels[fresh], minlength=labels.max() + 1)
            if all(per_label[label] >= MIN_UNTUNED_PER_LABEL for label in set(labels.tolist())):
                return fresh, "untuned rows"
        return everything, "pool"

    def _held_out_rows(self) -> np.ndarray:
        """Pool rows kept out of the whole fit, to judge it as new queries are judged (:data:`HELD_OUT_ROWS`,
        pools of :data:`MIN_HELD_OUT_POOL` rows or more; none for smaller pools)."""
        pool = self.pool.examples
        if len(pool) < MIN_HELD_OUT_POOL:
            return np.zeros(0, dtype=np.int64)
        candidates, _ = self._candidates(np.zeros(0, dtype=np.int64))
        n = min(HELD_OUT_ROWS * (2 if len(pool) >= LARGE_POOL else 1), len(candidates) // 3)
        picked = m.stratified_sample([pool[i] for i in candidates], n, self.config.seed + 1)
        return np.sort(candidates[picked])

    def _calibration_split(self, exclude: np.ndarray | None = None) -> tuple[np.ndarray, str]:
        """The calibration rows (pool indices, none of ``exclude``) and what they were drawn from."""
        exclude = np.zeros(0, dtype=np.int64) if exclude is None else exclude
        pool = self.pool.examples
        usable = len(pool) - len(exclude)
        n_cal = min(self.config.calibration, usable // 2) if usable >= 2 * MIN_PROBE_POOL else usable
        candidates, drawn_from = self._candidates(exclude)
        rows = candidates[m.stratified_sample([pool[i] for i in candidates], n_cal, self.config.seed)]
        return rows, drawn_from

    def _new_fit(self, step: Callable[[str], None]) -> FusedFit:
        pool, labels, seed = self.pool.examples, self.pool.labels, self.config.seed
        reserve = self._held_out_rows()
        cal, drawn_from = self._calibration_split(reserve)
        y = labels[cal]
        if len(set(y.tolist())) < 2:
            raise ConfigError(
                f"task {self.task.name}: the pool needs examples of at least two labels to fit 'fused'"
            )
        rest = np.setdiff1d(np.arange(len(pool)), np.concatenate([cal, reserve]))
        trained = m.train_inputs(self.task, [pool[i].sequence for i in rest], labels[rest], self.config, step)
        step("calibration rows")
        ctx = self.context([pool[i].sequence for i in cal], self.pool.vectors[cal], exclude_self=True)
        only = POOL_INPUTS if self.config.inputs == "fast" else None
        parts = self.components(ctx, only, trained=trained)
        names, losses = self.choose_inputs(parts, y)
        step("combination")
        combination = self.fit_combination({n: parts[n] for n in names}, y)
        label_names = self.task.label_names
        positive = label_names.index(positive_label(label_names)) if len(label_names) == 2 else None
        # as in stacking: the combination saw out-of-sample scores; for queries the trained inputs may
        # learn from every row but the held-out ones, with the settings they chose on the other rows
        keep = np.setdiff1d(np.arange(len(pool)), reserve)
        sequences = [pool[i].sequence for i in keep]
        trained = {name: t.refit(self.task, sequences, labels[keep], seed) for name, t in trained.items()}
        fit = FusedFit(names, combination, trained, drawn_from, cal.tolist(), losses, (parts, y))
        domain, knn_line = self.summary  # kept with the fit: a fitted pool's first question skips it
        fit.pool_summary = {"domain": domain.to_json(), "knn": knn_line}
        if len(reserve):  # judged on rows no part of the fit saw, scored exactly as a new query is
            step("held-out rows")
            ctx = self.context(
                [pool[i].sequence for i in reserve], self.pool.vectors[reserve], exclude_self=True
            )
            inputs = self.components(ctx, names, trained=trained)
            raw = combination.predict_proba(m.features({n: inputs[n] for n in names}), self.task.label_ids)
            truth = np.array([self.task.label_ids.index(int(v)) for v in labels[reserve]])
            fit.held_out = judge(raw, truth, positive=positive, kind="held-out pool rows")
            fit.held_out_rows = reserve.tolist()
        else:  # a small pool: the combination cross-fitted on its own calibration rows
            fit.held_out = held_out(
                m.features({n: parts[n] for n in names}), y, self.task.label_ids, positive=positive, seed=seed
            )
        return fit

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

    def _save_fit(self, path: Path) -> bool:
        """Keep the fit in the cache; False, with :attr:`cache_note` saying why, when it cannot be written
        (a read-only home, a full disk, a folder in the file's place): the fit is still used, only not
        kept."""
        from dnahlm.files import write_json_atomic

        try:
            write_json_atomic(path, {"format": FIT_FORMAT, "task": self.task.name, **self._fit.to_json()})
        except OSError as exc:
            self._note(f"the fit could not be kept in {path} ({_reason(exc)}); it is refitted next time")
            return False
        return True

    def _load_fit(self, path: Path) -> bool:
        """Read a cached fit; False (and the fit is redone) when it is missing, unreadable or damaged; a
        damaged one is named in :attr:`cache_note`."""
        if not path.exists() and not path.is_symlink():
            return False
        try:
            st = path.stat()
            if not stat.S_ISREG(st.st_mode):  # a folder, or a FIFO that would never answer
                raise DataFormatError(
                    "a folder, not a fit file" if stat.S_ISDIR(st.st_mode) else "not a regular file"
                )
            if st.st_size > MAX_FIT_BYTES:
                raise DataFormatError(f"larger than {MAX_FIT_BYTES // 2**20} MB")
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise DataFormatError("not a saved fit (a JSON object)")
            if data.get("format") != FIT_FORMAT:
                raise DataFormatError(f"format {data.get('format')!r}, expected {FIT_FORMAT}")
            if data.get("task") != self.task.name:
                raise DataFormatError(f"fitted for task {data.get('task')!r}, not {self.task.name!r}")
            fit = FusedFit.from_json(data, self.task, self.config.seed)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RuntimeError) as exc:
            self._note(f"the kept fit {path} is damaged and was not used ({_reason(exc)})")
            return False
        self._fit, self.fit_kept = fit, True
        return True

    def _note(self, text: str) -> None:
        self.cache_note = f"{self.cache_note}; {text}" if self.cache_note else text

    # --------------------------------------------------------------------------------- API
    def method_probs(
        self, sequences: Sequence[str], methods: Sequence[str] = METHODS, *, fused_inputs: bool = False
    ) -> tuple[dict[str, np.ndarray], list[list[Neighbour]]]:
        """Class probabilities (Q, C) of several methods at once, sharing their inputs; and the neighbours.

        Columns follow ``task.label_ids``. Asking for ``fused`` costs no more than asking for everything;
        with ``fused_inputs`` (and ``fused`` asked for) the result also holds every other input of the
        combination (``probe``, ``onehot``, ``cnn``, ``head`` where present), from the same pass.
        """
        unknown = [name for name in methods if name not in METHODS]
        if unknown:
            raise ConfigError(f"unknown method {unknown[0]!r}; choose one of {', '.join(METHODS)}")
        sequences = [normalize(s, record_id=f"query {i + 1}", iupac=True) for i, s in enumerate(sequences)]
        if "" in sequences:
            raise UserInputError(f"query {sequences.index('') + 1} is empty")
        if not sequences:
            return {name: np.zeros((0, len(self.task.labels))) for name in methods}, []
        ctx = self.context(sequences)
        others = [name for name in methods if name != "fused"]
        if "fused" not in methods:
            parts = self.components(ctx, others)
            return {name: parts[name] for name in methods}, ctx.neighbours
        if self._fit is None:
            self.fit()
        # the fused inputs, the other methods asked for, and with fused_inputs every candidate
        parts = self.components(ctx, None if fused_inputs else {*self._fit.inputs, *others})
        out = {name: parts[name] for name in others}
        out["fused"] = self._fit.combine(parts, self.task.label_ids)
        extra = {k: v for k, v in parts.items() if k not in METHODS} if fused_inputs else {}
        return {name: out[name] for name in methods} | extra, ctx.neighbours

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


def _reason(exc: BaseException) -> str:
    """An exception as a short phrase for a note: its message on one line (a KeyError: the key missing)."""
    if isinstance(exc, KeyError):
        return f"{exc.args[0]!r} missing" if exc.args else "a part is missing"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = " ".join(str(exc).split())[:200]
    return text or type(exc).__name__
