"""Protein properties and residue look-up, checked against direct ProteinAnalysis calls and hand values."""

from __future__ import annotations

import gzip
import random
from functools import lru_cache

import pytest
from Bio.SeqUtils.ProtParam import ProteinAnalysis

from dnahlm.bio.protein import protein_properties, residue_at, three_letter
from dnahlm.errors import UserInputError
from tests.conftest import SHARED_DATA, needs_shared_data

GBFF = SHARED_DATA / "annotated" / "ecoli_K12_MG1655_NC_000913.3.gbff.gz"
ALB = (  # human serum albumin precursor, UniProt P02768
    "MKWVTFISLLLLFSSAYSRGVFRRDTHKSEIAHRFKDLGEEHFKGLVLIAFSQYLQQCPFDEHVKLVNELTEFAKTCVADESHAGCEKSLHTLFGDELCK"
    "VASLRETYGDMADCCEKQEPERNECFLSHKDDSPDLPKLKPDPNTLCDEFKADEKKFWGKYLYEIARRHPYFYAPELLYYANKYNGVFQECCQAEDKGAC"
    "LLPKIETMREKVLASSARQRLRCASIQKFGERALKAWSVARLSQKFPKAEFVEVTKLVTDLTKVHKECCHGDLLECADDRADLAKYICDNQDTISSKLKE"
    "CCDKPLLEKSHCIAEVEKDAIPENLPPLTADFAEDKDVCKNYQEAKDAFLGSFLYEYSRRHPEYAVSVLLRLAKEYEATLEECCAKDDPHACYSTVFDKL"
    "KHLVDEPQNLIKQNCDQFEKLGEYGFQNALIVRYTRKVPQVSTPTLVEVSRSLGKVGTRCCTKPESERMPCTEDYLSLILNRLCVLHEKTPVSEKVTKCC"
    "TESLVNRRPCFSALTPDETYVPKAFDEKLFTFHADICTLPDTEKQIKKQTALVELLKHKPKATEEQLKTVMENFVAFVDKCCAADDKEACFAVEGPKLVV"
    "STQTALA"
)


def test_properties_match_protein_analysis():
    p = protein_properties(ALB)
    pa = ProteinAnalysis(ALB)
    assert p.length_aa == len(ALB) == 607
    assert p.molecular_weight_da == pytest.approx(pa.molecular_weight(), abs=0.01)
    assert p.molecular_weight_kda == pytest.approx(pa.molecular_weight() / 1000, abs=0.001)
    assert p.isoelectric_point == pytest.approx(pa.isoelectric_point(), abs=0.01)
    assert (
        p.extinction_coefficient_reduced,
        p.extinction_coefficient_cystines,
    ) == pa.molar_extinction_coefficient()
    assert p.gravy == pytest.approx(pa.gravy(), abs=0.001)
    assert p.composition == {a: ALB.count(a) for a in "ACDEFGHIKLMNPQRSTVWY"}
    assert sum(p.composition_percent.values()) == pytest.approx(100, abs=0.1)
    assert p.source == "protein" and p.orf is None


def test_extinction_coefficient_by_hand():
    protein = "MWWYYYCCCCCAG"  # 2 W, 3 Y, 5 C -> 2 cystines
    p = protein_properties(protein)
    assert p.extinction_coefficient_reduced == 2 * 5500 + 3 * 1490
    assert p.extinction_coefficient_cystines == 2 * 5500 + 3 * 1490 + 2 * 125


def test_mass_by_hand():
    # glycine 75.0666 Da; a peptide bond releases one water (18.0153 Da)
    assert protein_properties("G").molecular_weight_da == pytest.approx(75.07, abs=0.01)
    assert protein_properties("GG").molecular_weight_da == pytest.approx(2 * 75.0666 - 18.0153, abs=0.01)


def test_summary_format():
    p = protein_properties(ALB)
    text = p.summary()
    assert text.startswith("The protein is 607 aa long with a molecular weight of ")
    assert f"{p.molecular_weight_da:,.1f} Da ({p.molecular_weight_kda:.2f} kDa)" in text
    assert f"pI {p.isoelectric_point:.2f}" in text and text.endswith(".")
    assert text.count(". ") == 0  # one sentence


def test_trailing_stop_whitespace_and_case():
    assert protein_properties(" mkw v*\n").protein == "MKWV"


@pytest.mark.parametrize(
    ("protein", "where"), [("MKZ", "position 3"), ("MK*A", "position 3"), ("M1K", "position 2")]
)
def test_bad_letters_name_their_position(protein, where):
    with pytest.raises(UserInputError, match=where):
        protein_properties(protein)


def test_input_errors():
    with pytest.raises(UserInputError):
        protein_properties()
    with pytest.raises(UserInputError):
        protein_properties("MK", dna="ATG")
    with pytest.raises(UserInputError, match="no ATG"):
        protein_properties(dna="CCCCCCCCC")
    with pytest.raises(UserInputError, match="frame"):
        protein_properties(dna="ATGAAATAA", frame=4)


def test_dna_like_protein_is_flagged():
    assert protein_properties("ACGTACGTAC").warnings
    assert not protein_properties("MKWV").warnings


