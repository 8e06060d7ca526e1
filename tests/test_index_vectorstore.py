"""The LangChain standard vector-store and retriever suites, run against DnahlmVectorStore on disk."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_tests.integration_tests import RetrieversIntegrationTests, VectorStoreIntegrationTests

from dnahlm.errors import ConfigError
from dnahlm.index.embed import KmerEmbeddings
from dnahlm.index.retriever import KnowledgeRetriever
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


@pytest.fixture(scope="module")
def retriever_index(tmp_path_factory):
    path = tmp_path_factory.mktemp("retriever") / "ix"
    vs = DnahlmVectorStore(KmerEmbeddings(k=3), path, collection="sequences")
    vs.add_texts(["ACGTACGTACGTAAAT", "GGGCCCGGGCCCGGGC", "ATATATATATGCGCGC", "TTTTTTTTTACGTAGG"])
    vs.store.close()
    return path


class TestKnowledgeRetrieverStandard(RetrieversIntegrationTests):
    @property
    def retriever_constructor(self):
        return KnowledgeRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"store": KnowledgeStore(self._path)}

    @property
    def retriever_query_example(self) -> str:
        return "ACGTACGTACGT"

    @pytest.fixture(autouse=True)
    def _remember(self, retriever_index):
        type(self)._path = retriever_index


def test_knowledge_retriever_routes_dna_and_reports_scores(tmp_path):
    vs = DnahlmVectorStore(KmerEmbeddings(k=3), tmp_path / "ix", collection="sequences")
    vs.add_texts(["ACGTACGTACGTAAAT", "GGGCCCGGGCCCGGGC"], [{"name": "a"}, {"name": "b"}])
    docs = KnowledgeRetriever(store=vs.store, k=1).invoke("GGGCCCGGGCCC")
    assert docs[0].metadata["name"] == "b" and docs[0].metadata["collection"] == "sequences"
    assert 0.5 < docs[0].metadata["score"] <= 1.0
