"""The LangChain standard vector-store and retriever suites, run against DnahlmVectorStore on disk."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_tests.integration_tests import VectorStoreIntegrationTests

from dnahlm.errors import ConfigError
from dnahlm.index.embed import KmerEmbeddings
from dnahlm.index.store import KnowledgeStore
from dnahlm.index.vectorstore import DnahlmVectorStore


class TestDnahlmVectorStoreStandard(VectorStoreIntegrationTests):
    @pytest.fixture()
    def vectorstore(self, tmp_path):
        store = DnahlmVectorStore(self.get_embeddings(), tmp_path / "index", collection="papers")
        yield store
        store.store.close()


def test_changes_persist_and_reopen_with_the_same_embedder(tmp_path):
    emb = KmerEmbeddings(k=3)
    vs = DnahlmVectorStore(emb, tmp_path / "ix", collection="sequences")
    vs.add_texts(["ACGTACGTAC", "GGGGCCCCGG"], [{"name": "a"}, {"name": "b"}], ids=["a", "b"])
    vs.store.close()
    again = DnahlmVectorStore(emb, tmp_path / "ix", collection="sequences")
    assert [d.id for d in again.similarity_search("GGGGCCCCGGG", k=1)] == ["b"]
    assert again.get_by_ids(["a"]) == [Document(page_content="ACGTACGTAC", metadata={"name": "a"}, id="a")]
    again.store.close()
    with pytest.raises(ConfigError, match="was built with kmer"):
        DnahlmVectorStore(KmerEmbeddings(k=4), KnowledgeStore(tmp_path / "ix"), collection="sequences")


def test_filters_and_retriever(tmp_path):
    vs = DnahlmVectorStore(KmerEmbeddings(k=2), tmp_path / "ix", collection="examples")
    vs.add_texts(
        ["AAAATTTTAA", "AAAATTTTAT", "GGGCCCGGGC"],
        [{"task": "t", "label": 0}, {"task": "u", "label": 1}, {"task": "t", "label": 1}],
    )
    only_t = vs.similarity_search("AAAATTTTAA", k=3, filter={"task": "t"})
    assert [d.page_content for d in only_t] == ["AAAATTTTAA", "GGGCCCGGGC"]
    assert [d.page_content for d in vs.similarity_search("AAAATTTT", k=5, filter={"label": [1]})] == [
        "AAAATTTTAT",
        "GGGCCCGGGC",
    ]
    docs = vs.as_retriever(search_kwargs={"k": 1}).invoke("GGGCCCGGG")
    assert docs[0].page_content == "GGGCCCGGGC"
    mmr = vs.max_marginal_relevance_search("AAAATTTTAA", k=2, fetch_k=3)
    assert len(mmr) == 2 and mmr[0].page_content == "AAAATTTTAA"
