"""Restriction sites per enzyme (:mod:`dnahlm.bio.sites`): cuts checked against Biopython's own search."""

from __future__ import annotations

import doctest
import random

import pytest
from Bio.Restriction import EcoRI
from Bio.Seq import Seq

from dnahlm.bio import sites
from dnahlm.bio.sites import restriction_sites
from dnahlm.errors import UserInputError


def rand(rng: random.Random, n: int, alphabet: str = "ACGT", weights: list[float] | None = None) -> str:
    return "".join(rng.choices(alphabet, weights=weights, k=n))


def test_the_docstring_examples_run():
    result = doctest.testmod(sites)
    assert result.attempted >= 1 and result.failed == 0


# ---------------------------------------------------------------- restriction sites


def test_ecori_planted_site_gives_biopython_cut():
    rng = random.Random(4)
    filler = rand(rng, 400).replace("GAATTC", "GAATTA")
    seq = filler[:100] + "GAATTC" + filler[100:]
    result = restriction_sites(seq, ["EcoRI"])
    site = result.enzymes[0]
    assert site.count == 1 and site.cuts == [101]  # G^AATTC: between seq[100] and seq[101]
    assert site.cuts == [p - 1 for p in EcoRI.search(Seq(seq))]
    assert seq[: site.cuts[0]].endswith("G") and seq[site.cuts[0] :].startswith("AATTC")
    assert result.cutters == ["EcoRI"] and result.non_cutters == []


def test_restriction_default_set_names_and_circular():
    result = restriction_sites("GGATCCAAAGGATCC", linear=True)
    assert [e.enzyme for e in result.enzymes] == list(sites.DEFAULT_ENZYMES)
    assert result.cutters == ["BamHI"] and {e.enzyme: e.cuts for e in result.enzymes}["BamHI"] == [1, 10]
    assert restriction_sites("ggatccaaaGGATCC", ["bamhi"], max_positions=1).enzymes[0].model_dump() == {
        "enzyme": "BamHI", "site": "G^GATC_C", "cuts": [1], "count": 2, "truncated": True,
    }  # fmt: skip
    across = "ATTC" + "A" * 30 + "GA"  # GAATTC only across the origin
    assert restriction_sites(across, ["EcoRI"]).enzymes[0].count == 0
    assert restriction_sites(across, ["EcoRI"], linear=False).enzymes[0].cuts == [35]
    with pytest.raises(UserInputError, match="'EcoRX'"):
        restriction_sites("ACGT", ["EcoRI", "EcoRX"])
