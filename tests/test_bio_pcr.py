"""PCR: products on hand-built templates (expected values by slicing), primer3 design, cloning primers."""

from __future__ import annotations

import gzip
import json
import random

import primer3
import pytest
from Bio.SeqUtils import MeltingTemp as mt

from dnahlm.bio.cloning import cloning_primers
from dnahlm.bio.pcr import PcrProduct, PrimerDesign, design_primers, pcr_product
from dnahlm.errors import UserInputError
from tests.conftest import SHARED_DATA

COMP = str.maketrans("ACGT", "TGCA")


def rc(s: str) -> str:  # independent of dnahlm.sequences
    return s.translate(COMP)[::-1]


def random_dna(n: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("ACGT") for _ in range(n))


T = random_dna(2000, seed=7)
FWD = T[100:120]  # top strand 101-120
REV = rc(T[603:623])  # binds the bottom strand; its site on the top strand is 604-623


def test_fixture_sites_are_unique():
    for p in (FWD, REV):
        assert (T.count(p[-15:]) + rc(T).count(p[-15:])) == 1


def test_product_from_two_primers():
    r = pcr_product(T, FWD, REV)
    assert r.product_size == 523 and r.product_sequence == T[100:623]
    f, b = r.forward_binding, r.reverse_binding
    assert (f.start, f.end, f.strand, f.tail_length) == (101, 120, "top", 0)
    assert (b.start, b.end, b.strand, b.tail_length) == (604, 623, "bottom", 0)
    assert not r.swapped and not r.problems and r.candidate_sizes == [523]
    assert r.summary() == (
        "These primers amplify a 523 bp product from this 2,000 bp template (forward binds at 101-120 "
        "on the top strand, reverse at 604-623 on the bottom strand)."
    )
    assert PcrProduct.model_validate(json.loads(r.model_dump_json())) == r


def test_tailed_primers_carry_their_tails_into_the_product():
    ftail, rtail = "GCGCGAATTC", "ATATAAGCTG"
    assert ftail[-1] != T[99] and rc(rtail)[0] != T[623]  # tails' 3' bases do not extend the match
    r = pcr_product(T, ftail + FWD, rtail + REV)
    assert r.product_sequence == ftail + T[100:623] + rc(rtail)
    assert r.product_size == 523 + 20
    assert (r.forward_binding.tail_length, r.reverse_binding.tail_length) == (10, 10)
    assert (r.forward_binding.start, r.reverse_binding.end) == (101, 623)
    assert "10-nt 5' tail" in r.summary()


def test_5prime_mismatch_becomes_tail_3prime_mismatch_stops_binding():
    wrong5 = ("A" if FWD[0] != "A" else "C") + FWD[1:]
    r = pcr_product(T, wrong5, REV)
    assert r.product_sequence == wrong5[0] + T[101:623] and r.forward_binding.tail_length == 1
    wrong3 = FWD[:-1] + ("A" if FWD[-1] != "A" else "C")
    r = pcr_product(T, wrong3, REV)
    assert r.product_size is None and r.forward_sites == []
    assert "forward primer does not bind" in r.summary()


def test_swapped_primers():
    r = pcr_product(T, REV, FWD)
    assert r.swapped and r.product_sequence == T[100:623]
    assert r.forward_binding.primer == "reverse" and r.forward_binding.strand == "top"
    assert "swapped" in r.summary()


def test_primer_that_does_not_bind():
    stranger = "ACGTACGTTTGCAACCGGTA"
    assert stranger[-15:] not in T and rc(stranger[-15:]) not in T
    r = pcr_product(T, FWD, stranger)
    assert r.product_size is None and r.product_sequence is None and r.reverse_sites == []
    assert r.summary().startswith("These primers amplify no single product from this 2,000 bp template")
    assert "reverse primer does not bind" in r.summary()


def test_primer_binding_twice():
    downstream = T[:1500] + FWD + T[1500:]  # second forward site after the reverse one: still one product
    r = pcr_product(downstream, FWD, REV)
    assert len(r.forward_sites) == 2 and r.product_size == 523
    assert "binds 2 sites" in r.summary()
    between = T[:300] + FWD + T[300:]  # second forward site at 301-320, inside the product
    r = pcr_product(between, FWD, REV)
    assert r.product_size is None
    assert r.candidate_sizes == sorted([523 + 20, 623 + 20 - 300])
    assert "2 possible products" in r.summary()


def test_same_strand_and_facing_away_give_no_product():
    r = pcr_product(T, FWD, T[603:623])
    assert r.product_size is None and "same strand" in r.summary()
    away_f, away_r = T[603:623], rc(T[100:120])  # forward at 604, reverse at 101: pointing apart
    r = pcr_product(T, away_f, away_r)
    assert r.product_size is None and "face away" in r.summary()


