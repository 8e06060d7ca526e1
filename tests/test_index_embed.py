from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_tests.integration_tests import EmbeddingsIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from dnahlm.errors import ConfigError
from dnahlm.index.embed import KmerEmbeddings, TextEmbeddings, embedder_spec, make_embedder
from dnahlm.sequences import reverse_complement


class TestKmerEmbeddingsStandard(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[KmerEmbeddings]:
        return KmerEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"k": 3, "canonical": True}


def reference(seq: str, k: int) -> np.ndarray:
    """Plain-Python k-mer counts, L2-normalised (the definition the fast code must match)."""
    index = {"".join(p): i for i, p in enumerate(__import__("itertools").product("ACGT", repeat=k))}
    counts = Counter(seq[i : i + k] for i in range(len(seq) - k + 1))
    v = np.zeros(4**k)
    for kmer, c in counts.items():
        if kmer in index:
            v[index[kmer]] = c
    n = np.linalg.norm(v)
    return v / n if n else v


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet="ACGTN", max_size=60), min_size=1, max_size=8), st.integers(1, 4))
def test_matches_the_plain_definition(seqs, k):
    got = KmerEmbeddings(k=k, batch_size=3).embed_array(seqs)
    want = np.stack([reference(s, k) for s in seqs])
    np.testing.assert_allclose(got, want, atol=1e-6)


def test_canonical_kmers_make_reverse_complements_equal():
    rng = random.Random(0)
    seq = "".join(rng.choice("ACGT") for _ in range(200))
    emb = KmerEmbeddings(k=5, canonical=True)
    assert emb.dimension == 512  # (4**5) / 2 for odd k
    a, b = emb.embed_array([seq, reverse_complement(seq)])
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert KmerEmbeddings(k=4, canonical=True).dimension == 136  # (256 + 16 palindromes) / 2
    plain = KmerEmbeddings(k=5).embed_array([seq, reverse_complement(seq)])
    assert not np.allclose(plain[0], plain[1])


def test_bins_count_kmers_per_stretch_of_the_sequence():
    emb = KmerEmbeddings(k=2, bins=3)
    assert emb.dimension == 3 * 16
    v = emb._counts(["AACCGGT"]).reshape(3, 16)  # 2-mers AA AC | CC CG | GG GT
    index = {a + b: 4 * "ACGT".index(a) + "ACGT".index(b) for a in "ACGT" for b in "ACGT"}
    for stretch, kmers in enumerate([("AA", "AC"), ("CC", "CG"), ("GG", "GT")]):
        assert sorted(np.flatnonzero(v[stretch])) == sorted(index[m] for m in kmers)
    rng = random.Random(1)
    seqs = ["".join(rng.choice("ACGT") for _ in range(rng.randint(5, 90))) for _ in range(20)]
    binned = KmerEmbeddings(k=3, bins=4).embed_array(seqs)
    summed = binned.reshape(20, 4, 64).sum(1)  # the stretches add up to the whole profile
    plain = KmerEmbeddings(k=3).embed_array(seqs)
    summed /= np.linalg.norm(summed, axis=1, keepdims=True)
    np.testing.assert_allclose(summed, plain, atol=1e-6)
    first, last = KmerEmbeddings(k=1, bins=2).embed_array(["AAAACCCC", "CCCCAAAA"])
    assert first[0] > 0 and first[4] == 0 and last[0] == 0 and last[4] > 0  # A first vs A last


def test_text_and_lower_case_do_not_break_it():
    emb = KmerEmbeddings(k=3)
    v = emb.embed_array(["foo", "acgtacgt", "ACGTACGT", ""])
    assert np.all(v[0] == 0) and np.all(v[3] == 0)
    np.testing.assert_allclose(v[1], v[2])
    assert len(emb.embed_query("ACGT")) == 64


@pytest.mark.parametrize("k", [0, 13])
def test_k_is_bounded(k):
    with pytest.raises(ValueError):
        KmerEmbeddings(k=k)


class TestDNAHLMEmbeddingsStandard(EmbeddingsUnitTests):
    @property
    def embeddings_class(self):
        from dnahlm.index.embed import DNAHLMEmbeddings

        return DNAHLMEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"pooling": "mean"}  # the embedded dnahlm-tiny


@pytest.mark.parametrize("pooling", ["mean", "last", "max"])
def test_dnahlm_pooling_matches_the_model(tiny_loaded, pooling):
    import torch

    from dnahlm.index.embed import DNAHLMEmbeddings

    emb = DNAHLMEmbeddings.from_loaded(tiny_loaded, pooling=pooling, normalize=False, batch_size=2)
    seqs = ["ACGTTATAAAGGGCGG", "GGG", "TTTTACGCGCGCATAT" * 3]
    got = emb.embed_array(seqs)
    assert got.shape == (3, tiny_loaded.model.config.n_embd)
    for s, v in zip(seqs, got, strict=True):
        ids = torch.tensor([tiny_loaded.tokenizer(s)["input_ids"]])
        with torch.no_grad():
            h = tiny_loaded.model.base_model(input_ids=ids).last_hidden_state[0]
        want = {"mean": h.mean(0), "last": h[-1], "max": h.max(0).values}[pooling]
        np.testing.assert_allclose(v, want.numpy(), atol=1e-4)


def test_dnahlm_long_sequences_are_chunked_and_pooled(tiny_loaded):
    from dnahlm.index.embed import DNAHLMEmbeddings

    seq = "ACGTTATAAAGGGCGGTTTACGCGCGCATATCCAAT" * 4
    ids = tiny_loaded.tokenizer(seq)["input_ids"]
    emb = DNAHLMEmbeddings.from_loaded(tiny_loaded, max_tokens=8, normalize=False)
    chunks = [tiny_loaded.tokenizer.decode(ids[i : i + 8]) for i in range(0, len(ids), 8)]
    per_chunk = DNAHLMEmbeddings.from_loaded(tiny_loaded, normalize=False).embed_array(chunks)
    lengths = np.array([len(ids[i : i + 8]) for i in range(0, len(ids), 8)])
    want = (per_chunk * lengths[:, None]).sum(0) / lengths.sum()
    np.testing.assert_allclose(emb.embed_array([seq])[0], want, atol=1e-4)
    normed = DNAHLMEmbeddings.from_loaded(tiny_loaded).embed_array([seq, ""])
    assert abs(np.linalg.norm(normed[0]) - 1) < 1e-5 and np.all(normed[1] == 0)


class TestTextEmbeddingsStandard(EmbeddingsIntegrationTests):
    """The packaged MiniLM, loaded from site-packages (no hub)."""

    @property
    def embeddings_class(self):
        return TextEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {}


def test_text_embeddings_rank_a_related_sentence_first(text_embeddings):
    v = text_embeddings.embed_array(
        [
            "TATA-binding protein binds the promoter.",
            "The TBP protein recognises TATA boxes.",
            "I like football.",
        ]
    )
    assert v.shape == (3, 384) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_embedder_specs_round_trip_and_unknown_names_are_clear():
    emb = KmerEmbeddings(k=5, canonical=True)
    spec = embedder_spec(emb)
    assert spec == {"name": "kmer", "params": {"k": 5, "canonical": True}}
    assert make_embedder(spec["name"], **spec["params"]) == emb
    with pytest.raises(ConfigError, match="unknown embedder 'bert'"):
        make_embedder("bert")
