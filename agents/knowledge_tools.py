"""Agent tools that read a knowledge index and the model: task prediction, similar annotated sequences,
paper search. Like the :mod:`dnahlm.bio` functions behind :mod:`.sequence_tools` they are pure (no writes except the fit cache under
``DNAHLM_HOME``, no network) and return pydantic results.

:class:`KnowledgeTools` holds the index, the model path and a predictor per task, built on first use.

Example:
    .. code-block:: python

        from dnahlm.agents.knowledge_tools import KnowledgeTools

        kt = KnowledgeTools(index="my-index")
        print(kt.predict("ACGT...", task="promoter").label)
        print([h.citation for h in kt.similar("ATGAAACGC...").hits])
        print([p.citation for p in kt.papers("NF-kB binding sites in promoters").passages])
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from dnahlm.bio.align import align_identity
from dnahlm.errors import UserInputError
from dnahlm.sequences import normalize
from dnahlm.types import Evidence

KIND_ALIASES = {
    "promoter": "promoter",
    "core-promoter": "core-promoter",
    "core promoter": "core-promoter",
    "tf-binding": "tf-binding",
    "tf binding": "tf-binding",
    "transcription factor binding": "tf-binding",
    "splice": "splice",
    "splice site": "splice",
}
KIND_WIDTH = {"promoter": 300, "core-promoter": 70, "tf-binding": 101, "splice": 400}
"""Window length (bp) of the GUE tasks of each kind: how long sequences are cut without a pool to measure."""
MAX_WINDOWS = 64
"""A long query is scored in at most this many windows of the pool's length (evenly spread)."""


# ------------------------------------------------------------------------------------------ results
class PredictionResult(BaseModel):
    """A task's prediction for a sequence (for a long one: its best-scoring window)."""

    task: str
    kind: str
    method: str
    label: str
    probs: dict[str, float]
    window: tuple[int, int] | None = Field(
        default=None, description="0-based [start, end) of the scored window"
    )
    windows: int = Field(default=1, description="windows scored")
    pool_size: int
    evidence: list[Evidence] = Field(default_factory=list, description="nearest labelled pool examples")


class SimilarHit(BaseModel):
    """An indexed annotated sequence like the query, with pairwise identity for the top hits."""

    citation: str
    name: str | None = None
    organism: str | None = None
    feature_type: str | None = None
    location: str | None = None
    similarity: float = Field(description="cosine similarity of k-mer profiles")
    identity: float | None = Field(default=None, description="pairwise local-alignment identity, 0..1")
    coverage: float | None = Field(default=None, description="share of the shorter sequence aligned")


class SimilarResult(BaseModel):
    hits: list[SimilarHit]


class PaperPassage(BaseModel):
    citation: str
    title: str | None = None
    text: str
    score: float


class PaperResult(BaseModel):
    query: str
    passages: list[PaperPassage]
    source: str = Field(
        default="index",
        description="'index' (papers in the knowledge index) or the built-in JASPAR annotations",
    )
    retrieved: int = Field(default=0, description="Passages the search returned, before the relevance test")
    subjects: str = Field(default="", description="What the question is about, in its own words")


# ------------------------------------------------------------------------------------------ arguments
class PredictArgs(BaseModel):
    sequence: str = Field(description="DNA sequence (A, C, G, T, N)")
    task: str = Field(
        description="promoter, core-promoter, tf-binding, splice, or the name of a task in the index"
    )
    method: Literal["instruct", "knn", "few-shot", "fused"] = "fused"


class SimilarArgs(BaseModel):
    sequence: str = Field(description="DNA sequence (A, C, G, T, N)")
    k: int = Field(default=5, ge=1, le=50)
    align_top: int = Field(default=3, ge=0, le=10, description="hits to align for identity")


class PaperArgs(BaseModel):
    query: str = Field(description="what to look for in the indexed papers")
    k: int = Field(default=4, ge=1, le=20)