def test_circular_template_product_across_the_origin():
    away_f, away_r = T[603:623], rc(T[100:120])
    r = pcr_product(T, away_f, away_r, circular=True)
    assert r.product_sequence == T[603:] + T[:120] and r.product_size == 2000 - 603 + 120
    assert r.spans_origin and "spans the origin" in r.summary() and "circular" in r.summary()


def test_circular_primer_site_spanning_the_origin():
    plasmid = T[110:] + T[:110]  # the forward site T[100:120] is now 1991-2000 + 1-10
    r = pcr_product(plasmid, FWD, REV, circular=True)
    assert (r.forward_binding.start, r.forward_binding.end) == (1991, 10)
    assert r.product_sequence == T[100:623] and r.spans_origin
    assert pcr_product(plasmid, FWD, REV).product_size is None  # linear: the site is cut in two


def test_lower_case_input_and_bad_input():
    assert pcr_product(T.lower(), FWD.lower(), REV).product_size == 523
    with pytest.raises(UserInputError, match="shorter than min_anneal"):
        pcr_product(T, FWD[-12:], REV)
    with pytest.raises(UserInputError, match="forward primer"):
        pcr_product(T, FWD[:5] + "X" + FWD[6:], REV)
    with pytest.raises(UserInputError, match="min_anneal"):
        pcr_product(T, FWD, REV, min_anneal=3)


# ---------------------------------------------------------------------------------------------- design
def _check_pairs(template: str, design: PrimerDesign) -> None:
    assert design.pairs
    for p in design.pairs:
        assert template[p.left.start - 1 : p.left.end] == p.left.sequence
        assert rc(template[p.right.start - 1 : p.right.end]) == p.right.sequence
        assert p.product_size == p.right.end - p.left.start + 1
        lo, hi = design.product_size_range
        assert lo <= p.product_size <= hi
        assert p.left.gc_percent == pytest.approx(
            100 * sum(b in "GC" for b in p.left.sequence) / len(p.left.sequence)
        )


def test_design_matches_direct_primer3_and_primers_sit_where_reported():
    d = design_primers(T, target=(800, 100), product_size=(200, 400), num_return=3)
    direct = primer3.bindings.design_primers(
        {"SEQUENCE_ID": "x", "SEQUENCE_TEMPLATE": T, "SEQUENCE_TARGET": [799, 100]},
        {
            "PRIMER_NUM_RETURN": 3,
            "PRIMER_PRODUCT_SIZE_RANGE": [[200, 400]],
            "PRIMER_SALT_MONOVALENT": 50.0,
            "PRIMER_SALT_DIVALENT": 1.5,
            "PRIMER_DNTP_CONC": 0.2,
            "PRIMER_DNA_CONC": 250.0,
        },
    )
    assert len(d.pairs) == direct["PRIMER_PAIR_NUM_RETURNED"] == 3
    for i, p in enumerate(d.pairs):
        assert p.left.sequence == direct[f"PRIMER_LEFT_{i}_SEQUENCE"]
        assert p.right.sequence == direct[f"PRIMER_RIGHT_{i}_SEQUENCE"]
        assert p.left.start == direct[f"PRIMER_LEFT_{i}"][0] + 1
        assert p.product_size == direct[f"PRIMER_PAIR_{i}_PRODUCT_SIZE"]
        assert p.left.tm_c == pytest.approx(direct[f"PRIMER_LEFT_{i}_TM"], abs=0.01)
        assert p.penalty == pytest.approx(direct[f"PRIMER_PAIR_{i}_PENALTY"], abs=1e-3)
        assert p.left.start <= 800 and p.right.end >= 899  # spans the target
    _check_pairs(T, d)
    best = d.pairs[0]
    assert pcr_product(T, best.left.sequence, best.right.sequence).product_size == best.product_size
    s = d.summary()
    assert s.startswith(
        f"The best primer pair for this 2,000 bp template around 800-899 gives a {best.product_size} bp"
    )
    assert best.left.sequence in s and best.right.sequence in s


def test_design_whole_sequence_and_region_with_defaults():
    d = design_primers(T)
    assert d.product_size_range == (500, 1000)
    _check_pairs(T, d)
    r = design_primers(T, region=(1001, 1600))
    _check_pairs(T, r)
    assert all(p.left.start >= 1001 and p.right.end <= 1600 for p in r.pairs)


def test_no_pair_found_is_explained():
    d = design_primers("AT" * 200)
    assert d.pairs == [] and d.explanation["left"]
    assert d.summary().startswith("primer3 found no primer pair for this 400 bp template")


def test_design_bad_input():
    with pytest.raises(UserInputError, match="target"):
        design_primers(T, target=(1990, 50))
    with pytest.raises(UserInputError, match="region"):
        design_primers(T, region=(500, 100))
    with pytest.raises(UserInputError, match="product_size"):
        design_primers(T, product_size=(400, 200))
    with pytest.raises(UserInputError, match="na_mM"):
        design_primers(T, na_mM=-5)


