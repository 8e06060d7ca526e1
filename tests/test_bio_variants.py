"""Regulatory variants: JASPAR sites a change creates or destroys, and the probability before and after."""

from __future__ import annotations

import random

import pytest

from dnahlm.bio.motifs import MotifScanner
from dnahlm.bio.variants import motif_site_changes

RNG = random.Random(3)
BACKGROUND = "".join(RNG.choice("ACGT") for _ in range(120))
TATA = "GCTATAAAAGGCGC"  # a TBP site (MA0108), placed at 0-based 50
REF = BACKGROUND[:50] + TATA + BACKGROUND[50:]


@pytest.fixture(scope="module")
def tbp():
    return MotifScanner.from_jaspar(ids=["MA0108"])


def test_the_reference_has_one_tbp_site_on_the_tata_box(tbp):
    hits = [h for h in tbp.scan(REF) if h.start >= 50 and h.end <= 64]
    assert hits and all(h.name == "TBP" for h in hits)


def test_breaking_the_tata_box_loses_the_site(tbp):
    # TATAAAA is at 1-based 53-59: base 55 is its second T
    assert REF[52:59] == "TATAAAA"
    change = f"55{REF[54]}>G"  # TATAAAA -> TAGAAAA
    mutated, gained, lost = motif_site_changes(tbp, REF, change)
    assert mutated.sequence == REF[:54] + "G" + REF[55:]
    expected_lost = [h for h in tbp.scan(REF) if h.start < 55 <= h.end]  # sites holding base 55
    still = {(h.start, h.strand) for h in tbp.scan(mutated.sequence) if h.start < 55 <= h.end}
    assert expected_lost and {(s.start - 1, s.strand) for s in lost} == {
        (h.start, h.strand) for h in expected_lost if (h.start, h.strand) not in still
    }
    assert all(s.name == "TBP" and s.change == "lost" for s in lost) and lost
    assert gained == []


def test_a_change_far_from_any_site_changes_nothing(tbp):
    far = 110
    assert not any(h.start < far <= h.end for h in tbp.scan(REF))
    alt = "A" if REF[far - 1] != "A" else "C"
    _, gained, lost = motif_site_changes(tbp, REF, f"{far}{REF[far - 1]}>{alt}")
    assert gained == [] and lost == []


def test_repairing_a_broken_tata_box_gains_the_site(tbp):
    broken = REF[:54] + "G" + REF[55:]
    _, gained, lost = motif_site_changes(tbp, broken, "55G>T")
    assert gained and all(s.name == "TBP" for s in gained) and lost == []


def test_deleting_a_repeat_unit_in_a_repeat_is_not_a_change(tbp):
    repeat = BACKGROUND[:40] + "TATA" * 6 + BACKGROUND[40:80]
    _, gained, lost = motif_site_changes(tbp, repeat, "41_44del")  # one TATA of six
    assert gained == [] and lost == []


def test_the_agent_reports_the_probability_change_and_the_sites():
    from dnahlm.agents.graph import build_agent
    from dnahlm.examples import GLUT5_PROMOTER_300

    seq = GLUT5_PROMOTER_300
    q = f"What does a {seq[149]}>{'A' if seq[149] != 'A' else 'C'} change at position 150 do to this promoter?"
    answer = build_agent(None).invoke({"question": q, "sequences": [seq]})["answer"]
    [call] = answer.tool_calls
    assert call.tool == "variant_effect" and call.ok
    r = call.result
    assert r.task == "prom_300_all" and r.label == "promoter" and 0 <= r.p_before <= 1 and 0 <= r.p_after <= 1
    assert (
        answer.text.startswith(f"150{seq[149]}>")
        and f"from {r.p_before:.2f} to {r.p_after:.2f}" in answer.text
    )
