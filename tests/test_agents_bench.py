"""Bench-biology questions through the whole agent (no index): the tool it picks, and the quantity asked for
in the answer's first sentence, each expected value computed here with Biopython / by hand."""

from __future__ import annotations

import random
import re

import pytest
from Bio.Restriction import EcoRI, HindIII, RestrictionBatch
from Bio.Seq import Seq
from Bio.SeqUtils import MeltingTemp as mt
from Bio.SeqUtils.ProtParam import ProteinAnalysis

from dnahlm.agents import slots
from dnahlm.agents.graph import build_agent
from dnahlm.agents.router import route

RNG = random.Random(11)


def dna(n: int) -> str:
    return "".join(RNG.choice("ACGT") for _ in range(n))


def cds(codons: int) -> str:
    """ATG + sense codons (no stop inside) + TAA."""
    sense = [
        c
        for c in (a + b + d for a in "ACGT" for b in "ACGT" for d in "ACGT")
        if c not in ("TAA", "TAG", "TGA")
    ]
    return "ATG" + "".join(RNG.choice(sense) for _ in range(codons - 2)) + "TAA"


# two EcoRI sites and one HindIII site at known places in a 1,200 bp sequence without others
def clean(n: int) -> str:
    while True:
        s = dna(n)
        if not any(site in s for site in ("GAATTC", "AAGCTT")):
            return s


DIGEST_SEQ = clean(300) + "GAATTC" + clean(400) + "AAGCTT" + clean(200) + "GAATTC" + clean(288)
GENE = cds(120)


@pytest.fixture(scope="module")
def agent():
    return build_agent(None)


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]


def test_a_double_digest_gives_the_fragment_count_and_sizes_first(agent):
    answer = agent.invoke({"question": "How many fragments does a double digest with EcoRI and HindIII give?",
                           "sequences": [DIGEST_SEQ]})["answer"]  # fmt: skip
    assert [c.tool for c in answer.tool_calls] == ["digest"]
    cuts = RestrictionBatch([EcoRI, HindIII]).search(Seq(DIGEST_SEQ), linear=True)
    positions = sorted(p - 1 for ps in cuts.values() for p in ps)  # Biopython: 1-based base after the cut
    sizes = sorted(
        (b - a for a, b in zip([0, *positions], [*positions, len(DIGEST_SEQ)], strict=True)), reverse=True
    )
    head = first_sentence(answer.text)
    assert f"into {len(sizes)} fragments" in head
    assert all(f"{s:,}" in head for s in sizes), (sizes, head)


def test_lower_case_enzyme_names_in_a_digest_question_are_understood():
    plan = route("what fragment sizes does ecori give on this circular plasmid?", True)
    assert [(s.tool, s.args) for s in plan.steps] == [("digest", {"enzymes": ["EcoRI"], "circular": True})]


def test_pcr_product_size_from_two_primers_with_tails(agent):
    template = dna(1000)
    fwd, rev_site = template[100:120], template[580:600]
    rev = str(Seq(rev_site).reverse_complement())
    tail = "GCGCGAATTC"
    q = f"What size product do the primers {tail + fwd} and {tail + rev} give on this template?"
    answer = agent.invoke({"question": q, "sequences": [template]})["answer"]
    assert [c.tool for c in answer.tool_calls] == ["pcr_product"]
    expected = 600 - 100 + 2 * len(tail)
    assert f"{expected:,} bp" in first_sentence(answer.text)


def test_melting_temperature_with_the_conditions_written_in_the_question(agent):
    oligo = "AGCTTGCATGCCTGCAGGTC"
    q = f"What is the Tm of {oligo} at 50 mM Na+, 2 mM Mg2+ and 500 nM primer?"
    answer = agent.invoke({"question": q, "sequences": []})["answer"]
    call = answer.tool_calls[0]
    assert call.tool == "melting_temperature" and call.result.mg_mM == 2.0 and call.result.oligo_nM == 500
    expected = mt.Tm_NN(oligo, nn_table=mt.DNA_NN4, Na=50, Mg=2, dNTPs=0.2, dnac1=500, dnac2=0, saltcorr=7)
    number = float(re.search(r"(\d+\.\d) °C", first_sentence(answer.text)).group(1))
    assert number == pytest.approx(expected, abs=0.06)
    wallace = agent.invoke({"question": "Tm of ATGCATGCATGC by the Wallace rule?", "sequences": []})["answer"]
    assert "36.0 °C" in first_sentence(wallace.text)  # 2 * 6 (A+T) + 4 * 6 (G+C)


