"""Tests of dnahlm.bio.restriction: digests, ends, cutters and enzyme names.

Expected values come from sequences designed so that cut positions and fragment sizes can be worked out by
hand (each is derived in a comment), from brute-force site counting with regular expressions, and from
plain Biopython calls (``Enzyme.catalyse``, ``Enzyme.search``). The real-data test digests the E. coli
K-12 lacZ gene and the whole genome from ``../shared/data/annotated``.
"""

from __future__ import annotations

import doctest
import random
import re
import subprocess
import sys
import time

import pytest
from Bio.Restriction import AllEnzymes, CommOnly
from Bio.Seq import Seq

from dnahlm.bio import restriction
from dnahlm.bio.restriction import CutterReport, Digest, cutters, digest, enzyme_names, resolve_enzyme
from dnahlm.errors import InvalidSequenceError, UserInputError
from tests.conftest import needs_shared_data


def rc(seq: str) -> str:
    return seq[::-1].translate(str.maketrans("ACGT", "TGCA"))


def spans(d: Digest) -> list[tuple[int, int, int]]:
    return [(f.start, f.end, f.length) for f in d.fragments]


# ---------------------------------------------------------------- linear digests


# EcoRI G^AATTC at 1500 -> cut 1501; HindIII A^AGCTT at 1500 + 6 + 2000 = 3506 -> cut 3507; length 4012
DOUBLE = "A" * 1500 + "GAATTC" + "C" * 2000 + "AAGCTT" + "T" * 500


def test_linear_double_digest_by_hand():
    d = digest(DOUBLE, ["EcoRI", "HindIII"])
    assert d.length == 4012 and d.topology == "linear"
    assert d.cuts == [1501, 3507]
    assert [(e.enzyme, e.cuts, e.count) for e in d.enzymes] == [("EcoRI", [1501], 1), ("HindIII", [3507], 1)]
    assert spans(d) == [(0, 1501, 1501), (1501, 3507, 2006), (3507, 4012, 505)]
    assert [(f.left, f.right) for f in d.fragments] == [
        (None, "EcoRI"),
        ("EcoRI", "HindIII"),
        ("HindIII", None),
    ]
    assert d.sizes == [2006, 1501, 505] and d.count == 3
    assert d.cutters == ["EcoRI", "HindIII"] and d.non_cutters == []
    assert d.summary() == (
        "EcoRI and HindIII cut this 4,012 bp linear sequence into 3 fragments: 2,006, 1,501 and 505 bp."
    )
    # the pieces are the sequence cut at the cuts
    assert "".join(DOUBLE[f.start : f.end] for f in d.fragments) == DOUBLE


def test_enzymes_as_one_string_and_repeated_names():
    a = digest(DOUBLE, "EcoRI/HindIII")
    b = digest(DOUBLE.lower(), ["ecori", "HINDIII", "EcoRI"])
    assert a == b == digest(DOUBLE, ["EcoRI", "HindIII"])


def test_single_digest_sizes_equal_biopython_catalyse_on_random_sequence():
    rng = random.Random(7)
    seq = "".join(rng.choice("ACGT") for _ in range(20_000))
    for name in ("EcoRI", "HindIII", "PstI", "EcoRV", "TaqI", "BsaI", "HapII"):
        enzyme = AllEnzymes.get(name)
        expected = sorted((len(f) for f in enzyme.catalyse(Seq(seq))), reverse=True)
        d = digest(seq, name)
        assert d.count > 2, name  # the check means something: the enzyme does cut
        assert d.sizes == expected, name
        assert d.enzymes[0].cuts == sorted(p - 1 for p in enzyme.search(Seq(seq))), name


