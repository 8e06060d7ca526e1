"""Transcription, one-frame translation, codon usage and IUPAC search, against hand values and brute force."""

from __future__ import annotations

import gzip
import random
from functools import lru_cache

import pytest
from Bio.Seq import translate

from dnahlm.bio.transcripts import codon_usage, find_pattern, iupac_regex, transcribe, translate_frame
from dnahlm.errors import InvalidSequenceError, UserInputError
from tests.conftest import SHARED_DATA, needs_shared_data

GBFF = SHARED_DATA / "annotated" / "ecoli_K12_MG1655_NC_000913.3.gbff.gz"
COMPLEMENT = {"A": "T", "C": "G", "G": "C", "T": "A", "N": "N"}
IUPAC_SETS = {
    "A": "A", "C": "C", "G": "G", "T": "T", "R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT",
    "M": "AC", "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT",
}  # fmt: skip


def rc(s: str) -> str:
    return "".join(COMPLEMENT[b] for b in reversed(s))


def test_transcribe_coding_and_template():
    t = transcribe("atgGCC tga")
    assert t.mrna == "AUGGCCUGA" and t.length == 9 and not t.reverse_complemented
    # template 5'-TCAGGCCAT-3' pairs with mRNA 5'-AUGGCCUGA-3'
    t = transcribe("TCAGGCCAT", strand="template")
    assert t.mrna == "AUGGCCUGA" and t.reverse_complemented and t.given_strand == "template"
    assert t.summary().startswith("The mRNA (5'->3') is AUGGCCUGA (9 nt)")
    with pytest.raises(UserInputError, match="strand"):
        transcribe("ACGT", strand="sense")
    with pytest.raises(InvalidSequenceError, match="position 3"):
        transcribe("ACXT")


def test_translate_frames_by_hand():
    seq = "ATGGCCTAAG"  # reverse complement CTTAGGCCAT
    by_frame = {f: translate_frame(seq, f) for f in (1, 2, 3, -1, -2, -3)}
    assert {f: r.protein for f, r in by_frame.items()} == {
        1: "MA*",
        2: "WPK",
        3: "GL",
        -1: "LRP",
        -2: "LGH",
        -3: "*A",
    }
    assert (by_frame[1].start, by_frame[1].end, by_frame[1].trailing_bases) == (1, 9, 1)
    assert (by_frame[3].start, by_frame[3].end) == (3, 8)
    # frame -1 starts at the last base (10) and reads down to base 2
    assert (by_frame[-1].start, by_frame[-1].end) == (2, 10)
    assert (by_frame[-3].start, by_frame[-3].end) == (3, 8)
    r = translate_frame(seq, 1, to_stop=True)
    assert r.protein == "MA" and (r.start, r.end) == (1, 6) and r.to_stop
    assert by_frame[1].summary().startswith("Frame +1 translates to 3 aa (nt 1-9")