def test_protein_mass_and_residue_of_the_encoded_protein(agent):
    protein = str(Seq(GENE).translate(to_stop=True))
    answer = agent.invoke({"question": "What is the molecular weight of the protein it encodes?",
                           "sequences": [GENE]})["answer"]  # fmt: skip
    assert [c.tool for c in answer.tool_calls] == ["protein_properties"]
    mw = ProteinAnalysis(protein).molecular_weight()
    assert f"{mw:,.1f} Da" in first_sentence(answer.text)
    answer = agent.invoke({"question": "Which amino acid is at position 57?", "sequences": [GENE]})["answer"]
    assert [c.tool for c in answer.tool_calls] == ["residue_at"]
    assert f"({protein[56]}," in first_sentence(answer.text)


def test_a_missense_change_in_hgvs_notation(agent):
    codon = GENE[60:63]  # codon 21
    alt = next(
        b
        for b in "ACGT"
        if b != codon[0] and str(Seq(b + codon[1:]).translate()) not in ("*", str(Seq(codon).translate()))
    )
    q = f"What does a {codon[0]}>{alt} change at position 61 of this coding sequence do to the protein?"
    answer = agent.invoke({"question": q, "sequences": [GENE]})["answer"]
    assert [c.tool for c in answer.tool_calls] == ["mutation_effect"]
    from Bio.SeqUtils import seq3

    before, after = seq3(str(Seq(codon).translate())), seq3(str(Seq(alt + codon[1:]).translate()))
    assert f"p.{before}21{after}" in first_sentence(answer.text) and "missense" in answer.text


def test_transcription_pattern_count_and_alignment(agent):
    seq = "ATGGCCTTTAAACCCGGGTATAAATTTGA"
    mrna = agent.invoke({"question": "Write out the mRNA for this coding strand", "sequences": [seq]})[
        "answer"
    ]
    assert seq.replace("T", "U") in mrna.text
    q = "How many times does the motif TATAWAW occur, counting both strands?"
    pattern = agent.invoke({"question": q, "sequences": [seq]})["answer"]
    rc = str(Seq(seq).reverse_complement())
    expected = sum(bool(re.match("TATA[AT]A[AT]", s[i:])) for s in (seq, rc) for i in range(len(s)))
    assert pattern.tool_calls[0].tool == "find_pattern"
    assert re.search(rf"occurs {expected} time", first_sentence(pattern.text))
    a = dna(200)
    b = a[:50] + ("A" if a[50] != "A" else "C") + a[51:150] + ("G" if a[150] != "G" else "T") + a[151:]
    aligned = agent.invoke({"question": "What is the percent identity between these two sequences?",
                            "sequences": [a, b]})["answer"]  # fmt: skip
    assert aligned.tool_calls[0].tool == "align_identity" and "99.0% identical" in first_sentence(
        aligned.text
    )


def test_no_unrelated_tools_run_for_a_bench_question():
    """A mass question does not also list ORFs, search similar genes or quote papers."""
    plan = route("What is the molecular weight of the protein this gene encodes?", True)
    assert [s.tool for s in plan.steps] == ["protein_properties"]
    plan = route("What is the GC content, the molecular weight and the longest ORF?", True)
    assert [s.tool for s in plan.steps] == ["sequence_stats", "protein_properties", "find_orfs"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What does c.61G>T do?", "61G>T"),
        ("a G to T substitution at position 61", "61G>T"),
        ("position 61: G>T, what happens?", "61G>T"),
        ("what if we delete the A at position 76?", "76delA"),
        ("insert a C after position 50", "50_51insC"),
        ("what does c.100_102del do", "100_102del"),
        ("Is this a promoter?", None),
        # written in words, in the many ways people do
        ("if nucleotide 88 (C) is mutated to T, what happens?", "88C>T"),
        ("I'm switching nt 412 from A to G (A of ATG = nt 1)", "412A>G"),
        ("G->C at nt 19 of my CDS", "19G>C"),
        ("effect of changing base 707 from T to A (position 1 = A of ATG)?", "707T>A"),
        ("Position 55 is A; what if it becomes C?", "55A>C"),
        ("the A/T variant at nt 140", "140A>T"),
        ("the C at postion 31 replaced with a G", "31C>G"),
        ("substituting T for the C at position 12", "12C>T"),
        ("base 9 is changed from G to A", "9G>A"),
        ("an A-to-C substitution at position 300", "300A>C"),
        ("numbering starts at the A of the ATG; what does C>T at position 6 do", "6C>T"),
    ],
)
def test_mutation_changes_are_read_from_the_question(question, expected):
    assert slots.mutation_change(question) == expected