# --------------------------------------------------------------------------------------------- cloning
SITES = {"GAATTC": "GAGTTC", "CTCGAG": "CTCTAG", "GGATCC": "GGTTCC", "CCTCAGC": "CCTGAGC", "GGTCTC": "GGACTC"}


def _without_sites(seq: str) -> str:
    changed = True
    while changed:
        changed = False
        for site, other in SITES.items():
            for s in (site, rc(site)):
                if s in seq:
                    seq, changed = seq.replace(s, other), True
    return seq


INSERT = _without_sites("ATG" + random_dna(900, seed=11) + "TAA")


def test_cloning_primers_add_sites_and_anneal_at_target_tm():
    assert all(s not in INSERT and rc(s) not in INSERT for s in SITES)
    c = cloning_primers(INSERT, "EcoRI", "XhoI")
    n, m = len(c.forward_anneal), len(c.reverse_anneal)
    assert c.forward == "GCGC" + "GAATTC" + INSERT[:n]
    assert c.reverse == "GCGC" + "CTCGAG" + rc(INSERT)[:m]
    assert c.internal_cuts5 == [] and c.internal_cuts3 == [] and c.warnings == []

    def tm(s: str) -> float:
        return mt.Tm_NN(s, nn_table=mt.DNA_NN4, Na=50, Mg=1.5, dNTPs=0.2, dnac1=250, dnac2=0, saltcorr=7)

    assert c.forward_anneal_tm_c == pytest.approx(tm(INSERT[:n]), abs=0.01) and c.forward_anneal_tm_c >= 60
    assert n == 18 or tm(INSERT[: n - 1]) < 60  # shortest that reaches 60 °C
    assert c.reverse_anneal_tm_c >= 60 and (m == 18 or tm(rc(INSERT)[: m - 1]) < 60)
    product = pcr_product(INSERT, c.forward, c.reverse)
    assert product.product_sequence == "GCGCGAATTC" + INSERT + "CTCGAGGCGC"
    assert c.product_size == product.product_size
    assert c.summary().startswith(
        f"Use forward 5'-{c.forward}-3' (EcoRI) and reverse 5'-{c.reverse}-3' (XhoI)"
    )


def test_non_palindromic_site_is_reverse_complemented_on_the_reverse_primer():
    c = cloning_primers(INSERT, "ecori", "BbvCI", leader="AAAA")  # BbvCI: CCTCAGC, cuts inside its site
    assert c.reverse.startswith("AAAA" + "GCTGAGG")
    product = pcr_product(INSERT, c.forward, c.reverse).product_sequence
    assert product.endswith(INSERT[-10:] + "CCTCAGC" + "TTTT")


def test_type_iis_site_faces_the_insert():
    c = cloning_primers(INSERT, "BsaI", "BsaI")
    assert c.forward.startswith("GCGCGGTCTC") and c.reverse.startswith("GCGCGGTCTC")
    assert any("outside its site" in w for w in c.warnings)


def test_internal_site_is_warned_of():
    insert = INSERT[:400] + "GAATTC" + INSERT[400:]
    c = cloning_primers(insert, "EcoRI", "BamHI")
    assert c.internal_cuts5 == [402]  # G^AATTC: cut after the G at 401
    assert "EcoRI also cuts inside the insert" in c.summary()


def test_cloning_bad_input():
    with pytest.raises(UserInputError, match="unknown restriction enzyme"):
        cloning_primers(INSERT, "EcoRX", "BamHI")
    with pytest.raises(UserInputError, match="ambiguous"):
        cloning_primers(INSERT, "BglI", "BamHI")
    with pytest.raises(UserInputError, match="insert"):
        cloning_primers("ATGC" * 5, "EcoRI", "BamHI")


# ---------------------------------------------------------------------------------------------- real data
@pytest.mark.data
def test_design_primers_on_ecoli_lacz():
    gbff = SHARED_DATA / "annotated" / "ecoli_K12_MG1655_NC_000913.3.gbff.gz"
    if not gbff.is_file():
        pytest.skip(f"E. coli genome not found at {gbff}")
    from Bio import SeqIO

    with gzip.open(gbff, "rt") as handle:
        record = next(SeqIO.parse(handle, "genbank"))
    lacz = next(f for f in record.features if f.type == "CDS" and f.qualifiers.get("gene") == ["lacZ"])
    cds = str(lacz.extract(record.seq))
    assert len(cds) == 3075 and cds.startswith("ATG") and cds[-3:] in ("TAA", "TAG", "TGA")
    d = design_primers(cds, target=(1500, 200))
    _check_pairs(cds, d)
    assert all(p.left.start <= 1500 and p.right.end >= 1699 for p in d.pairs)
    c = cloning_primers(cds, "NcoI", "XhoI")
    assert c.forward.startswith("GCGCCCATGGATG")