class KnowledgeTools:
    """Prediction, similar-sequence and paper-search tools over one index and one checkpoint.

    Args:
        index: the knowledge index folder (None: the tools say that no index is available).
        model: checkpoint folder (None: the embedded dnahlm-tiny).
        store: an open :class:`~dnahlm.index.store.KnowledgeStore` instead of ``index``.
        calibration: pool rows ``fused`` is fitted on (fewer than the predictor's default: an agent fits on
            first use, then reads the fit back from ``DNAHLM_HOME/fits``).
    """

    def __init__(
        self,
        index: str | Path | None = None,
        *,
        model: str | Path | None = None,
        store: Any = None,
        calibration: int = 120,
    ):
        self._index = Path(index) if index is not None else None
        self._store = store
        self.model = model
        self.calibration = calibration
        self._predictors: dict[str, Any] = {}
        self._task_names: dict[str, str] = {}  # asked-for task or kind -> its pool's name (one query each)
        self._retrievers: dict[str, Any] = {}  # built once: BM25 indexes the papers, MiniLM loads once
        self._loaded: Any = None
        self._heads: dict[str, Any] = {}  # classification heads of the checkpoint, loaded on first use

    @property
    def store(self) -> Any:
        if self._store is None:
            if self._index is None:
                raise UserInputError("no knowledge index is available: pass --index DIR (or DNAHLM_INDEX)")
            from dnahlm.index.store import KnowledgeStore

            self._store = KnowledgeStore(self._index)
        return self._store

    # ------------------------------------------------------------------------------------ predict
    def resolve_task(self, task: str) -> str:
        """A task name in the index for a kind (``promoter`` -> the first promoter task) or a name."""
        if task not in self._task_names:
            self._task_names[task] = self._resolve_task(task)
        return self._task_names[task]

    def _resolve_task(self, task: str) -> str:
        names = (
            [str(v) for v, _ in self.store.values("examples", "task")]
            if "examples" in self.store.collections
            else []
        )
        if task in names:
            return task
        kind = KIND_ALIASES.get(task.lower().strip())
        if kind is not None:
            by_kind = sorted(str(v) for v, _ in self.store.values("examples", "task", {"task_kind": kind}))
            if by_kind:
                return by_kind[0]
        known = ", ".join(names) or "none"
        raise UserInputError(f"no labelled pool for task {task!r} in the index (tasks: {known})")

    def predictor(self, task: str) -> Any:
        name = self.resolve_task(task)
        if name not in self._predictors:
            from dnahlm.retrieval.pool import examples_from_store, task_from_store
            from dnahlm.retrieval.predictor import FewShotPredictor, PredictorConfig
            from dnahlm.settings import get_settings

            t = task_from_store(self.store, name)
            config = PredictorConfig(
                evidence=3, calibration=self.calibration, cache_dir=str(get_settings().home / "fits")
            )
            self._predictors[name] = FewShotPredictor(
                t, examples_from_store(self.store, t), model=self._model(), config=config
            )
        return self._predictors[name]

    def _model(self) -> Any:
        if self._loaded is None:
            from dnahlm.model import load_model

            self._loaded = load_model(self.model)
        return self._loaded

    def _model_path(self) -> Path:
        from dnahlm.settings import get_settings

        return Path(self.model) if self.model is not None else get_settings().default_model_path()

    def prepare(self, task: str, method: str = "fused") -> None:
        """Fit ``fused`` for ``task`` now, or read its cached fit, so that :meth:`predict` only scores.

        The first question about a task fits it: on two CPU cores about a minute for a 1,400-row pool,
        most of it the two motif CNNs. The agent runs this under its own, longer time limit. Nothing to do
        for the other methods, or when the index has no pool for the task (``predict`` then says why).
        """
        if method != "fused":
            return
        try:
            p = self.predictor(task)
        except UserInputError:
            return
        if not p.fitted:
            p.fit()

    def predict(self, sequence: str, task: str, method: str = "fused") -> PredictionResult:
        """Predict ``task`` for ``sequence`` from the task's labelled pool in the index (label, class
        probabilities, nearest labelled examples). A sequence much longer than the pool's examples is
        scored in windows of their length and the window most likely to be a positive is reported. Without
        an index or a pool for the task, a task the checkpoint was tuned on is scored zero-shot instead."""
        seq = normalize(sequence, record_id="the sequence", iupac=True)
        if not seq:
            raise UserInputError("the sequence is empty")
        try:
            p = self.predictor(task)
        except UserInputError:  # no index, or no pool for the task in it
            tuned = self._tuned_task(task)
            if tuned is None:
                raise
            return self._predict_tuned(seq, tuned)
        width = sorted(len(e.sequence) for e in p.pool.examples)[len(p.pool) // 2]
        windows = _windows(len(seq), width)
        preds = p.predict([seq[a:b] for a, b in windows], method=method)
        return self._result(p.task, method, preds, windows, len(p.pool))

    def _tuned_task(self, task: str) -> Any:
        """A task the checkpoint was instruction-tuned on, by name or kind (None when it has none)."""
        from dnahlm.model import read_meta
        from dnahlm.tasks import Task

        tuned = read_meta(self._model_path()).get("sft", {}).get("tasks", {})
        kind = KIND_ALIASES.get(task.lower().strip())
        names = [task] if task in tuned else sorted(n for n, t in tuned.items() if t.get("kind") == kind)
        if not names:
            return None
        spec = tuned[names[0]]
        return Task(names[0], spec["kind"], {int(i): name for i, name in spec["labels"].items()})

    def _predict_tuned(self, seq: str, task: Any) -> PredictionResult:
        """A task the checkpoint was tuned on, without a pool: its classification head when it has one
        (more accurate than label likelihood on five of the six GUE tasks, higher MCC on four; see the
        model card), else zero-shot label likelihood. No pool, so no evidence."""
        from dnahlm.heads import classify_probs, list_heads, load_classifier
        from dnahlm.scoring import predict_labels
        from dnahlm.types import Prediction

        path = self._model_path()
        windows = _windows(len(seq), KIND_WIDTH.get(task.kind, 300))
        parts = [seq[a:b] for a, b in windows]
        if task.name not in list_heads(path):  # the language model only when there is no head
            m = self._model()
            preds = predict_labels(m.model, m.tokenizer, task, parts)
            return self._result(task, "instruct", preds, windows, 0)
        if task.name not in self._heads:
            model, tokenizer, _ = load_classifier(path, task.name)
            self._heads[task.name] = (model, tokenizer)
        probs = classify_probs(*self._heads[task.name], parts)
        preds = [Prediction.from_probs(task, row, "classifier") for row in probs]
        return self._result(task, "classifier", preds, windows, 0)

    @staticmethod
    def _result(
        task: Any, method: str, preds: list[Any], windows: list[tuple[int, int]], pool: int
    ) -> PredictionResult:
        positive = positive_label(task.label_names)
        best = max(range(len(preds)), key=lambda i: preds[i].probs[positive])
        pred = preds[best]
        return PredictionResult(
            task=task.name,
            kind=task.kind,
            method=method,
            label=pred.label_name,
            probs=pred.probs,
            window=windows[best] if len(windows) > 1 else None,
            windows=len(windows),
            pool_size=pool,
            evidence=pred.evidence,
        )

    # ------------------------------------------------------------------------------------ similar
    def similar(self, sequence: str, k: int = 5, align_top: int = 3) -> SimilarResult:
        """Indexed annotated sequences (genes, features, records) most like ``sequence`` by k-mer profile,
        each with organism, feature type and location; the top ``align_top`` also get pairwise identity."""
        from dnahlm.retrieval.qa import citation_id
        from dnahlm.retrieval.retrievers import SequenceRetriever

        seq = normalize(sequence, record_id="the sequence", iupac=True)
        if not seq:
            raise UserInputError("the sequence is empty")
        if "sequences" not in self.store.collections:
            raise UserInputError(
                "the index has no annotated sequences (add FASTA/GenBank with `dnahlm index add`)"
            )
        if "sequences" not in self._retrievers:
            self._retrievers["sequences"] = SequenceRetriever(store=self.store, collections=["sequences"])
        docs = self._retrievers["sequences"].invoke(seq[:20_000], k=k)
        hits = []
        for i, d in enumerate(docs):
            m = d.metadata
            identity = coverage = None
            if i < align_top:
                a = align_identity(seq[:5000], d.page_content[:5000])
                identity, coverage = a.identity, a.coverage
            hits.append(
                SimilarHit(
                    citation=citation_id(m, d.id or ""),
                    name=m.get("name"),
                    organism=m.get("organism"),
                    feature_type=m.get("feature_type"),
                    location=m.get("location"),
                    similarity=round(float(m.get("score", 0.0)), 4),
                    identity=identity,
                    coverage=coverage,
                )
            )
        return SimilarResult(hits=hits)

    # ------------------------------------------------------------------------------------ papers
    def papers(self, query: str, k: int = 4) -> PaperResult:
        """Paper passages about ``query`` (BM25 and MiniLM retrieval fused by reciprocal rank), each with
        its citation (PMID, DOI or PMC id). Without papers in the index, JASPAR's annotations of its motif
        profiles are searched instead (TF names, classes, families, and the PMID behind each profile)."""
        from dnahlm.retrieval.qa import citation_id
        from dnahlm.retrieval.relevance import about, subject_phrase
        from dnahlm.retrieval.retrievers import BM25Retriever, HybridRetriever, TextRetriever

        if not query.strip():
            raise UserInputError("the search query is empty")
        source = "index"
        no_index = self._index is None and self._store is None
        if no_index or "papers" not in self.store.collections:
            from .literature import SOURCE_LABEL, reference_retriever

            retriever, source = reference_retriever(), SOURCE_LABEL
        else:
            if "papers" not in self._retrievers:
                self._retrievers["papers"] = HybridRetriever(
                    retrievers=[BM25Retriever(store=self.store), TextRetriever(store=self.store)],
                    names=["bm25", "text"],
                )
            retriever = self._retrievers["papers"]
        docs = retriever.invoke(query, k=k)
        # a search always returns its best; only passages about the question's subjects are kept
        kept = [d for d in docs if about(query, d.metadata.get("title"), d.page_content)]
        return PaperResult(
            query=query,
            source=source,
            passages=[
                PaperPassage(
                    citation=citation_id(d.metadata, d.id or ""),
                    title=d.metadata.get("title"),
                    text=d.page_content,
                    score=round(float(d.metadata.get("score", 0.0)), 4),
                )
                for d in kept
            ],
            retrieved=len(docs),
            subjects=subject_phrase(query),
        )


def _windows(length: int, width: int) -> list[tuple[int, int]]:
    """The whole sequence when short; else up to :data:`MAX_WINDOWS` windows of ``width`` spread over it."""
    if length <= width * 1.5:
        return [(0, length)]
    n = min(MAX_WINDOWS, (length - width) // max(1, width // 2) + 1)
    starts = [round(i * (length - width) / max(1, n - 1)) for i in range(n)]
    return [(s, s + width) for s in starts]


def positive_label(names: Sequence[str]) -> str:
    """The label a "is there a ...?" question asks about: the first name not starting with non-/not/background."""
    for name in names:
        if not name.lower().startswith(("non", "not ", "no ", "background")):
            return name
    return names[-1]