def test_other_slots():
    assert slots.frame("translate it in frame -2") == -2 and slots.frame("the 3rd reading frame") == 3
    assert slots.position("the 57th amino acid") == 57 and slots.position("residue 120?") == 120
    assert slots.conditions("50 mM Na+, no Mg2+") == {"mg_mM": 0.0, "dntp_mM": 0.0, "na_mM": 50.0}
    both = {"na_mM": 50.0, "mg_mM": 0.0, "dntp_mM": 0.0, "oligo_nM": 250.0}
    assert slots.conditions("Na+ 50 mM, Mg2+ 0, primer 250 nM") == both
    assert slots.conditions("in 50 mM sodium and 0 mM magnesium with 250 nM oligo") == both
    assert slots.conditions("2 mM MgCl2, 0.2 mM dNTPs") == {"mg_mM": 2.0, "dntp_mM": 0.2}
    assert slots.conditions("my primer 20 nt long") == {}  # a length, not a concentration
    assert slots.position("what residue is at postion 91") == 91
    assert slots.times("Which enzymes cut it twice?") == 2 and slots.times("which enzymes do not cut it") == 0
    assert slots.circular("this plasmid") and not slots.circular("this linearised plasmid")
    assert slots.dna_words("primers acgtacgtacgtacgt and GGGCCCAAATTT") == [
        "ACGTACGTACGTACGT",
        "GGGCCCAAATTT",
    ]
    assert slots.iupac_pattern("find 'tataWAW' in it") == "TATAWAW"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("I'm going to mutate position 81 (C) of this promoter to G", "81C>G"),
        ("Position 278 of my promoter is a A; if I mutate it to G, what happens?", "278A>G"),
        ("At position 87 there is a T. What happens if it's changed to a G?", "87T>G"),
        ("Base 87 is T. Make it G: effect?", "87T>G"),
        ("T-->G at nt 87 of the promoter", "87T>G"),
        ("T => G at position 87", "87T>G"),
        ("a G in place of the T at position 87", "87T>G"),
        ("swap the T at 87 for a G", "87T>G"),
        ("mutate base 87 (T) to G", "87T>G"),
        ("87 T>G in my promoter", "87T>G"),
        ("if the T at nucleotide 87 becomes a G", "87T>G"),
        ("what if base 87 were G instead of T", "87T>G"),
        ("87th base T changed to G", "87T>G"),
        ("G substituted for T at 87", "87T>G"),
        ("the T (position 87) to G", "87T>G"),
        ("Evaluate the consequence of mutating G30 to C in this promoter.", "30G>C"),
        ("a C>T change at position 1,234 of this CDS", "1234C>T"),
    ],
)
def test_base_changes_written_in_words_are_read(question, expected):
    assert slots.mutation_change(question) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What amino acid does the 336th codon of this ORF specify?", 336),
        ("In the translated product, which residue is number 172?", 172),
        ("residue no. 54 of the encoded protein?", 54),
        ("what amino acid is at positon 323 of the encoded protien", 323),
        ("Counting the start methionine as residue 1, which amino acid is residue 180?", 180),
        ("Which amino acid is at position 44? (Met1 = position 1)", 44),
        ("position 1 = Met; what is residue 33?", 33),
        ("aa57?", 57),
        ("residue 1,020 of the protein (3,201 bp CDS)", 1020),
        ("which amino acid at 333 in the translated protein", 333),
        ("Which aa is at position 1?", 1),
    ],
)
def test_residue_positions_are_read_past_numbering_conventions(question, expected):
    assert slots.position(question) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("I need the frame-3 translation of this fragment.", 3),
        ("frame-2 of the reverse strand", -2),
        ("Translate this in RF3.", 3),
        ("translate from nucleotide 3 to the end", 3),
        ("read it from the second base", 2),
        ("the first codon starts at base 2", 2),
        ("protein of frame two", 2),
        ("the second reading frame", 2),
        ("reading frame #2", 2),
        ("What does a G>T change at position 3 do to the protein?", None),
        ("with position 1 = A of ATG, what does C>T at 5 do?", None),
    ],
)
def test_reading_frames_are_read_however_they_are_named(question, expected):
    assert slots.frame(question) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Na+ = 50 mM, Mg2+-free buffer, oligo at 0.25 uM", {"na_mM": 50.0, "mg_mM": 0.0, "oligo_nM": 250.0}),
        ("NN SantaLucia04 50mM Na 0mM Mg 250nM", {"na_mM": 50.0, "mg_mM": 0.0, "oligo_nM": 250.0}),
        ("| 50 mM Na+ | 0 Mg | 250 nM primer |", {"na_mM": 50.0, "mg_mM": 0.0, "oligo_nM": 250.0}),
        ("[Na+] = 0.05 M, [Mg2+] = 0, 0.25 µM oligo", {"na_mM": 50.0, "mg_mM": 0.0, "oligo_nM": 250.0}),
        ("50 mM NaCl, without magnesium, 250 nM strand", {"na_mM": 50.0, "mg_mM": 0.0, "oligo_nM": 250.0}),
        ("Mg2+: none; Na+ 50 mM", {"na_mM": 50.0, "mg_mM": 0.0}),
        ("1.5 mM MgCl2, 0.8 mM dNTPs, 200 nM primer", {"mg_mM": 1.5, "dntp_mM": 0.8, "oligo_nM": 200.0}),
    ],
)
def test_melting_conditions_are_read_however_they_are_written(question, expected):
    if expected.get("mg_mM") == 0.0:
        expected = {**expected, "dntp_mM": 0.0}
    assert slots.conditions(question) == expected


