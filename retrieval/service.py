"""The one road to a prediction: ``predict(task, sequences, index=..., pool=..., method=...)``.

``dnahlm predict``, ``dnahlm eval``, the agent's ``predict`` tool and the UI's Predict page all come here,
so the same sequence, task and pool get the same probabilities whichever way they are asked.
:class:`PredictionService` owns, in one place each:

- **task resolution**: a task's name in the index, a kind or its everyday words (``"tf binding"``,
  ``"splice site"``: :func:`dnahlm.tasks.kind_of`) for the index's first task of that kind, or a task the
  checkpoint was instruction-tuned on;
- **where the labelled pool comes from**: given with ``pool=`` (a CSV read by the caller, an upload), or
  the task's examples in the index;
- **windowing**: a query much longer than the pool's examples is scored in windows of their median
  length (:func:`windows`), and the window most likely to hold the positive label is reported, with its
  place in :attr:`~dnahlm.types.Prediction.window`;
- **the tuned-head fallback**: without a pool, a task the checkpoint was tuned on is scored by its
  classification head where it has one (else zero-shot label likelihood, ``instruct``);
- **fits**: ``fused`` is fitted once per pool and model and kept as JSON under ``DNAHLM_HOME/fits``
  (:class:`~dnahlm.retrieval.predictor.FewShotPredictor`). A pool given with ``pool=`` is fitted when
  first asked; an index's pools are fitted when they are added (``dnahlm index add``, ``dnahlm index
  fit``: :meth:`PredictionService.fit`), never inside a question: an index pool without a fit is
  answered with ``knn`` and the prediction's ``note`` says so. A kept fit is checked when read back
  (format, shapes against the task's labels, finite numbers): a damaged one counts as no fit, and the
  note says why; a fit that cannot be written (a read-only home) is used once, with a note;
- **the final guard** (:func:`check_predictions`): every probability returned is finite, in [0, 1], and
  each prediction's sum to 1; anything else is a one-line error, never a printed ``NaN``;
- **the method names** (:data:`METHODS`).

Example:
    .. code-block:: python

        from dnahlm.retrieval.service import predict

        p = predict("promoter", ["ACGT..."], index="my-index")[0]
        print(p.task, p.label_name, p.probs, p.window, p.note)
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dnahlm.errors import ConfigError, UserInputError
from dnahlm.sequences import normalize
from dnahlm.tasks import Example, Task, kind_of, positive_label
from dnahlm.types import METHODS, Prediction

from .calibration import Temperature
from .trust import head_basis, judge, pool_basis

FALLBACK = "knn"
"""What an index pool without a ``fused`` fit is answered with: no fit, no language model, milliseconds."""
KIND_WIDTH = {"promoter": 300, "core-promoter": 70, "tf-binding": 101, "splice": 400}
"""Window length (bp) of the GUE tasks of each kind: how long sequences are cut without a pool to measure."""
MAX_WINDOWS = 64
"""A long query is scored in at most this many windows of the pool's length (evenly spread)."""


