"""Sequence composition (:mod:`dnahlm.bio.composition`): figures checked against hand counts; and the input
rules all the :mod:`dnahlm.bio` sequence functions share (bad letters, empty input, FASTA header, limits,
long sequences).
"""

from __future__ import annotations

import doctest
import random
import time
from collections import Counter

import pytest
from Bio.Seq import Seq

from dnahlm.bio import composition
from dnahlm.bio.align import align_identity
from dnahlm.bio.composition import reverse_complement_tool, sequence_stats
from dnahlm.bio.orfs import find_orfs, translate_frames
from dnahlm.bio.sites import restriction_sites
from dnahlm.errors import InvalidSequenceError, UserInputError


def rand(rng: random.Random, n: int, alphabet: str = "ACGT", weights: list[float] | None = None) -> str:
    return "".join(rng.choices(alphabet, weights=weights, k=n))


def revcomp(s: str) -> str:
    return str(Seq(s).reverse_complement())


def test_the_docstring_examples_run():
    result = doctest.testmod(composition)
    assert result.attempted >= 2 and result.failed == 0


# ---------------------------------------------------------------- statistics


def test_stats_match_hand_counts():
    seq = "acgtNNcgcgATTTAGCgcN"
    s = seq.upper()
    stats = sequence_stats(seq)
    assert stats.length == len(s)
    assert stats.composition == {b: s.count(b) for b in "ACGTN"}
    assert stats.n_count == 3 and stats.n_fraction == pytest.approx(3 / 20)
    gc = s.count("G") + s.count("C")
    assert stats.gc_fraction == pytest.approx(gc / (len(s) - 3))
    cpg = sum(s[i : i + 2] == "CG" for i in range(len(s) - 1))
    assert stats.cpg_count == cpg == 4
    assert stats.cpg_obs_exp == pytest.approx(cpg * len(s) / (s.count("C") * s.count("G")))
    assert sequence_stats("AAACCCTTT").cpg_obs_exp is None  # no G
    assert sequence_stats("NNNN").gc_fraction == 0.0


def test_cpg_island_is_found_where_it_was_planted():
    rng = random.Random(3)
    island = rand(rng, 600, weights=[0.15, 0.35, 0.35, 0.15])  # GC ~0.7, CpG not depleted
    seq = (
        rand(rng, 2000, weights=[0.35, 0.15, 0.15, 0.35])
        + island
        + rand(rng, 2000, weights=[0.35, 0.15, 0.15, 0.35])
    )
    stats = sequence_stats(seq)
    assert stats.cpg_island_count == len(stats.cpg_islands) == 1
    isl = stats.cpg_islands[0]
    assert 2000 - 200 < isl.start <= 2000 + 50 and 2600 - 50 <= isl.end < 2600 + 200
    sub = seq[isl.start : isl.end]
    assert isl.gc_fraction == pytest.approx((sub.count("G") + sub.count("C")) / len(sub), abs=1e-4)
    assert isl.obs_exp == pytest.approx(
        sub.count("CG") * len(sub) / (sub.count("C") * sub.count("G")), abs=1e-4
    )
    assert isl.gc_fraction > 0.5 and isl.obs_exp > 0.6


def test_low_complexity_homopolymer_and_dust():
    rng = random.Random(5)
    background = rand(rng, 3000)
    seq = (
        background[:500] + "C" + "A" * 15 + "C" + background[500 : 1024 - 17] + "CA" * 40 + background[1200:]
    )
    assert seq[1024:1104] == "CA" * 40
    stats = sequence_stats(seq)
    homopolymers = [r for r in stats.low_complexity if r.kind == "homopolymer"]
    assert (501, 516, "A") in [(r.start, r.end, r.unit) for r in homopolymers]
    dust = [r for r in stats.low_complexity if r.kind == "dust"]
    assert len(dust) == 1 and dust[0].start <= 1024 and dust[0].end >= 1104
    # the 64-bp window [1024, 1088) lies in the repeat: triplets CAC and ACA 31 times each
    window = seq[1024:1088]
    counts = Counter(window[i : i + 3] for i in range(62))
    assert dust[0].score == pytest.approx(sum(c * (c - 1) / 2 for c in counts.values()) / 61, abs=1e-3)
    covered = set()
    for r in stats.low_complexity:
        covered.update(range(r.start, r.end))
    assert stats.low_complexity_bp == len(covered)
    # random sequence alone has no dust region, and max_regions cuts the list but not the count
    assert not [r for r in sequence_stats(background).low_complexity if r.kind == "dust"]
    cut = sequence_stats(seq, max_regions=0)
    assert (
        cut.low_complexity == [] and cut.low_complexity_count == len(stats.low_complexity) and cut.truncated
    )


def test_reverse_complement_tool():
    rng = random.Random(1)
    seq = rand(rng, 200, "ACGTN")
    out = reverse_complement_tool(seq.lower())
    assert out.sequence == revcomp(seq) and out.length == 200
    assert reverse_complement_tool(out.sequence).sequence == seq


# ---------------------------------------------------------------- input errors


@pytest.mark.parametrize(
    "call",
    [
        lambda s: sequence_stats(s),
        lambda s: reverse_complement_tool(s),
        lambda s: translate_frames(s),
        lambda s: find_orfs(s),
        lambda s: restriction_sites(s),
        lambda s: align_identity("ACGT", s),
    ],
)
def test_bad_input_errors(call):
    with pytest.raises(InvalidSequenceError, match="position 5") as info:
        call("ACGTUACGT")
    assert info.value.position == 5 and info.value.letter == "U"
    with pytest.raises(UserInputError, match="empty"):
        call("  \n")
    with pytest.raises(UserInputError, match="more than one FASTA record"):
        call(">a\nACGT\n>b\nACGT")


def test_fasta_header_is_ignored():
    assert sequence_stats(">chr1 test\nACGT\nNNAC\n").length == 8
    with pytest.raises(InvalidSequenceError, match="chr1 at position 3"):
        sequence_stats(">chr1 test\nACXT")


# ---------------------------------------------------------------- long sequences


def test_two_megabases_are_handled_fast():
    import numpy as np

    rng = np.random.default_rng(0)
    seq = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, 2_000_000)].tobytes().decode()
    t0 = time.perf_counter()
    stats = sequence_stats(seq, max_regions=10)
    orfs = find_orfs(seq, max_orfs=10)
    cuts = restriction_sites(seq)
    seconds = time.perf_counter() - t0
    assert stats.length == 2_000_000 and len(orfs) == 10 and cuts.length == 2_000_000
    assert stats.cpg_count == seq.count("CG")
    assert {e.enzyme: e.count for e in cuts.enzymes}["EcoRI"] == seq.count("GAATTC")
    assert seconds < 20, f"2 Mb took {seconds:.1f} s"  # about 2 s on a free machine


def test_negative_limits_and_bad_arguments_are_user_errors():
    for call in (
        lambda: sequence_stats("ACGT", max_regions=-1),
        lambda: find_orfs("ACGT", max_orfs=-1),
        lambda: find_orfs("ACGT", min_protein_length=0),
        lambda: translate_frames("ACGT", max_aa=-1),
        lambda: restriction_sites("ACGT", max_positions=-1),
        lambda: restriction_sites("ACGT", []),
        lambda: align_identity("ACGT", "ACGT", mode="semiglobal"),  # type: ignore[arg-type]
    ):
        with pytest.raises(UserInputError):
            call()