@pytest.mark.parametrize(
    ("question", "wallace"),
    [
        ("Tm of AGAAAAATCAGCAC by the 2+4 rule?", True),
        ("Using Tm = 4(G+C) + 2(A+T), what is the Tm of AGAAAAATCAGCAC?", True),
        ("Tm of AGAAAAATCAGCAC, 2 degrees per A or T and 4 degrees per G or C", True),
        ("Tm = 2(#A + #T) + 4(#G + #C) for AGAAAAATCAGCAC", True),
        ("Tm of AGAAAAATCAGCAC with the 2(AT)+4(GC) formula", True),
        ("nearest-neighbour Tm of AGAAAAATCAGCAC, 2 at 50 mM", False),
        ("Tm of the 12-mer AGAAAAATCAGC with 4 G/C", False),
    ],
)
def test_the_wallace_rule_is_recognised_by_its_formula(question, wallace):
    from dnahlm.agents.router import tm_args

    args = tm_args(question, slots.dna_words(question))
    assert (args.get("method") == "wallace") is wallace, args


@pytest.mark.parametrize(
    ("question", "regulatory"),
    [
        ("In the attached 5' upstream region, what would a T to G change at position 125 do?", True),
        ("300 bp upstream of the start codon: effect of T>G at 87?", True),
        ("this non-coding flanking sequence, T>G at 87", True),
        ("does T>G at 87 hit the -10 box?", True),
        ("effect of A>G at 123 of this coding sequence on the protein", False),
        ("G>A at 5 within bases 1-10 of the gene", False),
    ],
)
def test_a_change_upstream_of_a_start_codon_is_regulatory(question, regulatory):
    from dnahlm.agents.router import is_regulatory

    assert is_regulatory(question) is regulatory


def test_cli_takes_several_sequences(tmp_path, capsys):
    from dnahlm.cli.main import main

    a = dna(120)
    b = a[:60] + ("A" if a[60] != "A" else "C") + a[61:]
    assert (
        main(["ask", "What is the percent identity between these two sequences?", "--seq", a, "--seq", b])
        == 0
    )
    assert capsys.readouterr().out.startswith(f"The two sequences are {100 * 119 / 120:.1f}% identical")
    (tmp_path / "pair.fa").write_text(f">a\n{a}\n>b\n{b}\n")
    assert (
        main(
            ["ask", "How similar are these two sequences? Align them.", "--fasta", str(tmp_path / "pair.fa")]
        )
        == 0
    )
    assert f"{100 * 119 / 120:.1f}% identical" in capsys.readouterr().out
    assert main(["ask", "GC content?", "--seq", a, "--seq", ""]) == 2
    assert capsys.readouterr().err.strip() == "dnahlm ask: error: --seq 2 is empty"


def test_a_question_no_tool_answers_gets_one_sentence_and_the_list_of_what_can_be_done(agent):
    from dnahlm.agents.compose import CANNOT_ANSWER

    answer = agent.invoke({"question": "Will this fold into a G-quadruplex?", "sequences": [GENE]})["answer"]
    assert answer.tool_calls == [] and answer.citations == [] and answer.text == CANNOT_ANSWER
    assert first_sentence(answer.text) == "None of my tools computes what this question asks."
    # a Tm question is answered by the Tm tool, not by JASPAR annotations
    tm = agent.invoke({"question": "What is the melting temperature of this primer?",
                       "sequences": ["AGCTTGCATGCCTGCAGGTC"]})["answer"]  # fmt: skip
    assert [c.tool for c in tm.tool_calls] == ["melting_temperature"] and "JASPAR" not in tm.text


def test_a_bench_question_imports_no_torch(tmp_path):
    """A digest, a Tm or a mass needs neither the model nor the motif scanner: a cold `dnahlm ask` loads
    neither torch nor transformers (about a second of start-up)."""
    import subprocess
    import sys

    code = (
        "import sys; from dnahlm.cli.main import main; "
        f"rc = main(['ask', 'How many fragments does EcoRI give?', '--seq', {DIGEST_SEQ!r}]); "
        "print(rc, 'torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.splitlines()[-1] == "0 False False", out.stderr[-2000:]
