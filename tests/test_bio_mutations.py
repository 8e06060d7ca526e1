"""Mutation effects on a designed CDS whose consequences are worked out by hand, and apply_mutation."""

from __future__ import annotations

import random

import pytest
from Bio.Seq import translate

from dnahlm.bio.mutations import apply_mutation, mutation_effect
from dnahlm.errors import UserInputError

# codon:  1     2-20       21     22     23     24     25     26     27     28 (stop)
CODONS = ["ATG"] + ["GCT"] * 19 + ["GGT", "AAG", "TGG", "CTT", "CTG", "AAA", "GGC", "TAA"]
UTR3 = "GGCTGAT"  # after the stop: GGC (Gly) TGA (stop) read through on stop-loss
CDS = "".join(CODONS) + UTR3
# protein: M A*19 G K W L L K G  -> 27 aa


def test_design():
    assert CDS[60:63] == "GGT" and translate(CDS[:84], to_stop=True) == "M" + "A" * 19 + "GKWLLKG"


def test_missense_summary():
    r = mutation_effect(CDS, "c.61G>T")
    assert (r.codon_number, r.codon_change, r.hgvs_p, r.hgvs_p_one_letter) == (
        21,
        "GGT>TGT",
        "p.Gly21Cys",
        "p.G21C",
    )
    assert r.consequence == "missense" and r.kind == "substitution"
    assert r.summary() == (
        "c.61G>T changes codon 21 from GGT to TGT: p.Gly21Cys, a missense mutation (glycine to cysteine)."
    )
    assert (r.protein_length_before, r.protein_length_after) == (27, 27)


def test_structured_arguments_and_prefixless_text_agree():
    a = mutation_effect(CDS, position=61, ref="G", alt="T")
    b = mutation_effect(CDS, "61g>t")
    assert a.hgvs_p == b.hgvs_p == "p.Gly21Cys" and a.hgvs_c == b.hgvs_c == "c.61G>T"


def test_synonymous():
    r = mutation_effect(CDS, "c.63T>C")
    assert (r.codon_change, r.hgvs_p, r.consequence) == ("GGT>GGC", "p.Gly21=", "synonymous")


def test_nonsense():
    r = mutation_effect(CDS, "c.69G>A")  # codon 23 TGG -> TGA
    assert (r.codon_change, r.hgvs_p, r.hgvs_p_one_letter) == ("TGG>TGA", "p.Trp23Ter", "p.W23*")
    assert r.consequence == "nonsense" and r.protein_length_after == 22


def test_frameshift_new_stop_by_hand():
    # deleting one A of codon 22 (AAG at c.64-66; HGVS puts it at the 3' A, c.65) reads on as
    # AGT GGC TTC TGA: Ser Gly Phe Ter -> the new stop is the 4th codon counting Ser22 as 1
    r = mutation_effect(CDS, "c.64delA")
    assert r.hgvs_c == "c.65del"
    assert r.hgvs_p == "p.Lys22SerfsTer4" and r.hgvs_p_one_letter == "p.K22Sfs*4"
    assert r.consequence == "frameshift" and r.protein_length_after == 21 + 3
    assert "frameshift" in r.summary() and r.summary().startswith("c.65del deletes 1 nt in codon 22")


def test_in_frame_deletion():
    r = mutation_effect(CDS, "c.67_69del")  # TGG, Trp23
    assert (r.hgvs_p, r.consequence, r.protein_length_after) == ("p.Trp23del", "in-frame deletion", 26)
    # CTT CTG: deleting c.70_72 (CTT) is the same as deleting the most 3' CTT-shift c.72_74 (TCT): one Leu
    r = mutation_effect(CDS, "c.70_72del")
    assert r.hgvs_c == "c.72_74del" and r.hgvs_p == "p.Leu25del"


def test_in_frame_insertion_and_dup():
    r = mutation_effect(CDS, "c.69_70insGGC")
    assert (r.hgvs_p, r.consequence, r.protein_length_after) == (
        "p.Trp23_Leu24insGly",
        "in-frame insertion",
        28,
    )
    assert mutation_effect(CDS, "c.67_69dup").hgvs_p == "p.Trp23dup"


