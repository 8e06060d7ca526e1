from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_tests.unit_tests import EmbeddingsUnitTests

from dnahlm.index.embed import KmerEmbeddings
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