def test_two_cut_enzyme_and_cuts_outside_a_linear_sequence():
    # BaeI (10/15)ACNNNNGTAYC(12/7): site at 40 -> cuts 40 - 10 = 30 and 40 + 11 + 12 = 63; length 91
    d = digest("T" * 40 + "ACAAAAGTACC" + "T" * 40, "BaeI")
    assert d.enzymes[0].cuts_per_site == 2 and d.cuts == [30, 63] and d.sizes == [33, 30, 28]
    assert d.enzymes[0].ends == "3' overhang" and d.enzymes[0].overhangs == ["TTTTT", "TTTTT"]
    # site at 5: the left cut (5 - 10 < 0) falls outside, the right one is 5 + 11 + 12 = 28; length 56
    near = "T" * 5 + "ACAAAAGTACC" + "T" * 40
    assert digest(near, "BaeI").cuts == [28]
    # circular, the left cut wraps to 56 - 5 = 51 (Biopython reports it unsorted, [52, 29])
    ring = digest(near, "BaeI", circular=True)
    assert ring.cuts == [28, 51] and spans(ring) == [(28, 51, 23), (51, 28, 33)]
    # BsaI GGTCTC(1/5) at 20: top cut 20 + 7 = 27, bottom cut 20 + 11 = 31. With 6 bases after the site
    # (length 32) both are inside; with 4 (length 30) the bottom cut is not, so the site does not cut
    assert digest("T" * 20 + "GGTCTC" + "A" * 6, "BsaI").cuts == [27]
    assert digest("T" * 20 + "GGTCTC" + "A" * 4, "BsaI").cuts == []
    assert digest("T" * 20 + "GGTCTC" + "A" * 4, "BsaI", circular=True).cuts == [27]
    assert digest("T" * 20 + "GGTCTC", "BsaI", circular=True).cuts == [27 % 26]  # wraps past the origin


# ---------------------------------------------------------------- circular digests


# EcoRI across the origin: ...GA | ATTC...; cut between G (n - 2) and A (n - 1) -> n - 1 = 511
# BamHI G^GATCC at 4 + 200 = 204 -> cut 205; length 4 + 200 + 6 + 300 + 2 = 512
ACROSS = "ATTC" + "C" * 200 + "GGATCC" + "T" * 300 + "GA"


def test_circular_digest_with_site_across_the_origin():
    d = digest(ACROSS, ["EcoRI", "BamHI"], circular=True)
    assert d.topology == "circular" and d.length == 512
    assert d.enzymes[0].cuts == [511] and d.enzymes[1].cuts == [205]
    assert d.enzymes[0].overhangs == ["AATT"]  # read across the origin
    # 205..511, then 511 across the origin to 205: 512 - 511 + 205 = 206
    assert spans(d) == [(205, 511, 306), (511, 205, 206)]
    assert [f.spans_origin for f in d.fragments] == [False, True]
    assert d.sizes == [306, 206]
    assert (
        d.summary() == "EcoRI and BamHI cut this 512 bp circular sequence into 2 fragments: 306 and 206 bp."
    )
    # the same sequence read as linear: the EcoRI site is split, only BamHI cuts
    lin = digest(ACROSS, ["EcoRI", "BamHI"])
    assert spans(lin) == [(0, 205, 205), (205, 512, 307)] and lin.non_cutters == ["EcoRI"]
    assert lin.summary().endswith("into 2 fragments: 307 and 205 bp; EcoRI does not cut.")


def test_circular_cut_at_the_origin():
    # GAATTC split as G | AATTC: the cut falls exactly at 0; BamHI at 5 + 100 = 105 -> cut 106; length 212
    seq = "AATTC" + "A" * 100 + "GGATCC" + "T" * 100 + "G"
    d = digest(seq, ["EcoRI", "BamHI"], circular=True)
    assert d.cuts == [0, 106]
    assert spans(d) == [(0, 106, 106), (106, 212, 106)] and not any(f.spans_origin for f in d.fragments)


def test_circular_sequence_cut_once_is_one_linear_fragment():
    seq = "C" * 300 + "GAATTC" + "T" * 300  # cut 301, length 606
    d = digest(seq, "EcoRI", circular=True)
    assert d.count == 1 and spans(d) == [(301, 301, 606)]
    f = d.fragments[0]
    assert f.spans_origin and not f.circular and (f.left, f.right) == ("EcoRI", "EcoRI")
    assert d.sizes == [len(x) for x in AllEnzymes.get("EcoRI").catalyse(Seq(seq), linear=False)] == [606]
    assert (
        d.summary()
        == "EcoRI cuts this 606 bp circular sequence once, into 1 fragment of 606 bp (the circle opened)."
    )


