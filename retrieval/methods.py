"""Prediction methods as small objects behind one interface, and ``fused``'s fitted state as one value.

Every method answers ``probs(queries, ctx)``: class probabilities (Q, C), columns in ``task.label_ids``
order (``None`` from :class:`Head` when the checkpoint has no head for the task). ``ctx`` (:class:`Context`)
is what the methods share for one batch of queries: the task, its labelled pool, the knobs, the queries'
pool vectors and nearest neighbours (computed once, on first use), and the language model (loaded on
first use, so pool-only methods never load it).

- :class:`Instruct`, :class:`FewShot`: label likelihood of the language model, zero-shot or with similar
  pool examples in the prompt (:func:`dnahlm.scoring.label_probs`: the one truncation policy);
- :class:`Knn`: the similarity-weighted vote of the nearest pool examples;
- :class:`Head`: the checkpoint's classification head for the task;
- :class:`Probe`, :class:`OneHot`, :class:`CNN` (:data:`TRAINED`): learnt from labelled pool rows
  (``train``), refitted for queries on the whole pool with the settings they chose (``refit``), saved as
  JSON.

:class:`FusedFit` is ``fused``: which inputs it combines, the combination (logistic regression on their
log-probabilities, fitted on out-of-sample inputs of calibration rows), the trained inputs, and how it
was calibrated. Fitting it (:meth:`dnahlm.retrieval.predictor.FewShotPredictor.fit`) builds a new value;
nothing on a shared object switches mode while the calibration rows are scored: those rows get their own
``Context`` with ``exclude_self=True``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np

from dnahlm.errors import ConfigError, DataFormatError
from dnahlm.tasks import Example, Task

from .baselines import KmerKNN, OneHotLR, checked_linear, checked_strength
from .calibration import HeldOut, Temperature
from .motif_cnn import MotifCNN, checked_array, checked_int
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

MODEL_INPUTS = ("instruct", "few-shot", "head")
"""Inputs that run the language model."""
POOL_INPUTS = ("knn", "tuned-knn", "probe", "onehot", "cnn")
"""Inputs of ``fused`` learnt from the pool alone, without the language model (``PredictorConfig.inputs``)."""
INPUT_ORDER = ("instruct", "knn", "tuned-knn", "few-shot", "probe", "onehot", "cnn", "head")
"""Column order of ``fused``'s inputs."""


class Context:
    """What the methods share for one batch of queries.

    Args:
        task: the task (label names and ids).
        config: the knobs (:class:`~dnahlm.retrieval.predictor.PredictorConfig`: ``k``, ``shots``,
            ``balanced``, ``temperature``, ``batch_size``).
        queries: the query sequences (normalised).
        pool: the task's labelled pool (None: only the model's methods can run).
        vectors: the queries' pool vectors when already computed (else computed on first use).
        exclude_self: the queries are pool rows (when a fit scores its calibration rows): a query's own
            row is never its neighbour or its example.
        model: returns the loaded checkpoint (:class:`dnahlm.model.LoadedModel`), called on first use.
        model_dir: the checkpoint folder (for its heads), without loading the model.
        device: where a head runs.
    """

    def __init__(
        self,
        task: Task,
        config: Any,
        queries: Sequence[str],
        *,
        pool: ExamplePool | None = None,
        vectors: np.ndarray | None = None,
        exclude_self: bool = False,
        model: Callable[[], Any] | None = None,
        model_dir: Path | None = None,
        device: str | None = None,
    ) -> None:
        self.task = task
        self.config = config
        self.queries = list(queries)
        self.pool = pool
        self.exclude_self = exclude_self
        self.model_dir = model_dir
        self.device = device
        self._model = model
        if vectors is not None:
            self.__dict__["vectors"] = vectors

    @cached_property
    def vectors(self) -> np.ndarray:
        """The queries' pool vectors (Q, D)."""
        return self.need_pool().embed(self.queries)

    @cached_property
    def neighbours(self) -> list[list[Neighbour]]:
        """Enough nearest pool examples per query for every method (kNN vote, few-shot, evidence)."""
        c = self.config
        k = max(c.k, c.shots * len(self.task.labels) * 2, c.evidence)
        return self.need_pool().search(self.queries, k, vectors=self.vectors, exclude_self=self.exclude_self)

    def lm(self) -> tuple[Any, Any]:
        """``(tokenizer, model)`` of the checkpoint, loaded on first use."""
        if self._model is None:
            raise RuntimeError("this context has no language model")
        loaded = self._model()
        return loaded.tokenizer, loaded.model

    def need_pool(self) -> ExamplePool:
        """The task's labelled pool (RuntimeError for a context without one: a model-only task)."""
        if self.pool is None:
            raise RuntimeError(f"task {self.task.name}: this method needs a labelled pool")
        return self.pool


