"""Checks of the literature question set for ``dnahlm ask`` (benchmarks/ask_literature/questions.jsonl).

The format checks need no data; the checks against the abstracts skip when the shared data is absent.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from .conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "benchmarks" / "ask_literature" / "questions.jsonl"
PAPERS = SHARED_DATA / "papers" / "genia_bionlp_abstracts.jsonl"
SUBSET_SIZE = 1000
MAX_COPIED_WORDS = 8
PAPER_SHAPES = {"yesno", "what_known", "how", "which", "lay", "student", "non_native", "keywords"}
OFF_SHAPES = {"off_topic", "in_domain_absent"}
# The key terms of the in-domain questions whose subject the corpus subset lacks (none may occur in it).
ABSENT_TERMS = {
    "CRISPR": "lit-o31",
    "base editing": "lit-o31",
    "SARS-CoV": "lit-o32",
    "ACE2": "lit-o32",
    "m6A": "lit-o33",
    "METTL3": "lit-o33",
    "microbiome": "lit-o34",
    "Parkinson": "lit-o34",
    "PD-1": "lit-o35",
    "pembrolizumab": "lit-o35",
    "circular RNA": "lit-o36",
    "microRNA": "lit-o36",
    "CAR-T": "lit-o37",
    "cytokine release syndrome": "lit-o37",
    "AlphaFold": "lit-o38",
    "zebrafish": "lit-o39",
    "regenerat": "lit-o39",
    "vernaliz": "lit-o40",
    "FLOWERING LOCUS": "lit-o40",
    "Arabidopsis": "lit-o40",
}

needs_papers = pytest.mark.skipif(not PAPERS.is_file(), reason=f"shared abstracts not found at {PAPERS}")


def load_questions() -> list[dict]:
    with open(QUESTIONS, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    return load_questions()


@pytest.fixture(scope="module")
def subset() -> dict[str, dict]:
    if not PAPERS.is_file():
        pytest.skip(f"shared abstracts not found at {PAPERS}")
    out: dict[str, dict] = {}
    with open(PAPERS, encoding="utf-8") as fh:
        for line in fh:
            if len(out) == SUBSET_SIZE:
                break
            if line.strip():
                rec = json.loads(line)
                out[str(rec["pmid"])] = rec
    return out


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def longest_common_run(question: str, text: str) -> int:
    """The most consecutive words of ``question`` that occur, in order and adjacent, in ``text``."""
    q, t = words(question), words(text)
    best = 0
    for n in range(1, len(q) + 1):
        grams = {tuple(t[i : i + n]) for i in range(len(t) - n + 1)}
        if any(tuple(q[i : i + n]) in grams for i in range(len(q) - n + 1)):
            best = n
        else:
            break
    return best


def test_fields_and_counts(questions):
    for q in questions:
        assert set(q) == {"id", "kind", "pmid", "shape", "question"}, q
        assert q["kind"] in {"paper", "off_topic"}, q
        assert isinstance(q["question"], str) and len(q["question"].split()) >= 3, q
    kinds = Counter(q["kind"] for q in questions)
    assert kinds["paper"] >= 150
    assert kinds["off_topic"] >= 30


def test_ids_and_questions_unique(questions):
    ids = [q["id"] for q in questions]
    assert len(ids) == len(set(ids))
    texts = [" ".join(words(q["question"])) for q in questions]
    assert len(texts) == len(set(texts))


def test_shapes(questions):
    for q in questions:
        assert q["shape"] in (PAPER_SHAPES if q["kind"] == "paper" else OFF_SHAPES), q
    shapes = Counter(q["shape"] for q in questions if q["kind"] == "paper")
    assert set(shapes) == PAPER_SHAPES
    assert min(shapes.values()) >= 10
    off = Counter(q["shape"] for q in questions if q["kind"] == "off_topic")
    assert off["off_topic"] >= 30 and off["in_domain_absent"] >= 10


def test_off_topic_share_no_pmid(questions):
    for q in questions:
        if q["kind"] == "off_topic":
            assert q["pmid"] is None, q
        else:
            assert isinstance(q["pmid"], str) and q["pmid"].isdigit(), q


def test_one_question_per_abstract(questions):
    pmids = Counter(q["pmid"] for q in questions if q["kind"] == "paper")
    assert max(pmids.values()) == 1


@needs_papers
def test_paper_pmids_in_subset_and_spread(questions, subset):
    order = {pmid: i for i, pmid in enumerate(subset)}
    positions = []
    for q in questions:
        if q["kind"] == "paper":
            assert q["pmid"] in order, f"{q['id']}: PMID {q['pmid']} is not among the first {SUBSET_SIZE}"
            positions.append(order[q["pmid"]])
    # spread across the subset, not just its first lines: every tenth of it holds some questions
    assert {p * 10 // SUBSET_SIZE for p in positions} == set(range(10))


@needs_papers
def test_questions_not_lifted_from_their_abstract(questions, subset):
    for q in questions:
        if q["kind"] != "paper":
            continue
        rec = subset[q["pmid"]]
        run = longest_common_run(q["question"], f"{rec['title']} {rec['abstract']}")
        assert run <= MAX_COPIED_WORDS, f"{q['id']} copies {run} consecutive words of its abstract"


@needs_papers
def test_absent_subjects_are_absent(questions, subset):
    by_id = {q["id"]: q for q in questions}
    text = "\n".join(f"{r['title']} {r['abstract']}" for r in subset.values()).lower()
    for term, qid in ABSENT_TERMS.items():
        assert by_id[qid]["shape"] == "in_domain_absent"
        assert term.lower() in by_id[qid]["question"].lower(), (qid, term)
        assert term.lower() not in text, f"{term!r} ({qid}) occurs in the corpus subset"