def test_no_cut_linear_and_circular():
    lin = digest("A" * 1200, ["EcoRI", "BamHI"])
    assert lin.cuts == [] and spans(lin) == [(0, 1200, 1200)] and lin.sizes == [1200]
    assert lin.cutters == [] and lin.non_cutters == ["EcoRI", "BamHI"] and not lin.fragments[0].circular
    assert (
        lin.summary()
        == "EcoRI and BamHI do not cut this 1,200 bp linear sequence; it stays 1 fragment of 1,200 bp."
    )
    ring = digest("A" * 1200, "EcoRI", circular=True)
    assert ring.count == 1 and ring.fragments[0].circular and ring.fragments[0].length == 1200
    assert (
        ring.summary()
        == "EcoRI does not cut this 1,200 bp circular sequence; it stays an uncut circle of 1,200 bp."
    )


def test_enzymes_cutting_at_the_same_place_share_the_cut():
    # HpaII and MspI both cut C^CGG at 10 + 1 = 11
    d = digest("A" * 10 + "CCGG" + "A" * 10, ["HpaII", "MspI"])
    assert d.cuts == [11] and d.count == 2 and d.fragments[0].right == "HpaII/MspI"


# ---------------------------------------------------------------- names and ends


def test_isoschizomers_and_lower_case_names():
    # HapII C^CGG at 10 -> 11; AccB1I G^GYRCC on GGTACC at 10 -> 11; Ppu21I YAC^GTR on CACGTG at 10 -> 13
    for name, site, cut in (("hapii", "CCGG", 11), ("ACCB1I", "GGTACC", 11), ("ppu21i", "CACGTG", 13)):
        d = digest("A" * 10 + site + "A" * 10, name)
        assert d.cuts == [cut], name
    assert [resolve_enzyme(n) for n in ("hapii", "ACCB1I", "Ppu21I")] == ["HapII", "AccB1I", "Ppu21I"]
    assert digest("A" * 10 + "CACGTG" + "A" * 10, "ppu21i").enzymes[0].enzyme == "Ppu21I"


def test_unknown_names_raise_with_suggestions():
    with pytest.raises(UserInputError, match=r"unknown restriction enzyme 'EcoR1'; did you mean EcoRI\b"):
        digest("GAATTC", ["EcoRI", "EcoR1"])
    with pytest.raises(UserInputError, match=r"'Hind3'; did you mean HindIII\b"):
        resolve_enzyme("Hind3")
    with pytest.raises(UserInputError, match="'Qwertzy'; use REBASE names such as EcoRI"):
        digest("GAATTC", "Qwertzy")
    with pytest.raises(UserInputError, match="no restriction enzymes given"):
        digest("GAATTC", [])
    with pytest.raises(UserInputError, match="non-empty text"):
        digest("GAATTC", ["EcoRI", 5])  # type: ignore[list-item]
    with pytest.raises(UserInputError, match="REBASE gives no cut position"):
        digest("GAATTC", "BfaSII")


def test_bad_sequences_are_user_errors():
    with pytest.raises(InvalidSequenceError, match="position 5"):
        digest("ACGTX", "EcoRI")
    with pytest.raises(UserInputError, match="empty"):
        digest(" \n", "EcoRI")
    with pytest.raises(UserInputError, match="must be text"):
        cutters(None)  # type: ignore[arg-type]
    assert digest(">plasmid one\nAAAGAATTC\nAAA", "EcoRI").cuts == [4]  # a FASTA header line is ignored