def batch_size(ctx: Context) -> int:
    """The batch size the language model and heads run with: a whole number of 1 or more (a smaller one
    would score no row and leave the zeros a uniform softmax makes of them)."""
    b = ctx.config.batch_size
    if isinstance(b, bool) or not isinstance(b, int) or b < 1:
        raise ConfigError(f"batch size {b!r}: must be a whole number of 1 or more (DNAHLM_BATCH_SIZE)")
    return b


class Method(Protocol):
    """A prediction method: ``probs(queries, ctx)`` -> (Q, C), or None where it does not apply."""

    name: str

    def probs(self, queries: Sequence[str], ctx: Context) -> np.ndarray | None: ...


# ------------------------------------------------------------------------------------- language model
class Instruct:
    """Zero-shot label likelihood of the instruction-tuned model."""

    name = "instruct"

    def probs(self, queries: Sequence[str], ctx: Context) -> np.ndarray:
        from dnahlm.scoring import label_probs  # torch: only when the language model scores

        size = batch_size(ctx)  # refused before the model loads
        tokenizer, model = ctx.lm()
        return label_probs(tokenizer, model, ctx.task, queries, batch_size=size)


class FewShot:
    """Label likelihood with the most similar pool examples in the prompt (balanced across labels, least
    similar first, fitted into the context by :func:`dnahlm.scoring.label_probs`)."""

    name = "few-shot"

    def probs(self, queries: Sequence[str], ctx: Context) -> np.ndarray:
        from dnahlm.scoring import label_probs

        size = batch_size(ctx)
        tokenizer, model = ctx.lm()
        shots = self.shots(queries, ctx)
        return label_probs(tokenizer, model, ctx.task, queries, shots, batch_size=size)

    @staticmethod
    def shots(queries: Sequence[str], ctx: Context) -> list[list[Example]]:
        """Few-shot examples per query, least similar first (the most similar sits next to the query).

        Balanced: the best ``shots // labels`` of each label; otherwise the ``shots`` nearest neighbours.
        """
        n = ctx.config.shots
        if ctx.config.balanced:
            per = max(1, n // len(ctx.task.labels))
            chosen = ctx.need_pool().search(
                queries, per, vectors=ctx.vectors, exclude_self=ctx.exclude_self, per_label=True
            )
        else:
            chosen = [list(h) for h in ctx.neighbours]
        return [[h.example for h in reversed(hits[:n])] for hits in chosen]


class Head:
    """The checkpoint's classification head for the task (looked up once). ``strict``: a missing head,
    or one trained on other labels, is an error; otherwise :meth:`probs` returns None then."""

    name = "head"

    def __init__(self, *, strict: bool = False) -> None:
        self.strict = strict
        self._heads: dict[str, Any] = {}

    def probs(self, queries: Sequence[str], ctx: Context) -> np.ndarray | None:
        name = ctx.task.name
        if name not in self._heads:
            from dnahlm.heads import TaskHead

            self._heads[name] = TaskHead.load(
                ctx.model_dir, ctx.task, device=ctx.device, strict=self.strict,
                batch_size=batch_size(ctx),
            )  # fmt: skip
        head = self._heads[name]
        return None if head is None else np.asarray(head(list(queries)))


# ------------------------------------------------------------------------------------- pool
class Knn:
    """Similarity-weighted vote of the ``k`` nearest pool examples (:func:`.pool.knn_probs`)."""

    name = "knn"

    def probs(self, queries: Sequence[str], ctx: Context) -> np.ndarray:
        top = [n[: ctx.config.k] for n in ctx.neighbours]
        return knn_probs(ctx.task, top, temperature=ctx.config.temperature)


class Trained:
    """A method learnt from labelled pool rows; subclasses set ``name`` and ``min_rows``."""

    name: ClassVar[str]
    step: ClassVar[str]
    """What a fit's progress line calls it."""
    min_rows: ClassVar[int]
    """Training rows (outside the calibration split) it needs to be included in ``fused``."""

    @classmethod
    def wanted(cls, config: Any) -> bool:
        """Whether ``config`` includes this input."""
        return True

    @classmethod
    def train(cls, task: Task, sequences: Sequence[str], labels: np.ndarray, seed: int) -> Trained:
        """Train (and tune, by cross-validation on these rows only) on labelled rows."""
        raise NotImplementedError

    def refit(self, task: Task, sequences: Sequence[str], labels: np.ndarray, seed: int) -> Trained:
        """The same method with the settings chosen in :meth:`train`, fitted on these (more) rows."""
        return self

    def probs(self, queries: Sequence[str], ctx: Context) -> np.ndarray:
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_json(cls, data: dict[str, Any], task: Task, seed: int) -> Trained:
        raise NotImplementedError


class TunedKnn(Trained):
    """A vote of the nearest pool rows by canonical k-mer profile (:class:`.baselines.KmerKNN`), its
    k-mer size, neighbours and temperature chosen by leave-one-out log-loss on the training rows. The
    fixed ``knn`` (the pool's 5-mer vectors, 16 neighbours) is what a retrieval reads; on the TF pools
    the chosen vote (3-mers, 32-64 neighbours) was 0.09-0.11 MCC better alone. Only the settings are
    saved: the vote is rebuilt from the context's pool on first use (a 3-mer profile of 30,000 rows
    takes 0.1 s)."""

    name = "tuned-knn"
    step = "tuned kNN"
    min_rows = 40

    def __init__(self, model: KmerKNN | None, settings: dict[str, Any]) -> None:
        self.model = model  # None (read back from JSON): rebuilt from the context's pool when first asked
        self.settings = settings

    @classmethod
    def train(cls, task: Task, sequences: Sequence[str], labels: np.ndarray, seed: int) -> TunedKnn:
        model = KmerKNN(task.label_ids, seed=seed).fit(list(sequences), labels)
        return cls(
            model, {"kmer": model.kmer, "neighbours": model.neighbours, "temperature": model.temperature}
        )

    def refit(self, task: Task, sequences: Sequence[str], labels: np.ndarray, seed: int) -> TunedKnn:
        return TunedKnn(
            KmerKNN(task.label_ids, seed=seed, **self.settings).fit(list(sequences), labels), self.settings
        )

    def probs(self, queries: Sequence[str], ctx: Context) -> np.ndarray:
        if self.model is None:
            pool = ctx.need_pool()
            self.model = KmerKNN(ctx.task.label_ids, **self.settings).fit(
                [e.sequence for e in pool.examples], pool.labels
            )
        return self.model.predict_proba(list(queries))

    def to_json(self) -> dict[str, Any]:
        return dict(self.settings)

    @classmethod
    def from_json(cls, data: dict[str, Any], task: Task, seed: int) -> TunedKnn:
        temperature = checked_strength(data["temperature"], "tuned kNN temperature")
        settings = {"kmer": checked_int(data["kmer"], "tuned kNN kmer", high=12),
                    "neighbours": checked_int(data["neighbours"], "tuned kNN neighbours", high=100_000),
                    "temperature": temperature}  # fmt: skip
        return cls(None, settings)


class Probe(Trained):
    """Logistic regression on position-aware k-mer vectors (:func:`.pool.probe_features`), its L2
    strength chosen by cross-validation on the training rows."""

    name = "probe"
    step = "k-mer probe"
    min_rows = 40

    def __init__(self, probe: LinearProbe) -> None:
        self.probe = probe

    @property
    def c(self) -> float:
        return self.probe.c

    @classmethod
    def train(cls, task: Task, sequences: Sequence[str], labels: np.ndarray, seed: int) -> Probe:
        return cls(LinearProbe(task, c=None, seed=seed).fit(probe_features(sequences), labels))

    def refit(self, task: Task, sequences: Sequence[str], labels: np.ndarray, seed: int) -> Probe:
        return Probe(LinearProbe(task, c=self.c, seed=seed).fit(probe_features(sequences), labels))

    def probs(self, queries: Sequence[str], ctx: Context) -> np.ndarray:
        return self.probe.predict_proba(probe_features(queries))

    def to_json(self) -> dict[str, Any]:
        return {"c": self.c, "model": self.probe.model.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any], task: Task, seed: int) -> Probe:
        model = checked_linear(data["model"], "probe model", task.label_ids, _probe_dim())
        return cls(LinearProbe(task, c=checked_strength(data["c"], "probe c"), seed=seed, model=model))


