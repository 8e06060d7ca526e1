"""Six-frame translation and ORFs (:mod:`dnahlm.bio.orfs`): checked against Biopython and a naive ORF finder.

The real-data test takes E. coli K-12 CDS features from ``../shared/data/annotated`` and checks that
``find_orfs`` gives their GenBank /translation; it is skipped when the data is absent.
"""

from __future__ import annotations

import doctest
import random
import warnings

import pytest
from Bio.Seq import Seq

from dnahlm.bio import orfs as orfs_module
from dnahlm.bio.orfs import find_orfs, translate_frames
from dnahlm.errors import UserInputError

from .conftest import needs_shared_data

STOPS = {"TAA", "TAG", "TGA"}


def rand(rng: random.Random, n: int, alphabet: str = "ACGT", weights: list[float] | None = None) -> str:
    return "".join(rng.choices(alphabet, weights=weights, k=n))


def sense_codons(rng: random.Random, n: int) -> str:
    out = []
    while len(out) < n:
        c = rand(rng, 3)
        if c not in STOPS:
            out.append(c)
    return "".join(out)


def revcomp(s: str) -> str:
    return str(Seq(s).reverse_complement())


def test_the_docstring_examples_run():
    result = doctest.testmod(orfs_module)
    assert result.attempted >= 2 and result.failed == 0


# ---------------------------------------------------------------- translation and ORFs


