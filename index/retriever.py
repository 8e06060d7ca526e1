"""A LangChain retriever over a whole knowledge index: DNA queries search sequence collections, text queries
text collections (see :func:`dnahlm.index.search.search`). Each document carries its score and collection.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, PrivateAttr

from .search import search
from .store import KnowledgeStore


class KnowledgeRetriever(BaseRetriever):
    """Retrieve records from an index folder, choosing collections by the kind of query.

    Example:
        .. code-block:: python

            from dnahlm.index.retriever import KnowledgeRetriever
            from dnahlm.index.store import KnowledgeStore

            retriever = KnowledgeRetriever(store=KnowledgeStore("my-index"), k=3)
            docs = retriever.invoke("TTGACAATTAATCATCGGCTCGTATAATGTGTGGAATTGTGAGC")  # sequence hits
            docs = retriever.invoke("What does the lac repressor bind?", k=5)  # paper passages
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: KnowledgeStore
    k: int = Field(default=4, ge=1, description="Documents returned.")
    collections: list[str] | None = Field(default=None, description="Search only these collections.")
    filter: dict[str, Any] | None = Field(default=None, description="Metadata equalities.")

    _embedders: dict[str, Any] = PrivateAttr(default_factory=dict)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        hits = search(
            self.store,
            query,
            kwargs.get("k", self.k),
            collections=kwargs.get("collections", self.collections),
            filter=kwargs.get("filter", self.filter),
            embedders=self._embedders,
        )
        return [
            Document(
                page_content=h.text,
                metadata={**h.metadata, "score": h.score, "collection": h.collection},
                id=h.key or str(h.id),
            )
            for h in hits
        ]