def _probe_dim() -> int:
    """Columns of :func:`.pool.probe_features` (what a saved probe's weights must have)."""
    return int(probe_features(["ACGT"]).shape[1])


class _Saved(Trained):
    """A trained input that is one model with ``predict_proba(sequences)`` and ``to_json`` /
    ``from_json`` (``model_class``)."""

    model_class: ClassVar[Any]

    def __init__(self, model: Any) -> None:
        self.model = model

    def probs(self, queries: Sequence[str], ctx: Context) -> np.ndarray:
        return self.model.predict_proba(list(queries))

    def to_json(self) -> dict[str, Any]:
        return self.model.to_json()

    @classmethod
    def from_json(cls, data: dict[str, Any], task: Task, seed: int) -> Trained:
        model = cls.model_class.from_json(data)
        if sorted(model.label_ids) != sorted(task.label_ids):
            raise DataFormatError(
                f"{cls.step}: fitted for labels {model.label_ids}, the task has {list(task.label_ids)}"
            )
        return cls(model)


class OneHot(_Saved):
    """Position-specific one-hot logistic regression (:class:`.baselines.OneHotLR`: bases at exact places;
    window, anchor and strength chosen by cross-validation on the training rows)."""

    name = "onehot"
    step = "one-hot LR"
    min_rows = 40
    model_class = OneHotLR

    @classmethod
    def train(cls, task: Task, sequences: Sequence[str], labels: np.ndarray, seed: int) -> OneHot:
        return cls(OneHotLR(task.label_ids, seed=seed).fit(list(sequences), labels))

    def refit(self, task: Task, sequences: Sequence[str], labels: np.ndarray, seed: int) -> OneHot:
        m = self.model
        again = OneHotLR(task.label_ids, length=m.length, anchor=m.anchor, c=m.c, seed=seed)
        return OneHot(again.fit(list(sequences), labels))