def test_start_and_stop_loss():
    r = mutation_effect(CDS, "c.3G>A")
    assert (r.hgvs_p, r.consequence, r.codon_change) == ("p.Met1?", "start-loss", "ATG>ATA")
    r = mutation_effect(CDS, "c.82T>C")  # TAA -> CAA (Gln), then GGC (Gly), TGA
    assert (r.hgvs_p, r.consequence, r.protein_length_after) == ("p.Ter28GlnextTer3", "stop-loss", 29)
    r = mutation_effect(CDS, "c.84A>G")  # TAA -> TAG
    assert (r.hgvs_p, r.consequence) == ("p.Ter28=", "synonymous")


def test_cds_start_offset():
    r = mutation_effect("CCGTA" + CDS, "c.61G>T", cds_start=6)
    assert r.hgvs_p == "p.Gly21Cys" and r.codon_change == "GGT>TGT"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("c.61A>T", "reference mismatch"),
        ("c.64_66delAAA", "reference mismatch"),
        ("c.200A>T", "outside"),
        ("c.100A>T", "outside"),  # after the stop codon
        ("c.-3A>T", "cannot read"),
        ("p.Gly21Cys", "cannot read"),
        ("c.50_52insA", "adjacent"),
    ],
)
def test_bad_changes(change, message):
    with pytest.raises(UserInputError, match=message):
        mutation_effect(CDS, change)


def test_random_substitutions_against_codon_translation():
    rng = random.Random(7)
    codons = ["ATG"] + [
        rng.choice(["GCT", "TGG", "CAA", "TAT", "GGA", "AAG", "CTC", "TCA"]) for _ in range(40)
    ]
    cds = "".join(codons) + "TAA"
    three = {"A": "Ala", "W": "Trp", "Q": "Gln", "Y": "Tyr", "G": "Gly", "K": "Lys", "L": "Leu", "S": "Ser"}
    for _ in range(60):
        pos = rng.randrange(4, 3 * len(codons) + 1)
        ref = cds[pos - 1]
        alt = rng.choice([b for b in "ACGT" if b != ref])
        k = (pos - 1) // 3
        new_codon = (
            cds[3 * k : 3 * k + 3][: (pos - 1) % 3] + alt + cds[3 * k : 3 * k + 3][(pos - 1) % 3 + 1 :]
        )
        before, after = translate(codons[k]), translate(new_codon)
        r = mutation_effect(cds, f"c.{pos}{ref}>{alt}")
        assert r.codon_change == f"{codons[k]}>{new_codon}"
        if after == before:
            assert r.consequence == "synonymous" and r.hgvs_p == f"p.{three[before]}{k + 1}="
        elif after == "*":
            assert r.consequence == "nonsense" and r.hgvs_p == f"p.{three[before]}{k + 1}Ter"
            assert r.protein_length_after == k
        else:
            assert r.consequence == "missense" and r.hgvs_p_one_letter == f"p.{before}{k + 1}{after}"


def test_apply_mutation_matches_slicing():
    seq = "ACGTTGCAAGGCT"
    assert apply_mutation(seq, "4T>A").sequence == seq[:3] + "A" + seq[4:]
    r = apply_mutation(seq, "g.6_8del")
    assert r.sequence == seq[:5] + seq[8:] and r.length_after == len(seq) - 3
    assert apply_mutation(seq, "2_3insTTT").sequence == seq[:2] + "TTT" + seq[2:]
    assert apply_mutation(seq, position=1, ref="A", alt="GG").sequence == "GG" + seq[1:]
    assert apply_mutation(seq, "10_11delinsCC").sequence == seq[:9] + "CC" + seq[11:]
    assert apply_mutation(seq, "9dup").sequence == seq[:9] + "A" + seq[9:]
    assert apply_mutation(seq, "4T>A").summary().startswith("After 4T>A the sequence is 13 bp")
    with pytest.raises(UserInputError, match="reference mismatch"):
        apply_mutation(seq, "4G>A")
    with pytest.raises(UserInputError, match="outside"):
        apply_mutation(seq, "20A>G")
