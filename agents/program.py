"""A question as a small typed program over the tools: operands in, outputs feeding later steps.

:func:`plan_program` reads a :class:`~.operands.Query` (operands with roles, named things, constraints,
the form asked) and writes the steps for the questions whose *structure* decides the plan:

- options to choose among -> evaluate each by the criterion the words name -> ``choose``;
- a clone and its reference -> ``compare_clone`` (a premature stop, the first change);
- a primer pair and a template -> ``pcr_product``, then what is asked of the product (digest it, its GC,
  its ORFs): the later steps take ``$0.product_sequence`` as their sequence;
- a count of ORFs over a length -> ``count_orfs`` with the length and strand the words set;
- a missing operand -> one question back (:attr:`~.router.Plan.ask`) instead of a guess.

Anything else is planned by the intent planner, and :func:`fill_from_query` then gives each planned call
the operands it needs from the query (the primer pair, the oligo, the product size, the ORF length, a
tag), so no step reads the question's text itself.
"""

from __future__ import annotations

import re
from typing import Any

from .operands import Query
from .router import Plan, Step

_DIGEST = r"digest|\bcut\b|\bcuts\b|cutting|fragments?|\bbands?\b|restriction|\bgel\b|\bcleav"
_PCR = r"\bpcr\b|amplif|amplicon|\bproduct\b|\bband\b|\bsize\b|\bhow (?:long|big)\b|\blength\b|\bbp\b"
_MUTATION = r"\bmutat|\bsubstitut|\bpoint mutation|\bsnp\b|\bvariant\b|\bchange[sd]?\b|\bmissense|\bnonsense|\bsynonymous|\bframeshift"


STRUCTURAL = frozenset({"choose", "compare_clone", "count_orfs"})
"""Tools only a question's structure plans (options, a clone and its reference, a count of ORFs): the
example bank does not teach them."""


def _any(text: str, pattern: str) -> bool:
    return re.search(pattern, text) is not None


def criterion(query: Query) -> dict[str, Any] | None:
    """What the options are compared by, from the words (None: the words name no criterion)."""
    q = query.lower
    low = _any(q, r"\b(?:lowest|least|smallest|poorest|fewest|minimum|lower)\b")
    if (
        query.primers is None
        and _any(q, r"primer pair|pair of primers|primer set|primers?\b")
        and _any(q, r"\d+\s*(?:bp|kb)")
    ):
        size = re.search(r"(\d[\d,]*(?:\.\d+)?)\s*(bp|kb)", q)
        value = float(size.group(1).replace(",", "")) * (1000 if size.group(2) == "kb" else 1)
        return {"criterion": "product_size", "size": round(value)}
    if _any(q, r"\bgc\b|g\s*\+\s*c|guanine|gc[- ]rich|at[- ]rich"):
        at_rich = _any(q, r"at[- ]rich|a\s*\+\s*t")
        return {"criterion": "gc_low" if low or at_rich else "gc_high"}
    if _any(q, r"melting|\btm\b|anneal"):
        return {"criterion": "tm_low" if low else "tm_high"}
    if query.enzymes and _any(q, r"\bcut|site|digest|recogni|cleav|contain"):
        negative = _any(q, r"not (?:be )?cut|n[o']t cut|no site|lacks?|without|resistant|uncut")
        return {"criterion": "not_cut_by" if negative else "cut_by", "enzymes": query.enzymes}
    if query.pattern and _any(q, r"contain|motif|match|site|carr(?:y|ies)|has\b|have\b"):
        return {"criterion": "has_pattern", "pattern": query.pattern}
    if _any(q, r"\borf\b|open reading|longest protein|encodes? the longest|coding"):
        return {"criterion": "longest_orf"}
    if _any(q, r"heaviest|largest protein|lightest|smallest protein|molecular weight|\bmass\b"):
        return {"criterion": "mass_low" if _any(q, r"lightest|smallest|lowest") else "mass_high"}
    if _any(q, r"longest|shortest|longer|shorter"):
        return {"criterion": "shortest" if _any(q, r"shortest|shorter") else "longest"}
    return None


