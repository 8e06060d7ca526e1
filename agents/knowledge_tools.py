"""Agent tools that read a knowledge index and the model: task prediction, similar annotated sequences,
paper search. Like the :mod:`dnahlm.bio` functions behind :mod:`.sequence_tools` they are pure (no writes except the fit cache under
``DNAHLM_HOME``, no network) and return pydantic results.

:class:`KnowledgeTools` holds the index, the model path and a predictor per task, built on first use.

Example:
    .. code-block:: python

        from dnahlm.agents.knowledge_tools import KnowledgeTools

        kt = KnowledgeTools(index="my-index")
        print(kt.predict("ACGT...", task="promoter").label_name)
        print([h.citation for h in kt.similar("ATGAAACGC...").hits])
        print([p.citation for p in kt.papers("NF-kB binding sites in promoters").passages])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from dnahlm.bio.align import align_identity
from dnahlm.errors import UserInputError
from dnahlm.sequences import normalize
from dnahlm.settings import get_settings
from dnahlm.types import Method, Prediction


# ------------------------------------------------------------------------------------------ results
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
    similarity: float | None = Field(default=None, description="MiniLM cosine of question and passage")


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
    method: Method = Field(default_factory=lambda: get_settings().prediction.method)


class SimilarArgs(BaseModel):
    sequence: str = Field(description="DNA sequence (A, C, G, T, N)")
    k: int = Field(default=5, ge=1, le=50)
    align_top: int = Field(default=3, ge=0, le=10, description="hits to align for identity")


class PaperArgs(BaseModel):
    query: str = Field(description="what to look for in the indexed papers")
    k: int = Field(default=4, ge=1, le=20)


MIN_SIMILARITY = 0.40
"""A paper passage is quoted only when its MiniLM cosine with the question reaches this: on the literature
dev set (``benchmarks/bench_ask_literature.py``) passages that passed the word filter scored 0.46-0.77 (5th
percentile 0.57) from the question's own abstract and at most 0.33 for off-topic questions."""
MARGIN = 0.04
"""...and when it is within this of the closest passage (other abstracts that passed the word filter
scored a median 0.59 against the own abstract's 0.72): a quote comes from the passages that answer best.
On the dev set, 0.08 cites the own abstract for 95.0% of questions with 85.0% of quotes from it; 0.04,
93.1% and 87.1%."""


def closest(embedder: Any, query: str, docs: list[Any]) -> tuple[list[Any], list[float | None]]:
    """The passages close enough to the question to quote (:data:`MIN_SIMILARITY`, :data:`MARGIN`), closest
    first, with their cosine similarity."""
    texts = [((d.metadata.get("title") or "") + ". " + d.page_content)[:1500] for d in docs]
    vectors = embedder.embed_array([query, *texts])
    sims = [float(x) for x in vectors[1:] @ vectors[0]]
    best = max(sims)
    order = sorted(range(len(docs)), key=lambda i: -sims[i])
    keep = [i for i in order if sims[i] >= MIN_SIMILARITY and sims[i] >= best - MARGIN]
    return [docs[i] for i in keep], [round(sims[i], 4) for i in keep]


class KnowledgeTools:
    """Prediction, similar-sequence and paper-search tools over one index and one checkpoint.

    Args:
        index: the knowledge index folder (None: the tools say that no index is available).
        model: checkpoint folder (None: the embedded dnahlm-tiny).
        store: an open :class:`~dnahlm.index.store.KnowledgeStore` instead of ``index``.
    """

    def __init__(
        self, index: str | Path | None = None, *, model: str | Path | None = None, store: Any = None
    ):
        from dnahlm.retrieval.service import PredictionService

        self.model = model
        self.service = PredictionService(index, store=store, model=model)
        """The prediction service over this index and checkpoint (:mod:`dnahlm.retrieval.service`), the
        same road as ``dnahlm predict`` and the Predict page; it also holds the open index."""
        self._retrievers: dict[str, Any] = {}  # built once: BM25 indexes the papers, MiniLM loads once
        self._text: Any = None  # the MiniLM embedder of the papers retriever (also scores what is quoted)

    @property
    def store(self) -> Any:
        """The open knowledge index (raises a one-line error when there is none)."""
        return self.service.store

    def predict(self, sequence: str, task: str, method: str | None = None) -> Prediction:
        """Predict ``task`` for ``sequence`` from the task's labelled pool in the index (label, class
        probabilities, nearest labelled examples). A sequence much longer than the pool's examples is
        scored in windows of their length and the window most likely to be a positive is reported. Without
        an index or a pool for the task, a task the checkpoint was tuned on is scored by its head (or
        zero-shot). A pool whose ``fused`` is not fitted yet is answered with ``knn`` and says so."""
        seq = normalize(sequence, record_id="the sequence", iupac=True)
        if not seq:
            raise UserInputError("the sequence is empty")
        return self.service.predict(task, [seq], method=method)[0]

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
        no_index = not self.service.has_index
        if no_index or "papers" not in self.store.collections:
            from .literature import SOURCE_LABEL, reference_retriever

            retriever, source = reference_retriever(), SOURCE_LABEL
        else:
            if "papers" not in self._retrievers:
                from dnahlm.index.embed import TextEmbeddings

                self._text = TextEmbeddings()
                self._retrievers["papers"] = HybridRetriever(
                    retrievers=[
                        BM25Retriever(store=self.store),
                        TextRetriever(store=self.store, embedding=self._text),
                    ],
                    names=["bm25", "text"],
                )
            retriever = self._retrievers["papers"]
        docs = retriever.invoke(query, k=k)
        # a search always returns its best; only passages about the question's subjects are kept
        kept = [d for d in docs if about(query, d.metadata.get("title"), d.page_content)]
        sims: list[float | None] = [None] * len(kept)
        if kept and source == "index":  # and, of those, the ones as close to the question as the best
            kept, sims = closest(self._text, query, kept)
        return PaperResult(
            query=query,
            source=source,
            passages=[
                PaperPassage(
                    citation=citation_id(d.metadata, d.id or ""),
                    title=d.metadata.get("title"),
                    text=d.page_content,
                    score=round(float(d.metadata.get("score", 0.0)), 4),
                    similarity=sim,
                )
                for d, sim in zip(kept, sims, strict=True)
            ],
            retrieved=len(docs),
            subjects=subject_phrase(query),
        )
