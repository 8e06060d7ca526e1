"""The default, offline planner: a deterministic intent router from a question to tool calls.

It reads only the user's question (never retrieved text), so nothing an indexed passage says can change
what the agent does. Each intent is a list of trigger patterns and the tool call it plans; a question can
trigger several. A question with no recognised intent falls back to paper search, and, with a sequence,
to statistics and similar sequences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SEQUENCE_TOOLS = {
    "sequence_stats",
    "reverse_complement",
    "translate_frames",
    "find_orfs",
    "restriction_sites",
    "scan_motifs",
    "predict",
    "similar_sequences",
}
"""Tools that need a sequence."""


@dataclass
class Step:
    """One planned tool call."""

    tool: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    steps: list[Step]
    needs_sequence: bool = False
    """The question asks about a sequence but none was given."""


def _any(text: str, *patterns: str) -> bool:
    return any(re.search(p, text) for p in patterns)


def enzymes_named(question: str) -> list[str]:
    """Restriction enzyme names written in the question (e.g. EcoRI, BamHI), as Biopython spells them."""
    # every enzyme name this can match ends in a Roman numeral (EcoRI, HindIII, BsaXI): without such a
    # word, skip importing Bio.Restriction (a sixth of a second of a cold start)
    words = {w for w in re.findall(r"[A-Za-z][A-Za-z0-9]{2,9}", question) if w[-1] in "IVX"}
    if not words:
        return []
    from Bio import Restriction

    known = {name.lower(): name for name in Restriction.AllEnzymes.elements()}
    return sorted({known[w.lower()] for w in words if w.lower() in known and any(c.isupper() for c in w)})


def route(question: str, has_sequence: bool) -> Plan:
    """The tool calls that answer ``question`` (sequence arguments are filled in by the graph)."""
    q = question.lower()
    steps: list[Step] = []

    def add(tool: str, **args: Any) -> None:
        if all(s.tool != tool or s.args != args for s in steps):
            steps.append(Step(tool, args))

    if _any(q, r"core[- ]promoter"):
        add("predict", task="core-promoter")
    elif _any(q, r"promoter", r"\btss\b", r"transcription start"):
        add("predict", task="promoter")
    if _any(q, r"splic", r"\bdonor\b", r"\bacceptor\b", r"exon", r"intron"):
        add("predict", task="splice")
    if _any(
        q, r"transcription factor", r"\btfs?\b", r"motif", r"\bbind", r"jaspar", r"chip-seq", r"binding site"
    ):
        add("scan_motifs")
        if _any(q, r"chip-seq", r"binding site", r"tf[- ]binding"):
            add("predict", task="tf-binding")
    if _any(q, r"\bgc\b", r"g\+c", r"composition", r"cpg", r"\blength\b", r"how long", r"low[- ]complexity",
            r"repeat", r"statistic", r"\bn content", r"how many ns?\b", r"ambiguous"):  # fmt: skip
        add("sequence_stats")
    if _any(q, r"reverse[- ]complement", r"other strand", r"opposite strand"):
        add("reverse_complement")
    if _any(q, r"\borfs?\b", r"open reading frame", r"protein", r"coding", r"\bcds\b"):
        add("find_orfs")
    if _any(q, r"translat", r"six frames?", r"reading frames"):
        add("translate_frames")
    enzymes = enzymes_named(question)
    if enzymes or _any(q, r"restriction", r"\bcuts?\b", r"digest", r"enzyme"):
        add("restriction_sites", **({"enzymes": enzymes} if enzymes else {}))
    if _any(q, r"similar", r"where does (this|it|the sequence)", r"come from", r"which genes?", r"homolog", r"\bidentity\b",
            r"e\. ?coli", r"\bgenes?\b", r"annotat", r"organism", r"what is this"):  # fmt: skip
        add("similar_sequences")
    explicit = _any(q, r"paper", r"literature", r"publication", r"stud(y|ies)", r"what do .* say",
                    r"according to", r"reported", r"references?", r"sources?")  # fmt: skip
    implicit = _any(
        q, r"known about", r"evidence", r"\bwhy\b", r"what is", r"what are", r"role of", r"how do"
    )
    if explicit or (implicit and not steps):  # "what is the GC content?" is not a literature question
        add("search_papers", query=question)

    needs = [s for s in steps if s.tool in SEQUENCE_TOOLS]
    if not has_sequence:
        if needs and not explicit:  # a question about "this sequence" without one: ask for it
            return Plan([], needs_sequence=True)
        steps = [s for s in steps if s.tool not in SEQUENCE_TOOLS] or [
            Step("search_papers", {"query": question})
        ]
    elif not steps:
        steps = [
            Step("sequence_stats"),
            Step("similar_sequences"),
            Step("search_papers", {"query": question}),
        ]
    return Plan(steps)