class CNN(_Saved):
    """The motif CNN (:mod:`.motif_cnn`), trained on the pool. It is kept as trained for queries:
    refitting it on the whole pool would cost as much again."""

    name = "cnn"
    step = "motif CNN"
    min_rows = 500
    model_class = MotifCNN

    @classmethod
    def wanted(cls, config: Any) -> bool:
        return bool(config.motif_cnn)

    @classmethod
    def train(cls, task: Task, sequences: Sequence[str], labels: np.ndarray, seed: int) -> CNN:
        return cls(MotifCNN(task.label_ids, seed=seed).fit(list(sequences), labels))


TRAINED: dict[str, type[Trained]] = {cls.name: cls for cls in (TunedKnn, Probe, OneHot, CNN)}
"""The trained inputs of ``fused``, by name, in column order."""


def train_inputs(
    task: Task, sequences: Sequence[str], labels: np.ndarray, config: Any,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Trained]:  # fmt: skip
    """Every trained input ``config`` wants whose ``min_rows`` these rows reach (none with one label)."""
    if len(set(labels.tolist())) < 2:
        return {}
    out = {}
    for name, cls in TRAINED.items():
        if cls.wanted(config) and len(sequences) >= cls.min_rows:
            if progress:
                progress(cls.step)
            out[name] = cls.train(task, sequences, labels, config.seed)
    return out


