"""Conventions said out loud (:mod:`dnahlm.agents.conventions`): an answer whose question left the ORF
definition, the genetic code or the topology open states the one used in its first sentence, and
``dnahlm ask --json`` carries it in ``conventions``."""

from __future__ import annotations

import json
import random

import pytest
from Bio.Seq import Seq

from dnahlm.agents.compose import compose_answer
from dnahlm.agents.conventions import convention, genetic_code
from dnahlm.agents.graph import ToolCall
from dnahlm.bio.orfs import find_orfs
from dnahlm.bio.sites import restriction_sites
from dnahlm.cli.main import main

RNG = random.Random(12)
ORF = "ATG" + "".join(RNG.choice(["GCT", "AAA", "CTG", "GAA", "TCC"]) for _ in range(60)) + "TAA"
SEQ = "CCGG" + ORF + "GAATTC" + "".join(RNG.choice("ACGT") for _ in range(200))


def test_the_orf_answer_states_its_definition_first():
    orfs = find_orfs(SEQ)
    answer = compose_answer("longest ORF?", [ToolCall(tool="find_orfs", args={"sequence": SEQ}, result=orfs)])
    first = answer.text.split(" [1]")[0]
    assert first.startswith(
        "With ORFs read ATG to stop, at least 30 aa, on both strands, with the standard genetic code "
        "(NCBI table 1), nested ORFs not reported: the longest ORF is at 5..190"
    )
    # the ORF itself, found here with Biopython: 61 codons and a stop from position 5
    assert str(Seq(ORF).translate(to_stop=True)) in answer.text
    assert answer.conventions == [convention("find_orfs", {"sequence": SEQ}, orfs)]


def test_a_stated_minimum_strand_and_code_are_what_the_answer_says():
    args = {"sequence": SEQ, "min_protein_length": 12, "both_strands": False, "table": 11}
    said = convention("find_orfs", args, [])
    assert "at least 12 aa, on the given strand only" in said
    from Bio.Data import CodonTable

    names = ", ".join(n for n in CodonTable.unambiguous_dna_by_id[11].names if n)
    assert f"the {names} code (NCBI table 11)" in said
    assert genetic_code(99) == "NCBI genetic code table 99"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ({}, "the sequence read as linear (the question did not say it is circular)"),
        ({"linear": True}, "the sequence read as linear"),
        ({"linear": False}, "the sequence read as circular"),
    ],
)
def test_a_digest_says_which_topology_it_took(args, said):
    result = restriction_sites(SEQ, ["EcoRI"], linear=args.get("linear", True))
    call = ToolCall(tool="restriction_sites", args={"sequence": SEQ, **args}, result=result)
    answer = compose_answer("where does EcoRI cut?", [call])
    assert answer.text.startswith(f"With {said}: EcoRI cuts 1 time(s)")
    assert answer.conventions == [said]


def test_ask_json_carries_the_conventions(capsys):
    code = main(["ask", "What is the longest ORF in this sequence?", "--seq", SEQ, "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert any(c.startswith("ORFs read ATG to stop, at least 30 aa") for c in data["conventions"])
    assert data["text"].startswith("With ORFs read ATG to stop")