def test_translate_frame_random_against_slicing():
    rng = random.Random(11)
    for _ in range(20):
        s = "".join(rng.choice("ACGT") for _ in range(rng.randrange(3, 80)))
        for f in (1, 2, 3, -1, -2, -3):
            strand = s if f > 0 else rc(s)
            part = strand[abs(f) - 1 :]
            part = part[: len(part) // 3 * 3]
            assert translate_frame(s, f).protein == (translate(part) if part else "")


def test_translate_frame_errors_and_table():
    with pytest.raises(UserInputError, match="frame"):
        translate_frame("ATGAAA", 0)
    with pytest.raises(UserInputError, match="genetic code"):
        translate_frame("ATGAAA", 1, table=99)
    assert translate_frame("ATGTGA", 1, table=4).protein == "MW"  # TGA is Trp in the mycoplasma code


def test_codon_usage_by_hand():
    u = codon_usage("ATG GCT GCC GCT TAA")
    assert u.codons_counted == 5 and u.multiple_of_3 and not u.warnings
    assert u.codons["GCT"].count == 2 and u.codons["GCT"].per_thousand == 400.0
    assert u.codons["GCT"].fraction == pytest.approx(2 / 3, abs=1e-4)
    assert u.codons["GCA"].count == 0 and len(u.codons) == 64
    assert u.amino_acids["A"] == 3 and u.amino_acids["*"] == 1 and u.amino_acids_per_thousand["M"] == 200.0
    assert u.codons_used == 4
    assert u.summary().startswith("The 5 codons of the 15-nt sequence use 4 of 64 codons")


def test_codon_usage_flags():
    u = codon_usage("ATGTAAGCTGC")
    assert not u.multiple_of_3 and u.trailing_bases == 2 and u.internal_stops == 1
    assert any("multiple of 3" in w for w in u.warnings) and any("internal stop" in w for w in u.warnings)
    assert "warning" in u.summary()
    assert codon_usage("ATGNNNTAA").ambiguous_codons == 1


def brute_force(seq: str, pattern: str) -> set[tuple[int, int, int]]:
    """(start, end, strand) 1-based, every window checked letter by letter on both strands."""
    k = len(pattern)
    hits = set()
    for i in range(len(seq) - k + 1):
        window = seq[i : i + k]
        if all(b in IUPAC_SETS[p] for b, p in zip(window, pattern, strict=True)):
            hits.add((i + 1, i + k, 1))
        if all(b in IUPAC_SETS[p] for b, p in zip(rc(window), pattern, strict=True)):
            hits.add((i + 1, i + k, -1))
    return hits


def test_find_pattern_against_brute_force():
    rng = random.Random(5)
    for _ in range(40):
        seq = "".join(rng.choice("ACGT") for _ in range(rng.randrange(20, 300)))
        pattern = "".join(rng.choice("ACGTRYSWKMBDHVN") for _ in range(rng.randrange(1, 7)))
        r = find_pattern(seq, pattern, max_matches=None)
        expected = brute_force(seq, pattern)
        got = set()
        for m in r.matches:
            got.add((m.start, m.end, m.strand))
            if m.both_strands:
                got.add((m.start, m.end, -1))
            strand_seq = seq[m.start - 1 : m.end] if m.strand > 0 else rc(seq[m.start - 1 : m.end])
            assert m.sequence == strand_seq
        assert got == expected, pattern
        assert r.count == len({(s, e) for s, e, _ in expected})


def test_find_pattern_palindrome_once_and_overlaps():
    r = find_pattern("CCGAATTCGGAATTCA", "GAATTC")
    assert r.palindromic and r.count == 2
    assert [(m.start, m.end, m.strand, m.both_strands) for m in r.matches] == [
        (3, 8, 1, True),
        (10, 15, 1, True),
    ]
    r = find_pattern("AAAA", "AA", both_strands=False)
    assert [(m.start, m.end) for m in r.matches] == [(1, 2), (2, 3), (3, 4)]
    r = find_pattern("GGGTTTT", "AAA")  # only on the minus strand
    assert [(m.start, m.end, m.strand, m.sequence) for m in r.matches] == [
        (4, 6, -1, "AAA"),
        (5, 7, -1, "AAA"),
    ]
    assert r.summary().startswith("AAA occurs 2 times on both strands of the 7-bp sequence (0 on +, 2 on -)")
    assert find_pattern("CCCC", "GANTC").summary().startswith("GANTC does not occur")


def test_find_pattern_limits_and_errors():
    r = find_pattern("A" * 50, "A", max_matches=5)
    assert r.count == 50 and len(r.matches) == 5 and r.truncated
    with pytest.raises(InvalidSequenceError, match="pattern"):
        find_pattern("ACGT", "AXG")
    with pytest.raises(UserInputError, match="empty"):
        find_pattern("ACGT", "")
    assert iupac_regex("GRN") == "G[AG][ACGTN]"


@lru_cache(maxsize=1)
def _ecoli():
    from Bio import SeqIO

    with gzip.open(GBFF, "rt") as handle:
        return SeqIO.read(handle, "genbank")


@pytest.mark.data
@needs_shared_data()
@pytest.mark.skipif(not GBFF.is_file(), reason=f"E. coli GenBank file not found at {GBFF}")
def test_lacz_translation_and_codon_usage():
    rec = _ecoli()
    f = next(f for f in rec.features if f.type == "CDS" and f.qualifiers.get("gene") == ["lacZ"])
    expected = f.qualifiers["translation"][0]
    cds = str(f.extract(rec.seq))
    assert translate_frame(cds, 1, table=11, to_stop=True).protein == expected
    # lacZ is on the minus strand: frame -k of the forward genome region reads it
    lo, hi = int(f.location.start), int(f.location.end)
    region = str(rec.seq[lo - 10 : hi + 11])  # 11 extra bases after its start, on the forward strand
    minus = translate_frame(region, -3, table=11)  # 11 = 2 + 3 * 3: from the 3rd base, 3 codons before ATG
    assert minus.protein[3:].startswith(expected + "*")
    assert minus.end == len(region) - 2
    u = codon_usage(cds, table=11)
    assert u.multiple_of_3 and u.internal_stops == 0 and u.codons_counted == 1025
    assert sum(u.amino_acids.values()) == 1025 and u.amino_acids["*"] == 1
    assert u.amino_acids["W"] == expected.count("W")
    assert transcribe(cds).mrna == cds.replace("T", "U")