def score_inputs(
    methods: Mapping[str, Method], queries: Sequence[str], ctx: Context, only: Collection[str] | None = None
) -> dict[str, np.ndarray]:
    """``{name: (Q, C)}`` of the ``methods`` (those in ``only``), in :data:`INPUT_ORDER`; a method that
    does not apply (a head the checkpoint lacks) is left out."""
    out = {}
    for name in sorted(methods, key=INPUT_ORDER.index):
        if only is None or name in only:
            p = methods[name].probs(queries, ctx)
            if p is not None:
                out[name] = p
    return out


# ------------------------------------------------------------------------------------- fused
def _checked_summary(data: Any) -> dict[str, Any] | None:
    """A kept pool summary, checked (a damaged one is a :class:`DataFormatError`, so the fit is refitted)."""
    if data is None:
        return None
    from dnahlm.domain import Domain

    if not isinstance(data, dict) or not isinstance(data.get("knn"), str):
        raise DataFormatError("pool_summary: expected a domain and a knn line")
    Domain.from_json(data.get("domain"), "pool_summary")
    return {"domain": data["domain"], "knn": data["knn"]}


def features(inputs: Mapping[str, np.ndarray]) -> np.ndarray:
    """``fused``'s features of its inputs: their log-probabilities side by side (clipped at 1e-6)."""
    return np.log(np.clip(np.concatenate(list(inputs.values()), axis=1), 1e-6, 1.0))


def fit_combination(inputs: Mapping[str, np.ndarray], labels: np.ndarray, seed: int) -> LinearModel:
    """The ``fused`` combination fitted on these inputs (Q, C each) of labelled rows."""
    return LinearModel.fit(features(inputs), labels, c=1.0, seed=seed)


def choose_inputs(
    inputs: Mapping[str, np.ndarray], labels: np.ndarray, mode: str, seed: int
) -> tuple[list[str], dict[str, float] | None]:
    """The inputs ``fused`` combines and, for ``mode="auto"``, the losses it chose by.

    All of ``inputs`` (``full``; ``fast`` gets only pool inputs to start with), or with ``auto`` only the
    pool-trained ones (:data:`POOL_INPUTS`) when their combination has the lower 5-fold cross-validated
    log-loss on these calibration rows.
    """
    names = list(inputs)
    pool_only = [n for n in names if n in POOL_INPUTS]
    if mode != "auto" or len(pool_only) in (0, len(names)):
        return names, None
    split = stratified_folds(labels, 5, seed)
    if split is None:  # too few rows of some label to cross-validate
        return names, None
    losses = {
        key: round(
            out_of_fold_log_loss(
                features({n: inputs[n] for n in subset}), labels, split, c=1.0, standardise=False, seed=seed
            ),
            5,
        )
        for key, subset in (("all", names), ("pool only", pool_only))
    }
    return (pool_only if losses["pool only"] < losses["all"] else names), losses


def stratified_sample(examples: Sequence[Example], n: int, seed: int) -> np.ndarray:
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