def windows(length: int, width: int) -> list[tuple[int, int]]:
    """The whole sequence when short; else up to :data:`MAX_WINDOWS` windows of ``width`` spread over it."""
    if length <= width * 1.5:
        return [(0, length)]
    n = min(MAX_WINDOWS, (length - width) // max(1, width // 2) + 1)
    starts = [round(i * (length - width) / max(1, n - 1)) for i in range(n)]
    return [(s, s + width) for s in starts]


@dataclass
class _Source:
    """A resolved task and how it is predicted: from a pool (``predictor``) or the checkpoint alone."""

    task: Task
    predictor: Any = None  # FewShotPredictor over the pool; None: a tuned task without a pool
    from_index: bool = False


class PredictionService:
    """Predictions for tasks over one index (optional) and one checkpoint, with everything built once.

    Args:
        index: knowledge index folder whose ``examples`` collection holds labelled pools (optional).
        store: an open :class:`~dnahlm.index.store.KnowledgeStore` instead of ``index``.
        model: checkpoint folder (None: ``DNAHLM_MODEL``, else the embedded dnahlm-tiny).
        loaded: the checkpoint already loaded (:func:`dnahlm.model.load_model`), to share it.
        settings: runtime settings (default: :func:`dnahlm.settings.get_settings`); its ``prediction``
            section holds every knob (k, shots, evidence, calibration, inputs, cache).
        device: torch device for the checkpoint and its heads.
    """

    def __init__(
        self,
        index: str | Path | None = None,
        *,
        store: Any = None,
        model: str | Path | None = None,
        loaded: Any = None,
        settings: Any = None,
        device: str | None = None,
    ) -> None:
        from dnahlm.settings import get_settings

        self.settings = settings or get_settings()
        self._index = Path(index) if index is not None else None
        self._store = store
        self.model_path = Path(model) if model is not None else self.settings.default_model_path()
        if model is not None and loaded is None:  # a folder the user named: refuse a bad one now, in one
            from dnahlm.checkfiles import check_checkpoint  # line, before any fit (it loads lazily)

            check_checkpoint(self.model_path)
        self._loaded = loaded
        self.device = device
        self._sources: dict[str, _Source] = {}
        self._pools: dict[tuple[str, int], Any] = {}  # (task name, id of the pool list) -> predictor
        self._head: Any = None  # the checkpoint's heads, strict (methods.Head), made on first use
        self._head_bases: dict[tuple[str, str], Any] = {}  # (task, method) -> trust.Basis, read once

    # ------------------------------------------------------------------------------------ resources
    @property
    def has_index(self) -> bool:
        return self._store is not None or self._index is not None

    @property
    def store(self) -> Any:
        if self._store is None:
            if self._index is None:
                raise UserInputError("no knowledge index is available: pass --index DIR (or DNAHLM_INDEX)")
            from dnahlm.index.store import KnowledgeStore

            self._store = KnowledgeStore(self._index)
        return self._store

    @property
    def loaded(self) -> Any:
        """The checkpoint, loaded on first use."""
        if self._loaded is None:
            from dnahlm.model import load_model

            self._loaded = load_model(self.model_path, device=self.device)
        return self._loaded

    def config(self) -> Any:
        """The predictor settings every caller shares (``settings.prediction``)."""
        from .predictor import PredictorConfig

        s = self.settings.prediction
        values = {
            "k": s.k,
            "shots": s.shots,
            "evidence": s.evidence,
            "calibration": s.calibration,
            "motif_cnn": s.motif_cnn,
            "inputs": s.fused_inputs,
            "batch_size": self.settings.batch_size,
            "cache_dir": str(self.settings.fits_dir()) if s.cache_fits else None,
        }
        return PredictorConfig(**values)

    # ------------------------------------------------------------------------------------ tasks
    def index_tasks(self) -> list[str]:
        """Names of the tasks with a labelled pool in the index (empty without an index)."""
        if not self.has_index or "examples" not in self.store.collections:
            return []
        return sorted(str(v) for v, _ in self.store.values("examples", "task"))

    def resolve(self, task: str) -> str:
        """The name of the task ``task`` means: a task in the index (by name, or the first of that kind),
        else a task the checkpoint was tuned on (by name or kind).

        Raises:
            UserInputError: neither the index nor the checkpoint knows it (the message lists the tasks).
        """
        return self._source(task).task.name

    def task(self, task: str) -> Task:
        """The :class:`~dnahlm.tasks.Task` (labels, kind, instruction) that ``task`` resolves to."""
        return self._source(task).task

    def _source(self, task: str) -> _Source:
        if task not in self._sources:
            self._sources[task] = self._find(task)
        return self._sources[task]

    def _find(self, asked: str) -> _Source:
        names = self.index_tasks()
        kind = kind_of(asked)
        name = asked if asked in names else None
        if name is None and kind is not None:
            by_kind = (
                sorted(str(v) for v, _ in self.store.values("examples", "task", {"task_kind": kind}))
                if names
                else []
            )
            name = by_kind[0] if by_kind else None
        if name is not None:
            from .pool import examples_from_store, task_from_store
            from .predictor import FewShotPredictor

            t = task_from_store(self.store, name)
            predictor = FewShotPredictor(
                t,
                examples_from_store(self.store, t),
                model=self._loaded,
                model_path=self.model_path,
                config=self.config(),
                device=self.device,
            )
            return _Source(t, predictor, from_index=True)
        tuned = self._tuned(asked, kind)
        if tuned is not None:
            return _Source(tuned)
        where = f"the index (tasks: {', '.join(names)})" if names else "the index" if self.has_index else ""
        known = ", ".join(sorted(self._tuned_tasks())) or "none"
        raise UserInputError(
            f"no labelled pool for task {asked!r}"
            + (f" in {where}" if where else " (no index)")
            + f", and the checkpoint was not tuned on it (tuned tasks: {known})"
        )

    def _tuned_tasks(self) -> dict[str, Any]:
        from dnahlm.model import read_meta

        return read_meta(self.model_path).get("sft", {}).get("tasks", {})

    def _tuned(self, asked: str, kind: str | None) -> Task | None:
        tuned = self._tuned_tasks()
        names = [asked] if asked in tuned else sorted(n for n, t in tuned.items() if t.get("kind") == kind)
        if not names:
            return None
        spec = tuned[names[0]]
        return Task(names[0], spec["kind"], {int(i): name for i, name in spec["labels"].items()})

    def predictor(self, task: str | Task, pool: Sequence[Example] | None = None) -> Any:
        """The :class:`~dnahlm.retrieval.predictor.FewShotPredictor` behind ``task``'s predictions: over
        ``pool`` when given (built once per pool object), else over the index's pool (None for a task
        the checkpoint alone predicts)."""
        if pool is None:
            return None if isinstance(task, Task) else self._source(task).predictor
        if not isinstance(task, Task):
            raise ConfigError("a labelled pool needs its Task (label names), not just a name")
        key = (task.name, id(pool))
        if key not in self._pools:
            from .predictor import FewShotPredictor

            self._pools[key] = FewShotPredictor(
                task,
                pool,
                model=self._loaded,
                model_path=self.model_path,
                config=self.config(),
                device=self.device,
            )
        return self._pools[key]

    # ------------------------------------------------------------------------------------ predict
    def predict(
        self,
        task: str | Task,
        sequences: Sequence[str],
        *,
        pool: Sequence[Example] | None = None,
        method: str | None = None,
        window: bool = True,
        progress: Callable[[int, int], None] | None = None,
        coverage: float | None = None,
    ) -> list[Prediction]:
        """One :class:`~dnahlm.types.Prediction` per sequence, judged (:func:`.trust.judge`): ``call`` is
        False with a ``caveat`` when a sequence lies outside the data the prediction rests on, and
        ``reliability`` states the method's measured record on this task.

        Args:
            task: a task name or kind to resolve in the index / checkpoint, or a :class:`Task` (with
                ``pool``).
            sequences: DNA (ACGTN and IUPAC codes; case and spaces ignored).
            pool: the labelled pool to predict from (instead of the index's).
            method: one of :data:`METHODS` (default ``settings.prediction.method``).
            window: score long sequences in windows of the pool's median length (False: whole).
            progress: called with ``(done, total)`` as sequences are finished.
            coverage: also give each prediction's conformal set at this coverage (e.g. 0.9).

        Raises:
            UserInputError: a bad sequence (names the query and position), an unknown task or method.
        """
        method = method or self.settings.prediction.method
        if method not in METHODS:
            raise ConfigError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
        seqs = [normalize(s, record_id=f"query {i + 1}", iupac=True) for i, s in enumerate(sequences)]
        if "" in seqs:
            raise UserInputError(f"query {seqs.index('') + 1} is empty")
        note = None
        if pool is not None:
            predictor, from_index = self.predictor(task, pool), False
        elif isinstance(task, Task):  # a task the caller defined, without a pool: the checkpoint alone
            if method not in ("instruct", "classifier"):
                raise ConfigError(
                    f"method {method!r} needs a labelled pool to retrieve from (--train / --pool)"
                )
            return self._tuned_predictions(task, seqs, method, window, progress, coverage=coverage)
        else:
            src = self._source(task)
            predictor, from_index = src.predictor, src.from_index
            if predictor is None:
                return self._tuned_predictions(src.task, seqs, method, window, progress, coverage=coverage)
        if method == "classifier":
            return self._tuned_predictions(
                predictor.task, seqs, method, window, progress, len(predictor.pool), coverage=coverage
            )
        if method == "fused" and from_index and not predictor.fitted and not predictor.load_fit():
            damaged = f" ({predictor.cache_note})" if predictor.cache_note else ""
            note = (
                f"'fused' is not fitted for task {predictor.task.name} on this index and model yet{damaged}; "
                f"answered with {FALLBACK} (run `dnahlm index fit` to fit it once)"
            )
            method = FALLBACK
        elif method == "fused" and not predictor.fitted:  # a pool given here: fitted when first asked
            predictor.fit()
            note = predictor.cache_note  # a damaged kept fit replaced, or a fit that could not be kept
        width = _median_length(predictor.pool.examples) if window else None

        def score(parts: list[str]) -> list[Prediction]:
            return predictor.predict(parts, method=method)

        preds = _windowed(predictor.task, seqs, width, score, len(predictor.pool), note, progress)
        return judge(predictor.task, preds, seqs, pool_basis(predictor, method), coverage)

    def _tuned_predictions(
        self, task: Task, seqs: list[str], method: str, window: bool,
        progress: Callable[[int, int], None] | None, pool_size: int = 0, *, coverage: float | None = None,
    ) -> list[Prediction]:  # fmt: skip
        """A task the checkpoint was tuned on, scored by its head (``classifier``; the default where it
        has one: more accurate than label likelihood on five of the six GUE tasks, see the model card),
        else zero-shot label likelihood (``instruct``). No pool, so no evidence."""
        from dnahlm.heads import list_heads

        has_head = task.name in list_heads(self.model_path)
        if method == "classifier" and not has_head:
            raise UserInputError(
                f"the checkpoint {self.model_path} has no classification head for {task.name}"
            )
        use = "classifier" if has_head and method != "instruct" else "instruct"
        note = (
            None
            if use == method or pool_size
            else f"no labelled pool for {task.name}: {use} of the checkpoint"
        )

        key = (task.name, use)
        if key not in self._head_bases:  # the head's record and the card, read once per service
            self._head_bases[key] = head_basis(self.model_path, task, use)
        basis = self._head_bases[key]
        # a head with a held-out record: its probabilities rescaled by the temperature fitted there
        scale = Temperature(basis.held.temperature if basis.held else 1.0)

        def score(parts: list[str]) -> list[Prediction]:
            rows = scale(self._tuned_probs(task, parts, use))
            return [Prediction.from_probs(task, row, use) for row in rows]

        width = KIND_WIDTH.get(task.kind, 300) if window else None
        preds = _windowed(task, seqs, width, score, pool_size, note, progress)
        return judge(task, preds, seqs, basis, coverage)

    def _tuned_probs(self, task: Task, parts: list[str], method: str) -> Any:
        """The checkpoint's own method (``instruct`` or ``classifier``) on these sequences, by the same
        method objects a predictor uses (:mod:`.methods`)."""
        from .methods import Context, Head, Instruct

        if method == "instruct":
            scorer: Any = Instruct()
        else:
            self._head = scorer = self._head or Head(strict=True)
        ctx = Context(
            task, self.config(), parts, model=lambda: self.loaded, model_dir=self.model_path,
            device=self.device,
        )  # fmt: skip
        return scorer.probs(parts, ctx)

    def mutagenesis(
        self,
        task: str | Task,
        sequence: str,
        *,
        pool: Sequence[Example] | None = None,
        method: str | None = None,
        label: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Any:
        """In-silico mutagenesis (:func:`dnahlm.retrieval.mutagenesis.mutagenesis`) through this road: for
        every position and alternative base, the change in the probability of ``label`` (default: the
        task's positive label), with the same method, pool and fallbacks as :meth:`predict` (the whole
        sequence is scored: no windows)."""
        import numpy as np

        from .mutagenesis import mutagenesis

        t = task if isinstance(task, Task) else self.task(task)
        names = t.label_names
        chosen = label or positive_label(names)
        if chosen not in names:
            raise UserInputError(f"task {t.name} has no label {chosen!r} (labels: {', '.join(names)})")

        def probs(seqs: Sequence[str]) -> np.ndarray:
            preds = self.predict(task, seqs, pool=pool, method=method, window=False)
            return np.array([[p.probs[n] for n in names] for p in preds])

        return mutagenesis(sequence, probs, names.index(chosen), labels=names, progress=progress)

    # ------------------------------------------------------------------------------------ fits
    def fit(self, task: str, *, refit: bool = False, progress: Callable[[str], None] | None = None) -> Any:
        """Fit ``fused`` for an index task now (or read its fit back), so questions never wait for it.

        Returns the predictor (``fused_inputs``, ``calibrated_on`` say what was fitted).
        """
        src = self._source(task)
        if src.predictor is None:
            raise UserInputError(f"task {task!r} has no labelled pool in the index to fit 'fused' on")
        p = src.predictor
        if refit or not (p.fitted or p.load_fit()):
            p.fit(use_cache=not refit, progress=progress)
            if not p.fit_kept and p.config.cache_dir:  # questions never fit: a fit not kept is lost
                raise ConfigError(
                    f"task {p.task.name}: 'fused' was fitted, but {p.cache_note}; questions are answered "
                    f"with {FALLBACK} until it can be kept (make {p.config.cache_dir} writable)"
                )
        return p


def _median_length(examples: Sequence[Example]) -> int:
    lengths = sorted(len(e.sequence) for e in examples)
    return lengths[len(lengths) // 2]


CHUNK = 256
"""Windows scored per call of a method (the progress callback runs between chunks)."""


def _windowed(
    task: Task,
    seqs: list[str],
    width: int | None,
    score: Callable[[list[str]], list[Prediction]],
    pool_size: int,
    note: str | None,
    progress: Callable[[int, int], None] | None,
) -> list[Prediction]:
    """Score every sequence (cut into windows of ``width`` when long; whole with None) in chunks of
    :data:`CHUNK` windows, and report each sequence's best window (:func:`_best`)."""
    spans = [windows(len(s), width) if width else [(0, len(s))] for s in seqs]
    parts = [s[a:b] for s, sp in zip(seqs, spans, strict=True) for a, b in sp]
    ends = list(itertools.accumulate(len(sp) for sp in spans))
    preds: list[Prediction] = []
    for start in range(0, len(parts), CHUNK):
        chunk = parts[start : start + CHUNK]
        preds.extend(check_predictions(task, score(chunk), len(chunk)))
        if progress is not None:  # sequences whose every window is scored
            progress(bisect.bisect_right(ends, start + len(chunk)), len(seqs))
    out, at = [], 0
    for sp in spans:
        out.append(_best(task, preds[at : at + len(sp)], sp, pool_size, note))
        at += len(sp)
    return out


PROB_TOLERANCE = 1e-3
"""How far a prediction's probabilities may sum from 1 (they are rounded nowhere before this check)."""


def check_predictions(task: Task, preds: list[Prediction], expected: int) -> list[Prediction]:
    """The final guard on every probability this service returns: one prediction per sequence scored,
    one probability per label of the task, each finite and in [0, 1], summing to 1 (within
    :data:`PROB_TOLERANCE`). A damaged fit, head or setting that slipped past the checks on loading is
    an error here, never a printed ``NaN`` or a silent fallback.

    Raises:
        UserInputError: naming the task and the method, and what to check.
    """
    if len(preds) != expected:
        raise UserInputError(
            f"task {task.name}: {expected} sequences scored but {len(preds)} predictions came back; "
            "check the batch size setting (DNAHLM_BATCH_SIZE)"
        )
    names = task.label_names
    for p in preds:
        values = [p.probs.get(n) for n in names]
        ok = len(p.probs) == len(names) and all(
            isinstance(v, float) and math.isfinite(v) and -PROB_TOLERANCE <= v <= 1.0 + PROB_TOLERANCE
            for v in values
        )
        if not ok or abs(math.fsum(values) - 1.0) > PROB_TOLERANCE:
            raise UserInputError(
                f"task {task.name}: method {p.method!r} gave class probabilities that are not finite "
                "numbers in [0, 1] summing to 1; a damaged fit, head or setting: refit with --no-cache, "
                "check the checkpoint's heads and the DNAHLM_ settings"
            )
    return preds


def _best(
    task: Task, preds: list[Prediction], spans: list[tuple[int, int]], pool_size: int, note: str | None
) -> Prediction:
    """The window most likely to hold the positive label, with where it is."""
    positive = positive_label(task.label_names)
    best = max(range(len(preds)), key=lambda i: preds[i].probs[positive])
    return preds[best].model_copy(
        update={
            "window": spans[best] if len(spans) > 1 else None,
            "windows": len(spans),
            "pool_size": pool_size,
            "note": note,
        }
    )


def predict(
    task: str | Task,
    sequences: Sequence[str],
    *,
    index: str | Path | None = None,
    pool: Sequence[Example] | None = None,
    method: str | None = None,
    model: str | Path | None = None,
    settings: Any = None,
) -> list[Prediction]:
    """Predict ``task`` for ``sequences`` from a labelled ``pool`` or the task's pool in ``index`` (see
    :class:`PredictionService`; build one yourself to reuse its loaded model and fits across calls)."""
    service = PredictionService(index, model=model, settings=settings)
    return service.predict(task, sequences, pool=pool, method=method)


__all__ = [
    "FALLBACK", "METHODS", "PredictionService", "check_predictions", "positive_label", "predict", "windows",
]  # fmt: skip