def test_ends_and_overhangs():
    ecori, psti, ecorv = digest(
        "AA" + "GAATTC" + "TT" + "CTGCAG" + "GG" + "GATATC" + "AA", ["EcoRI", "PstI", "EcoRV"]
    ).enzymes
    assert (ecori.ends, ecori.overhang, ecori.pattern, ecori.site) == (
        "5' overhang",
        "AATT",
        "G^AATT_C",
        "GAATTC",
    )
    assert (psti.ends, psti.overhang, psti.pattern) == ("3' overhang", "TGCA", "C_TGCA^G")
    assert (ecorv.ends, ecorv.overhang, ecorv.overhangs) == ("blunt", "", [""])
    # cuts: EcoRI 2 + 1 = 3; PstI at 10 -> 10 + 5 = 15; EcoRV at 18 -> 18 + 3 = 21
    assert (ecori.cuts, psti.cuts, ecorv.cuts) == ([3], [15], [21])
    assert (ecori.overhangs, psti.overhangs) == (["AATT"], ["TGCA"])


def test_type_iis_overhangs_on_both_strands():
    # BsaI GGTCTC(1/5): forward site at 20 -> top cut 27, overhang CGTA (bases 27..30)
    fwd = digest("T" * 20 + "GGTCTC" + "A" + "CGTA" + "T" * 10, "BsaI").enzymes[0]
    assert (fwd.cuts, fwd.overhangs, fwd.overhang) == ([27], ["CGTA"], "NNNN")
    # minus-strand site GAGACC at 26: top-strand cut 5 left of the site = 21, overhang TACG = rc(CGTA)
    rev = digest("T" * 20 + rc("GGTCTC" + "A" + "CGTA" + "T"), "BsaI").enzymes[0]
    assert (rev.cuts, rev.overhangs) == ([21], [rc("CGTA")])


# ---------------------------------------------------------------- cutters


SITES = {"EcoRI": "GAATTC", "BamHI": "GGATCC", "HindIII": "AAGCTT", "PstI": "CTGCAG", "XhoI": "CTCGAG",
         "KpnI": "GGTACC", "XbaI": "TCTAGA", "SalI": "GTCGAC", "NotI": "GCGGCCGC", "EcoRV": "GATATC"}  # fmt: skip


def brute_count(seq: str, site: str) -> int:
    """Occurrences of a palindromic site (overlaps counted), one cut each, all inside the sequence."""
    return len(re.findall(f"(?={site})", seq))


def test_cutters_on_designed_sequence():
    # EcoRI once, BamHI twice, HindIII not at all (A/C filler holds none of the three sites)
    seq = "A" * 50 + "GAATTC" + "C" * 50 + "GGATCC" + "A" * 50 + "GGATCC" + "C" * 50
    r = cutters(seq, times=2)
    assert "EcoRI" in r.once and "BamHI" in r.twice and "HindIII" in r.none
    assert "BamHI" in r.exactly and "EcoRI" not in r.exactly and r.times == 2
    assert r.counts["EcoRI"] == 1 and r.counts["BamHI"] == 2 and "HindIII" not in r.counts
    assert r.tested == len(CommOnly) and r.commercial


def test_cutters_against_brute_force_counts():
    rng = random.Random(3)
    seq = "".join(rng.choice("ACGT") for _ in range(6000))
    r = cutters(seq)
    expected = {name: brute_count(seq, site) for name, site in SITES.items()}
    assert {0, 1, 2} <= set(expected.values())  # every list is exercised by this seed
    for name, n in expected.items():
        assert (name in r.once, name in r.twice, name in r.none) == (n == 1, n == 2, n == 0), name
        assert r.counts.get(name, 0) == n, name
    # every commercial enzyme, searched one at a time with Biopython; a cut made by two sites (one on each
    # strand, e.g. AbaSI, MspJI with 1-4 bp sites) is listed twice by Biopython and counted once here
    one_by_one = {str(e): len(set(e.search(Seq(seq)))) for e in CommOnly}
    assert any(len(e.search(Seq(seq))) > one_by_one[str(e)] for e in CommOnly)
    assert r.counts == {k: v for k, v in one_by_one.items() if v}
    key = lambda n: (n.lower(), n)  # noqa: E731
    assert r.once == sorted((k for k, v in one_by_one.items() if v == 1), key=key)
    assert r.none == sorted((k for k, v in one_by_one.items() if v == 0), key=key)
    assert r.exactly == [] and len(r.once) + len(r.twice) + len(r.none) < r.tested


