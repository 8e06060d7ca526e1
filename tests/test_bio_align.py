"""Pairwise alignment (:mod:`dnahlm.bio.align`): identity, gaps, local spans and the size limit."""

from __future__ import annotations

import doctest
import random

import pytest

from dnahlm.bio import align
from dnahlm.bio.align import align_identity
from dnahlm.errors import UserInputError


def rand(rng: random.Random, n: int, alphabet: str = "ACGT", weights: list[float] | None = None) -> str:
    return "".join(rng.choices(alphabet, weights=weights, k=n))


def test_the_docstring_examples_run():
    result = doctest.testmod(align)
    assert result.attempted >= 1 and result.failed == 0


# ---------------------------------------------------------------- alignment


def test_identity_self_and_mutated_copy():
    rng = random.Random(9)
    a = rand(rng, 2000)
    same = align_identity(a, a)
    assert same.identity == 1.0 and same.coverage == 1.0 and same.score == 2 * 2000
    assert (same.a_start, same.a_end, same.b_start, same.b_end) == (0, 2000, 0, 2000)
    b = list(a)
    for i in rng.sample(range(2000), 200):
        b[i] = rng.choice([c for c in "ACGT" if c != b[i]])
    mutated = align_identity(a, "".join(b), mode="global")
    assert mutated.identity == pytest.approx(0.9, abs=0.02) and mutated.coverage > 0.95
    lines = mutated.alignment.split("\n")
    assert mutated.truncated and len(lines[0]) == len(lines[1]) == len(lines[2]) == align.ALIGNMENT_COLUMNS


def test_alignment_with_a_gap_and_local_span():
    s = align_identity("ACGTACGTTTGACCA", "ACGTCGTTTGACCA", mode="global")
    assert (s.identities, s.mismatches, s.gaps, s.aligned_length) == (14, 0, 1, 15)
    assert s.alignment == "ACGTACGTTTGACCA\n|||| ||||||||||\nACGT-CGTTTGACCA"
    assert s.score == 14 * 2 - 5
    local = align_identity("TTTTT" + "GATTACAGATTACA" + "TTTTT", "CCC" + "GATTACAGATTACA")
    assert (local.a_start, local.a_end, local.b_start, local.b_end) == (5, 19, 3, 17)
    assert local.coverage == pytest.approx(14 / 17)
    assert align_identity("AAAA", "CCCC").aligned_length == 0
    with pytest.raises(UserInputError, match="too long"):
        align_identity("A" * 10_000, "C" * 10_000)
