"""Operands read once at the door (dnahlm.inputs, agents.operands) and the programs they lead to.

Expected values come from the sequences as built here (primer sites placed by hand, digests counted by
Biopython's Restriction, proteins translated by Bio.Seq), never from the code under test.
"""

from __future__ import annotations

import random

import pytest
from Bio.Restriction import EcoRI
from Bio.Seq import Seq
from Bio.SeqUtils.ProtParam import ProteinAnalysis

from dnahlm.agents.graph import build_agent
from dnahlm.agents.operands import read_query
from dnahlm.agents.program import plan_program
from dnahlm.bio.choice import choose
from dnahlm.bio.mutations import compare_clone
from dnahlm.inputs import sequences_in_text, without_sequences


def _dna(n: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("ACGT") for _ in range(n))


FWD = "GCTTACGATCCAGTAGGACT"
REV_SITE = "AGTCCGATGCAACGTTCAGG"  # where the reverse primer anneals (top strand)
REV = str(Seq(REV_SITE).reverse_complement())
TEMPLATE = _dna(40, 1) + FWD + _dna(60, 2) + "GAATTC" + _dna(80, 3) + REV_SITE + _dna(30, 4)
PRODUCT = TEMPLATE[TEMPLATE.index(FWD) : TEMPLATE.index(REV_SITE) + len(REV_SITE)]


def _origin(seq: str) -> str:
    """``seq`` as a GenBank ORIGIN block: numbered lines of six 10-base groups, lower case."""
    lines = []
    for i in range(0, len(seq), 60):
        chunk = seq[i : i + 60].lower()
        groups = " ".join(chunk[j : j + 10] for j in range(0, len(chunk), 10))
        lines.append(f"{i + 1:>9} {groups}")
    return "ORIGIN\n" + "\n".join(lines) + "\n//"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"primers {FWD},{REV} on {TEMPLATE}", [FWD, REV, TEMPLATE]),
        (f"primers {FWD} {REV}", [FWD, REV]),  # two 20-mers on one line: two oligos
        (f"fwd: 5'-{FWD}-3'\nrev: 5'-{REV}-3'", [FWD, REV]),
        (_origin(TEMPLATE) + "\nhow many EcoRI sites?", [TEMPLATE]),
        (f">tmpl my template\n{TEMPLATE[:70]}\n{TEMPLATE[70:]}\n\n>p1\n{FWD}\n", [TEMPLATE, FWD]),
        ("the mRNA AUGGCCUUAGGCAAAUUUGGG please", ["ATGGCCTTAGGCAAATTTGGG"]),
        ("ATG GCC TTA GGC AAA TTT GGG CCC TAA translate", ["ATGGCCTTAGGCAAATTTGGGCCCTAA"]),
        ("\n".join(TEMPLATE[i : i + 60] for i in range(0, len(TEMPLATE), 60)), [TEMPLATE]),
        ("a cat at the gate, cut it with EcoRI", []),
    ],
)
def test_sequences_in_text_in_every_shape(text, expected):
    assert [s.dna for s in sequences_in_text(text)] == expected


def test_the_words_are_kept_without_the_sequences():
    text = f"What Tm has {FWD}? (50 mM Na+)"
    assert without_sequences(text) == "What Tm has  ? (50 mM Na+)"


@pytest.mark.parametrize(
    ("question", "roles"),
    [
        (f"What size band do I get with primers {FWD},{REV} on this template: {TEMPLATE}", ["forward", "reverse", "template"]),
        (f"Forward: {FWD}\nReverse: {REV}\nTemplate:\n{TEMPLATE}", ["forward", "reverse", "template"]),
        (f"pcr w/ {FWD} and {REV}, tmpl below -> size?\n{TEMPLATE}", ["forward", "reverse", "template"]),
        (f"{TEMPLATE}\nIf I PCR this with {FWD} / {REV} what do I get?", ["template", "forward", "reverse"]),
        ("Which has more GC?\nA) ATGCGCGCGCGCGATAT\nB) ATATATATATATATATAT", ["candidate", "candidate"]),
        ("wild type: ATGAAACAGTGGTAAGG mutant: ATGAAATAGTGGTAAGG", ["reference", "mutant"]),
    ],
)  # fmt: skip
def test_roles_come_from_the_words_around_each_sequence(question, roles):
    assert [o.role for o in read_query(question).operands] == roles