def test_cutters_summary_and_times():
    seq = "A" * 50 + "GAATTC" + "C" * 50 + "GGATCC" + "A" * 50 + "GGATCC" + "C" * 50
    r = cutters(seq, times=1)
    assert r.exactly == r.once
    n = len(r.once)
    assert r.summary().startswith(
        f"{n} commercially available enzymes cut this 218 bp linear sequence exactly once: {r.once[0]}, "
    )
    assert cutters(seq, times=0).exactly == r.none
    text = cutters(seq).summary()
    assert text.startswith(
        f"{n} commercially available enzymes cut this 218 bp linear sequence exactly once: "
    )
    assert text.endswith(f"; {len(r.twice)} cut twice and {len(r.none)} of the {r.tested} tested do not cut.")
    with pytest.raises(UserInputError, match="times must be"):
        cutters(seq, times=-1)


def test_cutters_circular_and_all_enzymes():
    r = cutters(ACROSS, circular=True, commercial=False)
    assert r.tested == len(AllEnzymes) > len(CommOnly) and not r.commercial
    assert r.counts["EcoRI"] == 1 and r.counts["BamHI"] == 1
    assert "EcoRI" in cutters(ACROSS).none  # linear: the site across the origin is split
    assert r.summary().split(" ")[1:3] == ["known", "enzymes"]


# ---------------------------------------------------------------- enzyme names in text


def test_enzyme_names_in_a_sentence():
    text = "Cut pUC19 with HindIII and ecori, then the EcoRI-digested DNA with BamHI/HAPII; CviKI_1 too. VI."
    assert enzyme_names(text) == ["HindIII", "EcoRI", "BamHI", "HapII", "CviKI_1"]
    assert enzyme_names("What is the GC content of this sequence?") == []
    assert enzyme_names("ecori and hindiii") == []


def test_enzyme_names_does_not_import_biopython_without_a_candidate():
    code = (
        "import sys\nfrom dnahlm.bio.restriction import enzyme_names\n"
        "assert enzyme_names('what is the GC content here?') == []\n"
        "print('Bio.Restriction' in sys.modules)\n"
        "enzyme_names('cut with EcoRI')\nprint('Bio.Restriction' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


# ---------------------------------------------------------------- results


def test_results_round_trip_through_json():
    d = digest(ACROSS, ["EcoRI", "BamHI"], circular=True)
    assert Digest.model_validate_json(d.model_dump_json()) == d
    r = cutters(DOUBLE)
    assert CutterReport.model_validate_json(r.model_dump_json()) == r


def test_docstring_examples():
    assert doctest.testmod(restriction).failed == 0


# ---------------------------------------------------------------- real data


@needs_shared_data()
@pytest.mark.data
def test_lacz_and_whole_genome_digests_equal_biopython(ecoli):
    lacz = next(f for f in ecoli.features if f.type == "CDS" and f.qualifiers.get("gene") == ["lacZ"])
    gene = str(lacz.extract(ecoli.seq))
    assert len(gene) == 3075
    for name in ("EcoRV", "PvuII", "BglI", "HincII", "TaqI"):
        enzyme = AllEnzymes.get(name)
        expected = sorted((len(f) for f in enzyme.catalyse(Seq(gene))), reverse=True)
        d = digest(gene, name)
        assert d.count >= 2 and d.sizes == expected, name
    genome = str(ecoli.seq)
    start = time.perf_counter()
    d = digest(genome, ["EcoRI", "BsaI"], circular=True)
    assert time.perf_counter() - start < 20
    for e in d.enzymes:
        found = AllEnzymes.get(e.enzyme).search(Seq(genome), linear=False)
        assert e.cuts == sorted((p - 1) % len(genome) for p in found)
    assert sum(d.sizes) == len(genome) == 4_641_652 and d.count == len(d.cuts)
    largest = ", ".join(f"{n:,}" for n in d.sizes[:9]) + f" and {d.sizes[9]:,} bp."
    assert d.summary() == (
        f"EcoRI and BsaI cut this 4,641,652 bp circular sequence into {d.count:,} fragments: "
        f"the 10 largest are {largest}"
    )
