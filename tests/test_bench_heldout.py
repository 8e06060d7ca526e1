"""The held-out phrasings of ``benchmarks/bench_ask_questions.py`` (``--phrasing heldout`` and
``--phrasing heldout2``): every check runs on both template files.

The template checks need no data; the build check asks the shared E. coli record and skips without it.
"""

from __future__ import annotations

import re
import string
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from .conftest import SHARED_DATA, needs_shared_data

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from ask_questions.questions import FAMILIES, HELDOUT_FILES, SLOTS, build, heldout_templates

STYLES = list(HELDOUT_FILES)  # heldout, heldout2


def flat(style: str, family: str) -> list[str]:
    return [t for ts in heldout_templates(style)[family].values() for t in ts]


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("style", STYLES)
def test_every_family_has_its_kinds_and_at_least_16_templates(style):
    templates = heldout_templates(style)
    assert set(templates) == set(FAMILIES) == set(SLOTS)
    for family, kinds in templates.items():
        assert set(kinds) == set(SLOTS[family]), family
        assert len(flat(style, family)) >= 16, family
        assert all(kinds.values()), f"{family}: a kind without templates"


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("family", list(FAMILIES))
def test_templates_use_only_the_family_slots_and_format(style, family):
    for kind, templates in heldout_templates(style)[family].items():
        slots = SLOTS[family][kind]
        for t in templates:
            assert fields(t) <= set(slots), f"{family}/{kind}: {t!r} uses {sorted(fields(t) - set(slots))}"
            text = t.format(**slots)  # no KeyError, no bad format spec
            assert "{" not in text and "}" not in text, t


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("family", list(FAMILIES))
def test_no_two_templates_of_a_family_are_the_same(style, family):
    norm = [re.sub(r"\s+", " ", t).strip().casefold() for t in flat(style, family)]
    assert len(set(norm)) == len(norm), sorted(t for t in norm if norm.count(t) > 1)


@pytest.mark.parametrize("style", STYLES)
def test_templates_state_what_the_answer_depends_on(style):
    """Spot checks of the facts a template must carry besides its slots."""
    templates = heldout_templates(style)
    for t in flat(style, "digest_count") + flat(style, "digest_sizes"):
        assert "linear" in t.lower(), t
    for t in flat(style, "digest_circular"):
        assert "circular" in t.lower(), t
    for t in flat(style, "pattern"):
        assert "strand" in t, t
    for t in flat(style, "cutters_once"):
        assert re.search(r"comm?ercial", t, re.I), t  # one template misspells it on purpose
    for t in flat(style, "transcription"):
        assert "{strand}" in t and re.search(r"5'\s*(to|->|→|-)\s*3'", t), t
    for t in flat(style, "translation"):
        assert "{frame}" in t, t
    for t in flat(style, "mutation"):
        assert "c.{pos}" in t or re.search(r"ATG|start codon", t, re.I), t  # c. numbering or 1 = A of ATG
    for t in templates["tm"]["nearest_neighbour"]:
        assert "{conditions}" in t or all(w in t for w in ("SantaLucia", "2004", "50 mM", "250 nM")), t
    for t in templates["tm"]["wallace"]:
        assert re.search(r"\b2\b", t) and re.search(r"\b4\b", t), t  # 2 per A/T, 4 per G/C


@needs_shared_data()
@pytest.mark.data
@pytest.mark.slow  # parses the whole E. coli GenBank record (about 3 s)
@pytest.mark.parametrize("style", STYLES)
def test_heldout_build_uses_every_template_and_keeps_the_answers(style):
    heldout = build(SHARED_DATA, seed=0, per_family=16, phrasing=style)
    default = {q.qid: q for q in build(SHARED_DATA, seed=0, per_family=16)}
    assert len(heldout) == 16 * len(FAMILIES)
    for family in FAMILIES:
        qs = [q for q in heldout if q.family == family]
        used = [q.info["phrasing"] for q in qs]
        assert len(set(used)) == len(flat(style, family)), family
        assert all(a != b for a, b in pairwise(used)), family
    for q in heldout:
        d = default[q.qid]
        assert q.question != d.question
        assert (q.sequences, q.expected, q.reference) == (d.sequences, d.expected, d.reference), q.qid
        assert q.check(q.reference)[0], q.qid