def test_named_operands_are_read_from_the_words_not_the_sequences():
    # the pasted sequence holds "GATC" and capital runs; the pattern asked for is the quoted one
    q = read_query("Count 'WGATAR' on the given strand only of GATCGATCGATCGATCAAGATAAGG and cut with EcoRI")
    assert q.pattern == "WGATAR" and q.one_strand and q.enzymes == ["EcoRI"]
    assert read_query("primers for a ~300 bp amplicon").product_size == (270, 330)
    assert read_query("primers giving a 100-200 bp product").product_size == (100, 200)
    assert read_query("How many ORFs encode more than 12 aa?").min_orf_aa == 13
    assert read_query("mass with a C-terminal 6xHis tag").tags == [("his", "HHHHHH", "C")]
    assert read_query("How many fragments?").form == "count"
    assert read_query("Is there a premature stop?").form == "verdict"


def test_pcr_then_digest_digests_the_product_not_the_template():
    agent = build_agent()
    q = f"PCR with fwd {FWD} and rev {REV} on this template, then cut the product with EcoRI. How many fragments?\n{TEMPLATE}"
    a = agent.invoke({"question": q})["answer"]
    tools = [c.tool for c in a.tool_calls]
    assert tools == ["pcr_product", "digest"]
    digest = a.tool_calls[1].result
    assert digest.length == len(PRODUCT)  # the product, not the template
    expected = len(EcoRI.search(Seq(PRODUCT), linear=True)) + 1
    assert digest.count == expected == 2
    first = a.text.split("\n")[0]  # a chain answers with its last step first
    assert first.startswith("EcoRI cuts") and f"into {expected} fragments" in first


def test_a_missing_operand_is_asked_for_not_guessed():
    agent = build_agent()
    for question, seqs, word in [
        ("How many fragments after digestion?", [TEMPLATE], "enzyme"),
        ("What does this mutation do to the protein?", [TEMPLATE], "change"),
        (f"PCR product size with primer {FWD} on this template? {TEMPLATE}", [], "primer"),
    ]:
        a = agent.invoke({"question": question, "sequences": seqs})["answer"]
        assert a.text.endswith("?") and word in a.text.lower() and not a.tool_calls, a.text


def test_a_clone_is_read_against_its_reference():
    ref = "ATG" + "AAA" * 5 + "CAG" + "TGG" * 3 + "TAA"
    clone = ref.replace("CAG", "TAG")
    expected_codon = str(Seq(clone).translate()).index("*") + 1
    r = compare_clone(ref, "GG" + clone + "CC")  # a read with flanks: placed by its ATG
    assert r.premature_stop and r.stop_codon_number == expected_codon == 7 and r.stop_codon == "TAG"
    assert not compare_clone(ref, ref.replace("AAA", "AAG", 1)).premature_stop  # synonymous
    plan = plan_program(read_query(f"Is there a premature stop in my clone? reference: {ref} clone: {clone}"))
    assert [s.tool for s in plan.steps] == ["compare_clone"]


def test_options_are_each_evaluated_then_one_is_chosen():
    options = {"A": "ATATATATGCATATAT", "B": "GCGCGGCCATGCGCGC", "C": "ATGCATGCATGCATGC"}
    gc = {k: (v.count("G") + v.count("C")) / len(v) for k, v in options.items()}
    best = max(gc, key=gc.get)
    r = choose([[v] for v in options.values()], list(options), "gc_high")
    assert r.label == best == "B"
    site = {k: "GAATTC" in v for k, v in {"1": TEMPLATE, "2": PRODUCT[:40]}.items()}
    r = choose([[TEMPLATE], [PRODUCT[:40]]], ["1", "2"], "cut_by", enzymes=["EcoRI"])
    assert r.chosen == [k for k, v in site.items() if v] == ["1"]
    pairs = choose([[FWD, REV], [FWD, FWD]], ["A", "B"], "product_size", template=TEMPLATE, size=len(PRODUCT))
    assert pairs.label == "A"


def test_a_tagged_protein_mass_adds_the_tag():
    cds = "ATG" + "GCT" * 20 + "TGG" + "TAA"
    protein = str(Seq(cds).translate()).rstrip("*") + "HHHHHH"
    expected = ProteinAnalysis(protein).molecular_weight()
    a = build_agent().invoke(
        {"question": "Mass of this protein with a C-terminal His6 tag, in kDa?", "sequences": [cds]}
    )
    r = a["answer"].tool_calls[0].result
    assert abs(r.molecular_weight_da - expected) < 0.05 and r.protein.endswith("HHHHHH")
