"""The held-out phrasings of ``benchmarks/bench_ask_questions.py`` (``--phrasing heldout``).

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

from ask_questions.questions import FAMILIES, SLOTS, build, heldout_templates

TEMPLATES = heldout_templates()


def flat(family: str) -> list[str]:
    return [t for ts in TEMPLATES[family].values() for t in ts]


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_every_family_has_its_kinds_and_at_least_16_templates():
    assert set(TEMPLATES) == set(FAMILIES) == set(SLOTS)
    for family, kinds in TEMPLATES.items():
        assert set(kinds) == set(SLOTS[family]), family
        assert len(flat(family)) >= 16, family
        assert all(kinds.values()), f"{family}: a kind without templates"


@pytest.mark.parametrize("family", list(FAMILIES))
def test_templates_use_only_the_family_slots_and_format(family):
    for kind, templates in TEMPLATES[family].items():
        slots = SLOTS[family][kind]
        for t in templates:
            assert fields(t) <= set(slots), f"{family}/{kind}: {t!r} uses {sorted(fields(t) - set(slots))}"
            text = t.format(**slots)  # no KeyError, no bad format spec
            assert "{" not in text and "}" not in text, t


@pytest.mark.parametrize("family", list(FAMILIES))
def test_no_two_templates_of_a_family_are_the_same(family):
    norm = [re.sub(r"\s+", " ", t).strip().casefold() for t in flat(family)]
    assert len(set(norm)) == len(norm), sorted(t for t in norm if norm.count(t) > 1)


def test_templates_state_what_the_answer_depends_on():
    """Spot checks of the facts a template must carry besides its slots."""
    for t in flat("digest_count") + flat("digest_sizes"):
        assert "linear" in t.lower(), t
    for t in flat("digest_circular"):
        assert "circular" in t.lower(), t
    for t in flat("pattern"):
        assert "strand" in t, t
    for t in flat("cutters_once"):
        assert re.search(r"comm?ercial", t, re.I), t  # one template misspells it on purpose
    for t in flat("transcription"):
        assert "{strand}" in t and re.search(r"5'\s*(to|->|→|-)\s*3'", t), t
    for t in flat("translation"):
        assert "{frame}" in t, t
    for t in flat("mutation"):
        assert "c.{pos}" in t or re.search(r"ATG|start codon", t, re.I), t  # c. numbering or 1 = A of ATG
    for t in TEMPLATES["tm"]["nearest_neighbour"]:
        assert "{conditions}" in t or all(w in t for w in ("SantaLucia", "2004", "50 mM", "250 nM")), t
    for t in TEMPLATES["tm"]["wallace"]:
        assert re.search(r"\b2\b", t) and re.search(r"\b4\b", t), t  # 2 per A/T, 4 per G/C


@needs_shared_data()
@pytest.mark.data
@pytest.mark.slow  # parses the whole E. coli GenBank record (about 3 s)
def test_heldout_build_uses_every_template_and_keeps_the_answers():
    heldout = build(SHARED_DATA, seed=0, per_family=16, phrasing="heldout")
    default = {q.qid: q for q in build(SHARED_DATA, seed=0, per_family=16)}
    assert len(heldout) == 16 * len(FAMILIES)
    for family in FAMILIES:
        qs = [q for q in heldout if q.family == family]
        used = [q.info["phrasing"] for q in qs]
        assert len(set(used)) == len(flat(family)), family
        assert all(a != b for a, b in pairwise(used)), family
    for q in heldout:
        d = default[q.qid]
        assert q.question != d.question
        assert (q.sequences, q.expected, q.reference) == (d.sequences, d.expected, d.reference), q.qid
        assert q.check(q.reference)[0], q.qid