@pytest.mark.parametrize("n", [1, 2, 3, 100, 101, 257])
def test_six_frames_equal_biopython(n):
    rng = random.Random(n)
    seq = rand(rng, n, "ACGTN", weights=[1, 1, 1, 1, 0.05])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no partial-codon warning
        frames = translate_frames(seq)
    rc = revcomp(seq)
    expected = {}
    for k in range(3):
        for sign, s in ((1, seq), (-1, rc)):
            part = s[k:]
            part = part[: len(part) // 3 * 3]
            expected[sign * (k + 1)] = str(Seq(part).translate()) if part else ""
    assert [f.frame for f in frames] == [1, 2, 3, -1, -2, -3]
    assert {f.frame: f.protein for f in frames} == expected
    for f in frames:  # the span on the forward strand translates to the same protein
        span = seq[f.start : f.end]
        assert len(span) == 3 * len(f.protein)
        assert str(Seq(span if f.strand == 1 else revcomp(span)).translate()) == f.protein if span else True


def test_translation_table_and_truncation():
    assert translate_frames("TGAAGA", table=2)[0].protein == "W*"  # vertebrate mitochondrial code
    assert translate_frames("TGAAGA")[0].protein == "*R"
    long = translate_frames("GCT" * 100, max_aa=10)
    assert long[0].protein == "A" * 10 and long[0].truncated and (long[0].start, long[0].end) == (0, 30)
    with pytest.raises(UserInputError, match="genetic code table 99"):
        translate_frames("ACGT", table=99)


def naive_orfs(seq: str, min_aa: int) -> set[tuple[int, int, int, str]]:
    """Every frame, codon by codon: the first ATG after a stop opens an ORF that the next stop closes."""
    n, found = len(seq), set()
    for strand, s in ((1, seq), (-1, revcomp(seq))):
        for k in range(3):
            begin = None
            for i in range(k, n - 2, 3):
                codon = s[i : i + 3]
                if begin is None and codon == "ATG":
                    begin = i
                elif begin is not None and codon in STOPS:
                    protein = str(Seq(s[begin : i + 3]).translate())[:-1]
                    if len(protein) >= min_aa:
                        lo, hi = (begin, i + 3) if strand == 1 else (n - i - 3, n - begin)
                        found.add((lo, hi, strand, protein))
                    begin = None
    return found


def test_orfs_equal_a_naive_finder():
    rng = random.Random(11)
    seq = rand(rng, 4000)
    orfs = find_orfs(seq, min_protein_length=20)
    assert {(o.start, o.end, o.strand, o.protein) for o in orfs} == naive_orfs(seq, 20)
    assert [o.length_aa for o in orfs] == sorted((o.length_aa for o in orfs), reverse=True)
    for o in orfs:
        assert o.length_nt == o.end - o.start == 3 * (o.length_aa + 1) and o.complete


def test_longest_orf_planted_on_the_minus_strand():
    rng = random.Random(7)
    gene = "ATG" + sense_codons(rng, 299) + "TAG"  # 300 aa + stop = 903 nt
    left, right = rand(rng, 1501), rand(rng, 1300)
    seq = left + revcomp(gene) + right
    orfs = find_orfs(seq)
    top = orfs[0]
    n = len(seq)
    assert (top.start, top.end, top.strand) == (1501, 1501 + 903, -1)
    assert top.frame == -((n - top.end) % 3 + 1)
    assert top.protein == str(Seq(gene).translate())[:-1] and top.length_aa == 300
    assert (
        top.protein
        == next(f for f in translate_frames(seq) if f.frame == top.frame).protein[
            (n - top.end) // 3 : (n - top.end) // 3 + 300
        ]
    )
    assert all(o.strand == 1 for o in find_orfs(seq, both_strands=False))
    assert len(find_orfs(seq, max_orfs=2)) == 2


def test_alternative_starts_and_partial_orfs():
    rng = random.Random(2)
    plain = [a + b + c for a in "ACGT" for b in "ACGT" for c in "ACGT"]
    plain = [c for c in plain if c not in STOPS | {"ATG", "GTG", "TTG", "CTG", "ATT", "ATC", "ATA"}]
    body = "".join(rng.choices(plain, k=59))  # no stop and no start codon of table 11 in frame
    gtg = "CC" + "GTG" + body + "TAA" + "CC"
    assert not [o for o in find_orfs(gtg, table=11, min_protein_length=60) if o.start == 2]
    orf = find_orfs(gtg, table=11, alternative_starts=True, min_protein_length=60)[0]
    assert (orf.start, orf.end, orf.frame, orf.protein[0]) == (2, 185, 3, "M")
    assert orf.protein[1:] == str(Seq(body).translate(table=11))
    open_end = "ATG" + body
    assert find_orfs(open_end, min_protein_length=50) == []
    partial = find_orfs(open_end, min_protein_length=50, include_partial=True)[0]
    assert (partial.start, partial.end, partial.complete, partial.length_aa) == (0, 180, False, 60)


# ---------------------------------------------------------------- real data


@needs_shared_data()
@pytest.mark.data
def test_ecoli_cds_translations_equal_genbank(ecoli):
    genome = str(ecoli.seq)
    picked = {1: [], -1: []}
    for f in ecoli.features:
        q = f.qualifiers
        if f.type != "CDS" or "translation" not in q or "transl_except" in q or "pseudo" in q:
            continue
        if len(f.location.parts) != 1 or q.get("codon_start", ["1"])[0] != "1":
            continue
        strand = f.location.strand
        if len(picked[strand]) < 6:
            picked[strand].append(f)
        if all(len(v) == 6 for v in picked.values()):
            break
    starts = {str(f.extract(ecoli.seq)[:3]) for v in picked.values() for f in v}
    assert "GTG" in starts  # b0005 starts with GTG: alternative starts are exercised
    for strand, features in picked.items():
        for f in features:
            lo, hi = int(f.location.start), int(f.location.end)
            # the region begins at the start codon (on the gene's strand) and has 150 bp past the stop
            region = genome[lo : hi + 150] if strand == 1 else genome[max(lo - 150, 0) : hi]
            offset = lo if strand == 1 else max(lo - 150, 0)
            orfs = find_orfs(region, min_protein_length=10, table=11, alternative_starts=True)
            match = [o for o in orfs if o.strand == strand and (o.start + offset, o.end + offset) == (lo, hi)]
            assert match, f"{q_tag(f)}: no ORF at {lo}..{hi} on strand {strand}"
            assert match[0].protein == f.qualifiers["translation"][0], q_tag(f)


def q_tag(feature) -> str:
    return feature.qualifiers.get("locus_tag", ["?"])[0]