def _choice(query: Query) -> Plan | None:
    labels: list[str] = []
    options: dict[str, list[str]] = {}
    for o in query.candidates:
        label = o.label or (labels[-1] if labels else "1")
        if label not in options:
            labels.append(label)
            options[label] = []
        options[label].append(o.sequence)
    if len(labels) < 2:
        return None
    how = criterion(query)
    if how is None:
        return Plan([], ask=f"I see {len(labels)} options ({', '.join(labels)}); by what should I compare them "
                             "(GC content, length, an enzyme's site, a product size)?")  # fmt: skip
    main = query.main
    args = {"options": [options[k] for k in labels], "labels": labels, "circular": query.circular, **how}
    if how["criterion"] == "product_size":
        if main is None:
            return Plan(
                [], ask="Which template should the primer pairs be tried on? Paste it after the options."
            )
        args["template"] = main.sequence
    return Plan([Step("choose", args)])


def _pcr(query: Query) -> Plan | None:
    pair, template = query.primers, query.of("template")
    if pair is None or not template:
        return None
    q = query.lower
    fwd, rev = pair
    pcr = Step("pcr_product", {"forward": fwd.sequence, "reverse": rev.sequence, "circular": query.circular},
               input="template")  # fmt: skip
    steps = [pcr]
    if query.enzymes and _any(q, _DIGEST):
        steps.append(
            Step("digest", {"enzymes": query.enzymes, "circular": False}, input="$0.product_sequence")
        )
    if _any(q, r"\bgc\b|g\s*\+\s*c"):
        steps.append(Step("sequence_stats", {}, input="$0.product_sequence"))
    if _any(q, r"translat|\borfs?\b|open reading|protein"):
        steps.append(Step("find_orfs", {}, input="$0.product_sequence"))
    if _any(q, r"melting|\btm\b|anneal") and not _any(q, _PCR):
        return None  # the primers' Tm, not a product: the intent planner's melting step
    if len(steps) == 1 and not _any(q, _PCR):
        return None
    return Plan(steps)


def _clone(query: Query) -> Plan | None:
    mutant, reference = query.of("mutant"), query.of("reference")
    q = query.lower
    if not (mutant and reference):
        dna = query.dna
        if len(dna) == 2 and _any(q, r"premature|stop codon|truncat|nonsense"):
            reference, mutant = [dna[0]], [dna[1]]
        else:
            return None
    if not _any(
        q, r"premature|stop|truncat|nonsense|differ|mutation|frameshift|change|protein|clone|mutant|compare"
    ):
        return None
    return Plan([Step("compare_clone", {"reference": reference[0].sequence, "clone": mutant[0].sequence})])


_ASK_ENZYME = "Which restriction enzyme(s) should I digest with (e.g. EcoRI, or EcoRI + HindIII)?"
_ASK_CHANGE = "Which base change should I assess (written like c.123A>G, or 'position 123, A to G')?"
_ASK_POSITION = "Which residue position (1 = the start Met)?"
_ASK_PRIMER = "I found one primer; what is the other one (5'->3')?"


def _asks(query: Query) -> Plan | None:
    """One question back when the question lacks what its calculation needs."""
    q = query.lower
    if not query.dna:
        return None
    digest = _any(q, r"\bdigest|\bfragments?\b|restriction digest|\bcut (?:it|this|the)\b")
    cutters = _any(
        q,
        r"(?:which|what) (?:\w+ )?enzymes?|single cutter|unique|once|twice|\bcutters?\b|not cut|don't cut|do not cut",
    )
    if digest and not query.enzymes and not cutters:
        return Plan([], ask=_ASK_ENZYME)
    one_sequence = not (query.of("mutant") or len(query.dna) >= 2)
    scan = _any(q, r"which (?:mutation|change)s?|scan|saturat|all possible|every")
    if _any(q, _MUTATION) and query.change is None and one_sequence and not scan:
        return Plan([], ask=_ASK_CHANGE)
    residue = _any(q, r"amino acid|residue") and _any(q, r"\bat position\b|\bposition\b|\bnumber\b")
    if residue and query.position is None and not _any(q, r"how many|count|composition|most|frequent"):
        return Plan([], ask=_ASK_POSITION)
    n_primers = len(query.of("forward", "reverse", "primer"))
    if n_primers == 1 and query.of("template") and _any(q, r"product|amplicon|pcr|amplif"):
        return Plan([], ask=_ASK_PRIMER)
    return None


