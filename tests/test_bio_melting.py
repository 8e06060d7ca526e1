"""Tm: checked against direct Biopython calls under the stated conditions and one hand-computed value."""

from __future__ import annotations

import json

import pytest
from Bio.SeqUtils import MeltingTemp as mt

from dnahlm.bio.melting import MeltingResult, melting_temperature
from dnahlm.errors import UserInputError

PRIMER = "AGCGGATAACAATTTCACAC"  # 20 nt, 8 G/C


def _biopython_nn(seq: str, **kw: float) -> float:
    cond = {"Na": 50, "Mg": 1.5, "dNTPs": 0.2, "dnac1": 250, "dnac2": 0} | kw
    return mt.Tm_NN(seq, nn_table=mt.DNA_NN4, saltcorr=7, **cond)


def test_wallace_by_hand():
    r = melting_temperature("ATGCATGCATGC")  # 6 A/T, 6 G/C: 2*6 + 4*6
    assert r.method == "wallace" and r.tm_c == 36.0
    assert r.length == 12 and r.gc_fraction == 0.5
    assert r.tm_c == mt.Tm_Wallace("ATGCATGCATGC")


def test_nearest_neighbour_matches_biopython_santalucia_2004():
    r = melting_temperature(PRIMER)
    assert r.method == "nearest-neighbour"
    assert r.tm_c == pytest.approx(_biopython_nn(PRIMER), abs=0.01)
    assert r.gc_fraction == pytest.approx(8 / 20)
    assert (r.na_mM, r.mg_mM, r.dntp_mM, r.oligo_nM) == (50, 1.5, 0.2, 250)


def test_conditions_are_passed_through():
    r = melting_temperature(PRIMER, na_mM=100, mg_mM=3, dntp_mM=0.8, oligo_nM=500)
    assert r.tm_c == pytest.approx(_biopython_nn(PRIMER, Na=100, Mg=3, dNTPs=0.8, dnac1=500), abs=0.01)
    base = melting_temperature(PRIMER).tm_c
    assert melting_temperature(PRIMER, mg_mM=4).tm_c > base  # more Mg2+ stabilises
    assert melting_temperature(PRIMER, oligo_nM=50).tm_c < base  # less oligo melts lower
    assert melting_temperature(PRIMER, dntp_mM=1.4).tm_c < base  # dNTPs bind Mg2+


def test_auto_switches_at_14_nt():
    assert melting_temperature("ACGTACGTACGTA").method == "wallace"  # 13 nt
    r14 = melting_temperature("ACGTACGTACGTAC")
    assert r14.method == "nearest-neighbour"
    assert r14.tm_c == pytest.approx(_biopython_nn("ACGTACGTACGTAC"), abs=0.01)


def test_forced_methods():
    w = melting_temperature(PRIMER, method="wallace")
    assert w.tm_c == 2 * 12 + 4 * 8 and w.method == "wallace"
    nn = melting_temperature("ATGCATGCATGC", method="nearest-neighbour")
    assert nn.tm_c == pytest.approx(_biopython_nn("ATGCATGCATGC"), abs=0.01)
    assert melting_temperature("A" * 30 + "GC", method="wallace").notes  # Wallace on a 32-mer is flagged


def test_summary_states_tm_method_and_conditions():
    expected = round(_biopython_nn(PRIMER), 1)
    assert melting_temperature(PRIMER).summary() == (
        f"The melting temperature of this 20-nt oligo is {expected:.1f} °C (nearest-neighbour, "
        "SantaLucia 2004; 50 mM Na+, 1.5 mM Mg2+, 0.2 mM dNTPs, 250 nM oligo)."
    )
    assert (
        melting_temperature("ATGCATGCATGC")
        .summary()
        .startswith("The melting temperature of this 12-nt oligo is 36.0 °C (Wallace rule")
    )


def test_case_and_whitespace_are_ignored_and_result_is_json():
    r = melting_temperature(" agcgg ataac\naatttcacac ")
    assert r.oligo == PRIMER
    again = MeltingResult.model_validate(json.loads(r.model_dump_json()))
    assert again == r


@pytest.mark.parametrize(
    ("oligo", "kwargs", "words"),
    [
        (PRIMER, {"na_mM": -1}, "na_mM"),
        (PRIMER, {"mg_mM": -0.5}, "mg_mM"),
        (PRIMER, {"dntp_mM": float("nan")}, "dntp_mM"),
        (PRIMER, {"oligo_nM": 0}, "oligo_nM"),
        (PRIMER, {"method": "gc"}, "method"),
        ("ACGTXACGTACGTACG", {}, "position 5"),
        ("ACGTNACGTACGTACG", {}, "N at position 5"),
        ("ACG", {}, "at least"),
        (PRIMER, {"na_mM": 0, "mg_mM": 0, "method": "nearest-neighbour"}, "salt"),
    ],
)
def test_bad_input_raises_user_input_error(oligo, kwargs, words):
    with pytest.raises(UserInputError, match=words):
        melting_temperature(oligo, **kwargs)