def test_from_dna_longest_orf_is_used_and_reported():
    short = "ATG" + "AAA" * 2 + "TAA"  # 3 aa at 1-12, frame +1
    long = "ATG" + "TGG" * 5 + "TGA"  # 6 aa at 15-35, frame +3 (offset 14 = 2 mod 3)
    dna = short + "CC" + long + "G"
    p = protein_properties(dna=dna)
    assert p.protein == "MWWWWW" and p.source == "dna"
    assert (p.orf.frame, p.orf.strand, p.orf.start, p.orf.end, p.orf.complete) == (3, 1, 15, 35, True)
    assert p.orf.choice == "longest ORF"
    assert p.molecular_weight_da == pytest.approx(ProteinAnalysis("MWWWWW").molecular_weight(), abs=0.01)
    first = protein_properties(dna=dna, frame=1)
    assert first.protein == "MKK" and (first.orf.start, first.orf.end) == (1, 12)
    assert first.orf.choice == "first ATG in frame"
    assert "frame +3, nt 15-35" in p.summary()


def test_from_dna_minus_strand():
    orf = "ATG" + "TGG" * 3 + "TAA"  # MWWW
    dna = "GG" + "TTA" + "CCA" * 3 + "CAT" + "C"  # the reverse complement of orf, between GG and C
    assert dna[2:-1] == orf[::-1].translate(str.maketrans("ACGT", "TGCA"))
    p = protein_properties(dna=dna)
    assert p.protein == "MWWW"
    assert p.orf.strand == -1 and (p.orf.start, p.orf.end) == (3, 17)
    # frame -k starts at base k of the reverse complement: C + orf + CC -> the ORF starts at its 2nd base
    assert p.orf.frame == -2


def test_partial_orf_is_reported():
    p = protein_properties(dna="ATGAAATGG")
    assert p.protein == "MKW" and not p.orf.complete


def test_residue_at_protein_matches_indexing():
    for i in range(1, len(ALB) + 1):
        r = residue_at(ALB, i)
        assert r.one_letter == ALB[i - 1]
    r = residue_at(ALB, 3)
    assert (r.one_letter, r.three_letter, r.name, r.protein_length) == ("W", "Trp", "tryptophan", 607)
    assert r.summary() == "Residue 3 is Trp (W, tryptophan) of the 607-aa protein."


@pytest.mark.parametrize("position", [0, -1, 608])
def test_residue_out_of_range(position):
    with pytest.raises(UserInputError, match=r"out of range.*607 aa"):
        residue_at(ALB, position)


def test_residue_at_dna_gives_codon():
    rng = random.Random(3)
    codons = ["ATG"] + ["".join(rng.choice("ACG") for _ in range(3)) for _ in range(30)] + ["TAG"]
    dna = "CCC" + "".join(codons) + "CC"
    for pos in (1, 2, 17, 31):
        r = residue_at(dna, pos)
        assert r.source == "dna"
        assert r.codon == codons[pos - 1]
        assert (r.codon_start, r.codon_end) == (3 + 3 * (pos - 1) + 1, 3 + 3 * pos)
        assert dna[r.codon_start - 1 : r.codon_end] == r.codon
    with pytest.raises(UserInputError, match="out of range"):
        residue_at(dna, 32)
    # the same letters read as a protein
    assert residue_at("ACGT", 2, kind="protein").three_letter == "Cys"


def test_residue_at_minus_strand_codon():
    dna = "GG" + "TTA" + "CCA" * 3 + "CAT" + "C"  # MWWW on the reverse complement
    r = residue_at(dna, 2)
    assert (r.one_letter, r.codon) == ("W", "TGG")
    # codon 2 of the ORF read on the minus strand: forward bases 12-14 are CCA, the reverse complement of TGG
    assert (r.codon_start, r.codon_end) == (12, 14)
    assert dna[11:14] == "CCA"


def test_three_letter():
    assert [three_letter(a) for a in "GCW*"] == ["Gly", "Cys", "Trp", "Ter"]


@lru_cache(maxsize=1)
def _ecoli():
    from Bio import SeqIO

    with gzip.open(GBFF, "rt") as handle:
        return SeqIO.read(handle, "genbank")


def _cds(gene: str):
    rec = _ecoli()
    return rec, next(f for f in rec.features if f.type == "CDS" and f.qualifiers.get("gene") == [gene])


@pytest.mark.data
@needs_shared_data()
@pytest.mark.skipif(not GBFF.is_file(), reason=f"E. coli GenBank file not found at {GBFF}")
def test_lacz_properties_from_genbank():
    rec, f = _cds("lacZ")
    expected = f.qualifiers["translation"][0]
    cds = str(f.extract(rec.seq))
    p = protein_properties(dna=cds, frame=1, table=11)
    assert p.protein == expected and p.length_aa == 1024
    assert p.orf.complete and (p.orf.start, p.orf.end) == (1, len(cds))
    assert p.molecular_weight_da == pytest.approx(ProteinAnalysis(expected).molecular_weight(), abs=0.01)
    assert 116.0 < p.molecular_weight_kda < 117.0  # beta-galactosidase monomer, about 116 kDa
    # the longest ORF of the genomic region (lacZ lies on the minus strand) is lacZ itself
    lo, hi = int(f.location.start), int(f.location.end)
    region = str(rec.seq[lo - 200 : hi + 200])
    q = protein_properties(dna=region, table=11)
    assert q.protein == expected
    assert q.orf.strand == -1 and (q.orf.start, q.orf.end) == (201, 200 + hi - lo)
    assert residue_at(region, 500, table=11).one_letter == expected[499]