def plan_program(query: Query) -> Plan | None:
    """The program for a question whose operands decide its structure, or None (see the module docstring)."""
    if query.candidates:
        plan = _choice(query)
        if plan is not None:
            return plan
    for build in (_clone, _pcr):
        plan = build(query)
        if plan is not None:
            return plan
    asked = _asks(query)
    if asked is not None:
        return asked
    q = query.lower
    if query.proteins and not query.dna:  # a protein pasted: its properties
        return Plan([Step("protein_properties", {"protein": query.proteins[0].sequence})])
    residue = _any(q, r"amino acid|residue|\baa\b") and not _any(q, r"how many|mutat|>")
    if query.main is not None and query.position is not None and residue:  # longest ORF -> residue N
        return Plan([Step("residue_at", {"position": query.position})])
    if (
        query.main is not None
        and query.form == "count"
        and _any(query.lower, r"\borfs?\b|open reading frames?")
    ):
        return Plan(
            [Step("count_orfs", {"min_aa": query.min_orf_aa or 30, "both_strands": not query.one_strand})]
        )
    return None


_POINTS_AT_A_SEQUENCE = re.compile(
    r"\b(?:this|these|the following|following|below|attached|above|my|given|pasted|our)\s+(?:\w+\s+)?"
    r"(?:sequences?|dna|rna|seq|fragments?|templates?|plasmids?|vectors?|constructs?|primers?|oligos?|inserts?|"
    r"genes?|clones?|reads?|contigs?|orfs?|regions?|promoters?|amplicons?|strands?)\b"
    r"|\b(?:gc content|reverse complement|translate|digest|primers? for|melting temp\w*|\btm\b|orfs? in|open reading frames? in)\b",
    re.I,
)
"""Words that point at a sequence the user meant to give ("this sequence", "my plasmid", "the GC content")."""


def to_knowledge(query: Query, plan: Plan) -> Plan:
    """A question with no sequence that does not point at one is about what is known: search the
    literature instead of asking for a sequence or saying no tool computes it."""
    if query.dna or query.proteins or not (plan.needs_sequence or plan.unanswerable):
        return plan
    if _POINTS_AT_A_SEQUENCE.search(query.words):
        return plan
    return Plan([Step("search_papers", {"query": query.question})])


def fill_from_query(steps: list[Step], query: Query) -> list[Step]:
    """Each planned call given the operands it needs from the query (see the module docstring)."""
    out = []
    for step in steps:
        args = dict(step.args)
        if step.tool == "pcr_product":
            pair = query.primers
            short = [o for o in query.dna if len(o.sequence) <= 60]
            if pair is not None:
                args["forward"], args["reverse"] = pair[0].sequence, pair[1].sequence
            elif len(short) >= 2:  # two oligos whose roles the words leave open: in the order written
                args["forward"], args["reverse"] = short[0].sequence, short[1].sequence
            step = Step(step.tool, args, input="template" if query.of("template") else step.input)
        elif step.tool == "melting_temperature":
            oligo = _oligo(query)
            if oligo is not None:
                args["oligo"] = oligo
            if "na_mM" in args and "mg_mM" not in args:  # a buffer stated without Mg2+ has none
                args["mg_mM"], args["dntp_mM"] = 0.0, 0.0
        elif step.tool == "design_primers" and query.product_size is not None:
            args["product_size"] = list(query.product_size)
        elif step.tool == "find_orfs" and (query.min_orf_aa or query.one_strand):
            if query.min_orf_aa:
                args["min_protein_length"] = query.min_orf_aa
            args["both_strands"] = not query.one_strand
        elif step.tool == "protein_properties" and query.tags:
            for _, residues, end in query.tags:
                key = "n_tag" if end == "N" else "c_tag"
                args[key] = args.get(key, "") + residues
        elif step.tool == "find_pattern":
            if query.pattern:
                args["pattern"] = query.pattern
            if query.one_strand:
                args["both_strands"] = False
        elif step.tool in ("digest", "restriction_sites") and query.enzymes:
            args["enzymes"] = query.enzymes
        out.append(Step(step.tool, args, input=step.input))
    return out


def _oligo(query: Query) -> str | None:
    """The oligo a Tm question is about: the primer it names, else the one short sequence given."""
    q = query.lower
    if _any(q, r"\breverse\b") and query.of("reverse"):
        return query.of("reverse")[0].sequence
    for role in ("forward", "primer", "reverse"):
        if query.of(role):
            return query.of(role)[0].sequence
    short = [o for o in query.dna if len(o.sequence) <= 80]
    return short[0].sequence if short else None


__all__ = ["STRUCTURAL", "criterion", "fill_from_query", "plan_program", "to_knowledge"]