@dataclass
class FusedFit:
    """A fitted ``fused``: saved as JSON (:meth:`to_json`), read back without refitting."""

    inputs: list[str]
    """The inputs it combines, in column order, e.g. ``["knn", "probe", "onehot", "cnn"]``."""
    combination: LinearModel
    """Logistic regression on the inputs' log-probabilities (:func:`features`)."""
    trained: dict[str, Trained]
    """The trained inputs, as refitted for queries."""
    calibrated_on: str
    """``"untuned rows"`` (pool rows the checkpoint was not tuned on) or ``"pool"``."""
    calibration_rows: list[int]
    """The pool rows the combination was fitted on."""
    input_losses: dict[str, float] | None = None
    """With ``inputs="auto"``: the cross-validated log-loss of each input set it chose from."""
    calibration: tuple[dict[str, np.ndarray], np.ndarray] | None = field(default=None, repr=False)
    """After a fit (not one read back): the calibration rows' out-of-sample inputs and labels (for
    diagnostics such as ``scripts/fused_ablation.py``)."""
    held_out: HeldOut | None = None
    """The fit judged on held-out rows: held-out MCC, calibration error, the temperature applied to its
    probabilities, conformal scores (None: too few rows of a label)."""
    held_out_rows: list[int] = field(default_factory=list)
    """The pool rows kept out of the whole fit to judge it (empty for a small pool, whose record is
    cross-fitted on the calibration rows)."""
    pool_summary: dict[str, Any] | None = None
    """The pool's domain summary and knn's leave-one-out line (:func:`.trust.pool_summary`) as JSON,
    computed at fit time so a fitted pool's first question does not pay for it."""

    def combine(self, inputs: Mapping[str, np.ndarray], label_ids: Sequence[int]) -> np.ndarray:
        """``fused``'s probabilities (Q, C) from its inputs' (any extra inputs are ignored)."""
        missing = [n for n in self.inputs if n not in inputs]
        if missing:
            raise ConfigError(f"fused was fitted on {self.inputs}, but {missing} are missing now")
        probs = self.combination.predict_proba(features({n: inputs[n] for n in self.inputs}), label_ids)
        return Temperature(self.held_out.temperature)(probs) if self.held_out else probs

    def to_json(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs,
            "combination": self.combination.to_json(),
            "trained": {name: m.to_json() for name, m in self.trained.items()},
            "calibrated_on": self.calibrated_on,
            "calibration_rows": self.calibration_rows,
            "input_losses": self.input_losses,
            "held_out": self.held_out.to_json() if self.held_out else None,
            "held_out_rows": self.held_out_rows,
            "pool_summary": self.pool_summary,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], task: Task, seed: int) -> FusedFit:
        """Read a saved fit back, checked: its inputs known and each once, the trained inputs it names
        present, every shape consistent with the task's labels and the stored dimensions, every number
        finite.

        Raises:
            DataFormatError: what is wrong (KeyError, TypeError: parts missing or of the wrong kind).
        """
        if not isinstance(data, dict):
            raise DataFormatError("not a saved fit (a JSON object)")
        inputs = data["inputs"]
        if not isinstance(inputs, list) or not inputs or len(set(map(str, inputs))) != len(inputs):
            raise DataFormatError(f"inputs {inputs!r}: expected a list of distinct input names")
        unknown = [n for n in inputs if n not in INPUT_ORDER]
        if unknown:
            raise DataFormatError(f"unknown inputs {unknown} (known: {', '.join(INPUT_ORDER)})")
        saved = data["trained"]
        if not isinstance(saved, dict) or any(name not in TRAINED for name in saved):
            raise DataFormatError(f"trained inputs {list(saved)!r}: expected some of {', '.join(TRAINED)}")
        missing = [n for n in inputs if n in TRAINED and n not in saved]
        if missing:
            raise DataFormatError(f"the combination uses {missing}, but they are not saved")
        trained = {name: TRAINED[name].from_json(d, task, seed) for name, d in saved.items()}
        labels = list(task.label_ids)
        combination = checked_linear(data["combination"], "combination", labels, len(inputs) * len(labels))
        calibrated_on = data["calibrated_on"]
        if calibrated_on not in ("pool", "untuned rows"):
            raise DataFormatError(f"calibrated_on {calibrated_on!r}: expected 'pool' or 'untuned rows'")
        losses = data.get("input_losses")
        if losses is not None:
            if not isinstance(losses, dict):
                raise DataFormatError("input_losses: expected a JSON object")
            losses = {str(k): float(checked_array(v, f"input loss {k!r}", ())) for k, v in losses.items()}
        return cls(
            inputs=[str(n) for n in inputs],
            combination=combination,
            trained=trained,
            calibrated_on=calibrated_on,
            calibration_rows=[checked_int(i, "calibration_rows", low=0) for i in data["calibration_rows"]],
            input_losses=losses,
            held_out=None if data.get("held_out") is None else HeldOut.from_json(data["held_out"]),
            held_out_rows=[checked_int(i, "held_out_rows", low=0) for i in data.get("held_out_rows", [])],
            pool_summary=_checked_summary(data.get("pool_summary")),
        )
