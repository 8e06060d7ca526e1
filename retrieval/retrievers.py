"""LangChain retrievers over a knowledge index: lexical (BM25), dense text, sequence, hybrid and MMR.

- :class:`BM25Retriever`: Okapi BM25 (Robertson & Zaragoza, 2009) over the passages of a collection, with
  ``bm25s`` (Lù, 2024). Words are lower-cased, English stop-words dropped and plurals folded by the
  S-stemmer (Harman, 1991). The index lives in memory only: it is built from the store's texts on first
  use and rebuilt when the store's generation or the collection's count changes (no pickle, nothing saved).
- :class:`TextRetriever`: MiniLM dense retrieval over ``papers`` (the index layer's
  :class:`~dnahlm.index.retriever.KnowledgeRetriever`, restricted to text collections).
- :class:`SequenceRetriever`: a DNA query against the sequence collections (``sequences``, ``examples``)
  with the embedder they were built with (k-mer or DNAHLM hidden states); a mismatch is an error.
- :class:`HybridRetriever`: reciprocal-rank fusion (Cormack, Clarke & Büttcher, 2009) of any retrievers.
- :func:`mmr_retriever`: maximal marginal relevance through ``DnahlmVectorStore.as_retriever``.

Every retriever returns documents shaped like ``KnowledgeRetriever``'s: ``Document.id`` is the record's
content key and the metadata carries ``score`` and ``collection``. Each takes a ``filter`` of metadata
equalities (a list value means "any of"), as a field or per call (``retriever.invoke(q, filter={...})``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from langchain_core.vectorstores import VectorStoreRetriever
from pydantic import ConfigDict, Field, PrivateAttr

from dnahlm.errors import ConfigError, UserInputError
from dnahlm.index.embed import SEQUENCE_EMBEDDERS, embedder_spec, make_embedder
from dnahlm.index.retriever import KnowledgeRetriever
from dnahlm.index.search import search
from dnahlm.index.store import Hit, KnowledgeStore
from dnahlm.index.vectorstore import DnahlmVectorStore
from dnahlm.sequences import normalize

__all__ = [
    "STOPWORDS",
    "BM25Retriever",
    "HybridRetriever",
    "SequenceRetriever",
    "TextRetriever",
    "mmr_retriever",
    "stem",
    "tokenize",
]

_STOPWORD_TEXT = (
    "a about above after again against all also am an and any are as at be because been before being below "
    "between both but by can could did do does doing down during each few for from further had has have "
    "having he her here hers him his how i if in into is it its itself just may me might more most must my "
    "no nor not now of off on once only or other our ours out over own same she should so some such than "
    "that the their theirs them then there these they this those through to too under until up upon very "
    "was we were what when where which while who whom why will with would you your"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
"""English function words left out of lexical matching (Lucene's list and common question words)."""

_WORD = re.compile(r"[a-z0-9]+")


def stem(word: str) -> str:
    """Fold an English plural to its singular with the S-stemmer (``promoters`` -> ``promoter``)."""
    if len(word) <= 3:
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Lower-case content words of ``text``: stop-words removed, plurals folded (see :func:`stem`)."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def _document(hit: Hit) -> Document:
    """A store hit as a LangChain document, the shape ``KnowledgeRetriever`` returns."""
    return Document(
        page_content=hit.text,
        metadata={**hit.metadata, "score": hit.score, "collection": hit.collection},
        id=hit.key or str(hit.id),
    )


def _matches(metadata: dict[str, Any], filter: dict[str, Any]) -> bool:
    for key, value in filter.items():
        wanted = list(value) if isinstance(value, list | tuple | set) else [value]
        if metadata.get(key) not in wanted and str(metadata.get(key)) not in map(str, wanted):
            return False
    return True


class BM25Retriever(BaseRetriever):
    """BM25 keyword search over the passages of a collection, or over a list of documents.

    Useful next to dense retrieval: a rare gene or protein name (``FKBP51``, ``NF-kappaB``) is matched
    exactly. Documents sharing no word with the query are not returned.

    Example:
        .. code-block:: python

            from dnahlm.index.store import KnowledgeStore
            from dnahlm.retrieval.retrievers import BM25Retriever

            retriever = BM25Retriever(store=KnowledgeStore("my-index"), k=3)
            docs = retriever.invoke("Which kinase phosphorylates IkappaBalpha?")
            docs[0].metadata["pmid"], docs[0].metadata["score"]

            from langchain_core.documents import Document
            small = BM25Retriever.from_documents([Document("TBP binds the TATA box.", id="a")], k=1)
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: KnowledgeStore | None = Field(default=None, description="Index to read the passages from.")
    collection: str = Field(default="papers", description="Collection whose texts are searched.")
    documents: list[Document] | None = Field(
        default=None, description="Search these documents instead of a store (see from_documents)."
    )
    k: int = Field(default=4, ge=1, description="Documents returned.")
    filter: dict[str, Any] | None = Field(default=None, description="Metadata equalities.")
    k1: float = Field(default=1.5, gt=0, description="BM25 term-frequency saturation.")
    b: float = Field(default=0.75, ge=0, le=1, description="BM25 length normalisation.")

    _bm25: Any = PrivateAttr(default=None)
    _state: tuple[Any, ...] | None = PrivateAttr(default=None)
    _texts: list[str] = PrivateAttr(default_factory=list)
    _metas: list[dict[str, Any]] = PrivateAttr(default_factory=list)
    _keys: list[str] = PrivateAttr(default_factory=list)
    _rows: np.ndarray = PrivateAttr(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # checked after pydantic, so the error keeps its own type
        self._check()

    def _check(self) -> None:
        if (self.store is None) == (self.documents is None):
            raise ConfigError("BM25Retriever needs either store= or documents= (one of them)")

    @classmethod
    def from_documents(cls, documents: Sequence[Document], **kwargs: Any) -> BM25Retriever:
        """A retriever over ``documents`` (ids kept; a missing id becomes the text's hash)."""
        return cls(documents=list(documents), **kwargs)

    @classmethod
    def from_texts(
        cls, texts: Sequence[str], metadatas: Sequence[dict[str, Any]] | None = None, **kwargs: Any
    ) -> BM25Retriever:
        """A retriever over plain texts (with optional metadata, one dict per text)."""
        metas = metadatas or [{} for _ in texts]
        docs = [Document(page_content=t, metadata=dict(m)) for t, m in zip(texts, metas, strict=True)]
        return cls.from_documents(docs, **kwargs)

    def _current(self) -> tuple[Any, ...]:
        if self.store is None:
            return ("documents", len(self.documents or []))
        return (id(self.store), self.store.generation, self.store.count(self.collection))

    def _ensure_index(self) -> None:
        state = self._current()
        if self._bm25 is not None and state == self._state:
            return
        import bm25s

        if self.store is not None:
            if self.collection not in self.store.collections:
                have = ", ".join(self.store.collections) or "none yet"
                raise UserInputError(
                    f"{self.store.path}: no collection {self.collection!r} (collections: {have})"
                )
            hits = self.store.get(self.store.ids(self.collection))
            self._texts = [h.text for h in hits]
            self._metas = [{**h.metadata, "collection": self.collection} for h in hits]
            self._keys = [h.key or str(h.id) for h in hits]
            self._rows = np.array([h.id for h in hits], dtype=np.int64)
        else:
            docs = self.documents or []
            self._texts = [d.page_content for d in docs]
            self._metas = [{"collection": self.collection, **d.metadata} for d in docs]
            self._keys = [d.id or hashlib.sha256(d.page_content.encode()).hexdigest()[:32] for d in docs]
            self._rows = np.arange(len(docs), dtype=np.int64)
        bm25 = bm25s.BM25(k1=self.k1, b=self.b)
        if self._texts:
            bm25.index([tokenize(t) for t in self._texts], show_progress=False)
        self._bm25, self._state = bm25, state

    def _mask(self, filter: dict[str, Any] | None) -> np.ndarray | None:
        if not filter:
            return None
        if self.store is not None:
            allowed = np.asarray(self.store.ids(self.collection, filter), dtype=np.int64)
            return np.isin(self._rows, allowed).astype(np.float32)
        return np.array([_matches(m, filter) for m in self._metas], dtype=np.float32)

    def scores(self, query: str, filter: dict[str, Any] | None = None) -> np.ndarray:
        """The BM25 score of every text for ``query`` (0 for texts filtered out or sharing no word)."""
        self._ensure_index()
        if not self._texts:
            return np.zeros(0, dtype=np.float32)
        ids = self._bm25.get_tokens_ids(tokenize(query))
        if not ids:
            return np.zeros(len(self._texts), dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids, weight_mask=self._mask(filter)))

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        k = int(kwargs.get("k", self.k))
        scores = self.scores(query, kwargs.get("filter", self.filter))
        order = np.argsort(-scores, kind="stable")[:k]
        return [
            Document(
                page_content=self._texts[i],
                metadata={**self._metas[i], "score": float(scores[i])},
                id=self._keys[i],
            )
            for i in order
            if scores[i] > 0
        ]


class TextRetriever(KnowledgeRetriever):
    """Dense (MiniLM) retrieval over the ``papers`` collection, with the embedder it was built with.

    Example:
        .. code-block:: python

            from dnahlm.index.store import KnowledgeStore
            from dnahlm.retrieval.retrievers import TextRetriever

            retriever = TextRetriever(store=KnowledgeStore("my-index"), k=4)
            docs = retriever.invoke("How is NF-kappaB activated in T cells?", filter={"pmid": "9191"})
    """

    collections: list[str] | None = Field(
        default_factory=lambda: ["papers"], description="Text collections to search."
    )
    embedding: Embeddings | None = Field(
        default=None, description="A text embedder to reuse (must match the collection's)."
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # checked after pydantic, so the error keeps its own type
        self._check()

    def _check(self) -> None:
        for name in self.collections or []:
            col = self.store.collections.get(name)
            if col is None:
                continue
            if col.embedder["name"] in SEQUENCE_EMBEDDERS:
                raise ConfigError(
                    f"collection {name!r} in {self.store.path} holds {col.embedder['name']} sequence vectors; "
                    "TextRetriever searches text collections (use SequenceRetriever for DNA)"
                )
            if self.embedding is not None:
                self.store.ensure_collection(name, embedder_spec(self.embedding), col.dimension)
                self._embedders[name] = self.embedding


class SequenceRetriever(BaseRetriever):
    """Annotated sequences (or labelled examples) most like a DNA query.

    The query is validated first: a letter that is not DNA raises
    :class:`~dnahlm.errors.InvalidSequenceError` naming its position. Each collection is searched with
    the embedder recorded in the index manifest; ``embedder`` says which one you expect (``"kmer"``,
    ``"dnahlm"``, or an ``Embeddings`` instance to reuse) and a collection built with another one is a
    :class:`~dnahlm.errors.ConfigError`. Long features are stored as windows; a hit's metadata names its
    feature (``record_id``, ``feature_type``, ``name``, ``location``, ``parent``, ``offset``).

    Example:
        .. code-block:: python

            from dnahlm.index.store import KnowledgeStore
            from dnahlm.retrieval.retrievers import SequenceRetriever

            retriever = SequenceRetriever(store=KnowledgeStore("my-index"), k=3)
            for doc in retriever.invoke("ATGAAACGCATTAGCACCACCATTACCACCACCATCACC"):
                print(doc.metadata["record_id"], doc.metadata["name"], doc.metadata["location"])
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: KnowledgeStore
    embedder: str | Embeddings = Field(
        default="kmer", description="'kmer', 'dnahlm' or an Embeddings instance; must match the index."
    )
    collections: list[str] | None = Field(
        default=None, description="Collections to search (default: 'sequences' and 'examples' if present)."
    )
    k: int = Field(default=4, ge=1, description="Documents returned.")
    filter: dict[str, Any] | None = Field(default=None, description="Metadata equalities.")
    iupac: bool = Field(default=True, description="Accept IUPAC ambiguity codes in the query.")

    _embedders: dict[str, Embeddings] = PrivateAttr(default_factory=dict)

    def _targets(self, collections: list[str] | None) -> list[str]:
        names = collections or [n for n in ("sequences", "examples") if n in self.store.collections]
        if not names:
            raise UserInputError(
                f"{self.store.path}: no sequence collection ('sequences' or 'examples'); "
                "add FASTA/GenBank files or a labelled CSV with `dnahlm index add`"
            )
        for name in names:
            if name not in self.store.collections:
                have = ", ".join(self.store.collections) or "none yet"
                raise UserInputError(f"{self.store.path}: no collection {name!r} (collections: {have})")
            if name not in self._embedders:
                self._embedders[name] = self._embedder_for(name)
        return names

    def _embedder_for(self, name: str) -> Embeddings:
        col = self.store.collections[name]
        built = col.embedder["name"]
        if built not in SEQUENCE_EMBEDDERS:
            raise ConfigError(
                f"collection {name!r} in {self.store.path} holds {built} text vectors, not sequences; "
                "use TextRetriever or BM25Retriever for it"
            )
        if isinstance(self.embedder, str):
            if self.embedder not in SEQUENCE_EMBEDDERS:
                raise ConfigError(
                    f"embedder {self.embedder!r}: choose one of {', '.join(SEQUENCE_EMBEDDERS)}"
                )
            if self.embedder != built:
                raise ConfigError(
                    f"collection {name!r} in {self.store.path} was built with the {built} embedder, "
                    f"not {self.embedder!r}: pass embedder={built!r}, or re-index it with --embedder {self.embedder}"
                )
            return make_embedder(built, **col.embedder["params"])  # checks DNAHLM weights too
        self.store.ensure_collection(name, embedder_spec(self.embedder), col.dimension)  # raises on mismatch
        return self.embedder

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        sequence = normalize(query, record_id="query", iupac=self.iupac)
        if not sequence:
            raise UserInputError("query: empty sequence; give the DNA to look up")
        hits = search(
            self.store,
            sequence,
            int(kwargs.get("k", self.k)),
            collections=self._targets(kwargs.get("collections", self.collections)),
            filter=kwargs.get("filter", self.filter),
            embedders=self._embedders,
        )
        return [_document(h) for h in hits]


class HybridRetriever(BaseRetriever):
    """Reciprocal-rank fusion of several retrievers: ``score(d) = sum_i w_i / (c + rank_i(d))``.

    Each retriever is asked for ``fetch_k`` documents (with the call's ``filter``); documents are merged
    by ``Document.id`` (the text's hash when a retriever gives none). A document's metadata gets
    ``score`` (the fused score), ``ranks`` (1-based rank per retriever that found it) and
    ``retriever_scores`` (each retriever's own score, where it gave one).

    Example:
        .. code-block:: python

            from dnahlm.index.store import KnowledgeStore
            from dnahlm.retrieval.retrievers import BM25Retriever, HybridRetriever, TextRetriever

            store = KnowledgeStore("my-index")
            hybrid = HybridRetriever(retrievers=[BM25Retriever(store=store), TextRetriever(store=store)], k=4)
            docs = hybrid.invoke("TATA-binding protein and transcription initiation")
            docs[0].metadata["ranks"]  # e.g. {"bm25": 1, "text": 3}
    """

    retrievers: list[BaseRetriever] = Field(min_length=1, description="Retrievers to fuse.")
    weights: list[float] | None = Field(default=None, description="One weight per retriever (default 1).")
    names: list[str] | None = Field(default=None, description="Names used in metadata['ranks'].")
    c: int = Field(default=60, ge=0, description="RRF constant: larger flattens the rank curve.")
    k: int = Field(default=4, ge=1, description="Documents returned.")
    fetch_k: int = Field(default=20, ge=1, description="Documents asked of each retriever.")
    filter: dict[str, Any] | None = Field(default=None, description="Metadata equalities, passed on.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # checked after pydantic, so the error keeps its own type
        self._check()

    def _check(self) -> None:
        n = len(self.retrievers)
        for what, value in (("weights", self.weights), ("names", self.names)):
            if value is not None and len(value) != n:
                raise ConfigError(f"HybridRetriever: {len(value)} {what} for {n} retrievers")
        if self.names is not None and len(set(self.names)) != n:
            raise ConfigError("HybridRetriever: names must be distinct")

    def retriever_names(self) -> list[str]:
        """The names under which ranks are recorded (given, or derived from the class names)."""
        if self.names:
            return list(self.names)
        base = [type(r).__name__.removesuffix("Retriever").lower() or "retriever" for r in self.retrievers]
        return [b if base.count(b) == 1 else f"{b}_{i}" for i, b in enumerate(base)]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        k = int(kwargs.get("k", self.k))
        filter = kwargs.get("filter", self.filter)
        call = {"k": max(self.fetch_k, k), **({"filter": filter} if filter else {})}
        names = self.retriever_names()
        weights = self.weights or [1.0] * len(self.retrievers)
        fused: dict[str, float] = {}
        found: dict[str, Document] = {}
        ranks: dict[str, dict[str, int]] = {}
        own: dict[str, dict[str, float]] = {}
        for name, weight, retriever in zip(names, weights, self.retrievers, strict=True):
            docs = retriever.invoke(query, config={"callbacks": run_manager.get_child(name)}, **call)
            seen: set[str] = set()
            for rank, doc in enumerate(docs, 1):
                key = doc.id or hashlib.sha256(doc.page_content.encode()).hexdigest()[:32]
                if key in seen:
                    continue
                seen.add(key)
                fused[key] = fused.get(key, 0.0) + weight / (self.c + rank)
                found.setdefault(key, doc)
                ranks.setdefault(key, {})[name] = rank
                if isinstance(doc.metadata.get("score"), int | float):
                    own.setdefault(key, {})[name] = float(doc.metadata["score"])
        order = sorted(fused, key=lambda key: -fused[key])[:k]
        return [
            Document(
                page_content=found[key].page_content,
                metadata={
                    **found[key].metadata,
                    "score": fused[key],
                    "ranks": ranks[key],
                    "retriever_scores": own.get(key, {}),
                },
                id=key,
            )
            for key in order
        ]


def mmr_retriever(
    store: KnowledgeStore,
    collection: str = "papers",
    k: int = 4,
    fetch_k: int = 20,
    lambda_mult: float = 0.5,
    *,
    embedding: Embeddings | None = None,
    filter: dict[str, Any] | None = None,
) -> VectorStoreRetriever:
    """A maximal-marginal-relevance retriever over one collection (``DnahlmVectorStore.as_retriever``).

    MMR (Carbonell & Goldstein, 1998) picks ``k`` of the ``fetch_k`` nearest records, trading relevance
    for diversity with ``lambda_mult`` (1: relevance only, 0: diversity only), so overlapping chunks of
    one paper do not fill every slot. Documents carry the records' metadata (no score).

    Example:
        .. code-block:: python

            from dnahlm.index.store import KnowledgeStore
            from dnahlm.retrieval.retrievers import mmr_retriever

            retriever = mmr_retriever(KnowledgeStore("my-index"), "papers", k=4, fetch_k=20, lambda_mult=0.5)
            docs = retriever.invoke("chromatin remodelling at promoters")
    """
    if collection not in store.collections:
        have = ", ".join(store.collections) or "none yet"
        raise UserInputError(f"{store.path}: no collection {collection!r} (collections: {have})")
    if embedding is None:
        spec = store.collections[collection].embedder
        embedding = make_embedder(spec["name"], **spec["params"])
    search_kwargs: dict[str, Any] = {"k": k, "fetch_k": fetch_k, "lambda_mult": lambda_mult}
    if filter:
        search_kwargs["filter"] = filter
    vectorstore = DnahlmVectorStore(embedding, store, collection=collection)
    return vectorstore.as_retriever(search_type="mmr", search_kwargs=search_kwargs)
