"""A LangChain ``VectorStore`` view of one collection of a :class:`~dnahlm.index.store.KnowledgeStore`.

Document ids are the records' content keys: the ids a caller passes to ``add_documents``/``add_texts``
(adding an id again replaces that document), a fresh UUID otherwise, and for records ingested from
files the content hash that :mod:`dnahlm.index.ingest` gave them. Scores are inner products of
L2-normalised vectors (cosine similarity); relevance scores map them to [0, 1].
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore
from langchain_core.vectorstores.utils import maximal_marginal_relevance

from .embed import embedder_spec
from .store import Hit, KnowledgeStore


def hit_to_document(hit: Hit) -> Document:
    """A search hit as a LangChain ``Document`` (the id is the record's content key)."""
    return Document(page_content=hit.text, metadata=hit.metadata, id=hit.key or str(hit.id))


class DnahlmVectorStore(VectorStore):
    """One collection of a knowledge index on disk, searched with the embedder it was built with.

    Changes are committed to disk after every call (``autocommit``), atomically; pass
    ``autocommit=False`` and call :meth:`commit` yourself to batch them.

    Example:
        .. code-block:: python

            from dnahlm.index.embed import TextEmbeddings
            from dnahlm.index.vectorstore import DnahlmVectorStore

            store = DnahlmVectorStore(TextEmbeddings(), path="my-index", collection="papers")
            store.add_texts(["The TATA box binds TBP."], metadatas=[{"source": "notes.txt"}])
            docs = store.as_retriever(search_kwargs={"k": 3}).invoke("What binds the TATA box?")
    """

    def __init__(
        self,
        embedding: Embeddings,
        path: str | Path | KnowledgeStore | None = None,
        *,
        collection: str = "papers",
        autocommit: bool = True,
        index_type: str = "auto",
    ) -> None:
        self.embedding = embedding
        self.collection = collection
        self.autocommit = autocommit
        self.index_type = index_type
        self._tmp = None
        if isinstance(path, KnowledgeStore):
            self.store = path
        else:
            if path is None:  # a throw-away index in a temporary folder
                self._tmp = tempfile.TemporaryDirectory(prefix="dnahlm-index-")
                path = self._tmp.name
            self.store = KnowledgeStore(path, create=True)
        self._spec = embedder_spec(embedding)
        if collection in self.store.collections:  # refuse a mismatched embedder before any search
            col = self.store.collections[collection]
            self.store.ensure_collection(collection, self._spec, col.dimension)

    @property
    def embeddings(self) -> Embeddings:
        return self.embedding

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        if hasattr(self.embedding, "embed_array"):
            return np.asarray(self.embedding.embed_array(list(texts)), dtype=np.float32)
        return np.asarray(self.embedding.embed_documents(list(texts)), dtype=np.float32)

    def _embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.embedding.embed_query(text), dtype=np.float32)

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        texts = list(texts)
        if not texts:
            return []
        metadatas = [dict(m) for m in metadatas] if metadatas else [{} for _ in texts]
        ids = [str(i) if i else str(uuid.uuid4()) for i in (ids or [None] * len(texts))]
        self.store.add(
            self.collection,
            self._embed(texts),
            texts,
            metadatas,
            ids,
            embedder=self._spec,
            index_type=self.index_type,
            replace=True,
        )
        self._maybe_commit()
        return ids

    def add_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        if "ids" not in kwargs:
            kwargs["ids"] = [d.id for d in documents]
        return self.add_texts([d.page_content for d in documents], [d.metadata for d in documents], **kwargs)

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool | None:
        if not ids or self.collection not in self.store.collections:
            return True
        self.store.delete([h.id for h in self.store.get_by_keys(self.collection, ids)])
        self._maybe_commit()
        return True

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        if self.collection not in self.store.collections:
            return []
        return [hit_to_document(h) for h in self.store.get_by_keys(self.collection, list(ids))]

    def commit(self) -> None:
        """Write staged changes to disk (atomically)."""
        self.store.commit()

    def _maybe_commit(self) -> None:
        if self.autocommit:
            self.store.commit()

    def _hits(self, vector: np.ndarray, k: int, filter: dict[str, Any] | None) -> list[Hit]:
        if self.collection not in self.store.collections:
            return []
        return self.store.search(self.collection, vector, k, filter=filter)[0]

    def similarity_search_with_score_by_vector(
        self, embedding: list[float], k: int = 4, filter: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        hits = self._hits(np.asarray(embedding, dtype=np.float32), k, filter)
        return [(hit_to_document(h), h.score) for h in hits]

    def similarity_search_with_score(
        self, query: str, k: int = 4, filter: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        return self.similarity_search_with_score_by_vector(self._embed_query(query), k, filter)

    def similarity_search_by_vector(
        self, embedding: list[float], k: int = 4, filter: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[Document]:
        return [d for d, _ in self.similarity_search_with_score_by_vector(embedding, k, filter)]

    def similarity_search(
        self, query: str, k: int = 4, filter: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[Document]:
        return [d for d, _ in self.similarity_search_with_score(query, k, filter)]

    def _select_relevance_score_fn(self) -> Callable[[float], float]:
        return lambda score: (1.0 + score) / 2.0  # cosine in [-1, 1] -> [0, 1]

    def max_marginal_relevance_search(
        self,
        query: str,
        k: int = 4,
        fetch_k: int = 20,
        lambda_mult: float = 0.5,
        filter: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> list[Document]:
        query_vector = self._embed_query(query)
        hits = self._hits(query_vector, fetch_k, filter)
        if not hits:
            return []
        candidates = self._embed([h.text for h in hits])  # re-embedded: PQ codes are lossy
        chosen = maximal_marginal_relevance(query_vector, list(candidates), lambda_mult=lambda_mult, k=k)
        return [hit_to_document(hits[i]) for i in chosen]

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict] | None = None,
        *,
        ids: list[str] | None = None,
        path: str | Path | None = None,
        collection: str = "papers",
        **kwargs: Any,
    ) -> DnahlmVectorStore:
        store = cls(embedding, path, collection=collection, **kwargs)
        store.add_texts(texts, metadatas, ids=ids)
        return store
