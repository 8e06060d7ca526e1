"""The default, offline planner: a deterministic intent router from a question to tool calls.

It reads only the user's question (never retrieved text), so nothing an indexed passage says can change
what the agent does. Each intent is a list of trigger patterns and the tool call it plans, with arguments
read by :mod:`.slots`; a question can trigger several, ordered as the question asks for them. A question
with no recognised intent about a sequence gets no tool call (the answer says what the tools can do);
without a sequence, a question about knowledge goes to paper search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import slots
from .tools import needs_sequence

SUBSUMES = {
    "digest": {"restriction_sites"},
    "cutters": {"restriction_sites"},
    "protein_properties": {"find_orfs"},
    "residue_at": {"find_orfs"},
    "mutation_effect": {"find_orfs"},
    "codon_usage": {"find_orfs"},
    "translate_frame": {"translate_frames", "find_orfs"},
    "find_pattern": {"scan_motifs"},
    "variant_effect": {"scan_motifs", "predict"},
    "pcr_product": {"sequence_stats"},  # "the amplicon's length" is the product's, not the template's
    "design_primers": {"sequence_stats"},
    "cloning_primers": {"design_primers", "restriction_sites"},  # the cloning pair is the primer design asked
}
"""Broad tools a bench-biology step makes redundant: a mass question does not also list the longest ORF
(unless the question names ORFs itself), a pattern count does not also scan all of JASPAR, a product's
length is not a GC statistic (unless the question asks for GC or composition)."""
MENTIONS = {
    "sequence_stats": r"\bgc\b|g\+c|composition|cpg|\blength\b|how long|low[- ]complexity|repeat|statistic",
    "find_orfs": r"\borfs?\b|open reading frame",
    "digest": r"digest|fragment|\bcut|enzyme|[a-z]+i{1,3}\b",
    "restriction_sites": r"restriction|\bcut|enzyme|sites?\b|[a-z]+i{1,3}\b",
    "predict": r"promoter|\btss\b|splic|donor|acceptor|exon|intron|binding site|chip-seq",
    "scan_motifs": r"transcription factor|\btfs?\b|motif|\bbind|jaspar",
    "reverse_complement": r"reverse[- ]complement|other strand|opposite strand",
    "translate_frames": r"translat|six frames?|reading frames",
    "cutters": r"enzymes?|cutters?",
    "design_primers": r"primers?|pcr|amplif",
    "pcr_product": r"primers?|pcr|product|amplif",
    "cloning_primers": r"primers?|clon",
    "melting_temperature": r"melting|\btm\b|anneal|\bmelt",
    "protein_properties": r"molecular|weight|\bmass|kda|dalton|isoelectric|\bpi\b|extinction|gravy|hydropath",
    "residue_at": r"amino acid|residue",
    "mutation_effect": r"mutat|chang|substitut|variant|\bsnps?\b|delet|insert|replac",
    "transcribe": r"mrna|transcri(?!ption factor)",
    "translate_frame": r"translat|frame",
    "find_pattern": r"motif|pattern|occur",
    "align_identity": r"identit|align|compare|similar",
    "codon_usage": r"codon",
    "variant_effect": r"mutat|chang|substitut|variant|\bsnps?\b|delet|insert|replac",
}
"""Where a classic tool is asked for in the question, to order a multi-part answer as the question is."""


@dataclass
class Step:
    """One planned tool call."""

    tool: str
    args: dict[str, Any] = field(default_factory=dict)
    input: str | None = None
    """Where its sequence comes from, when not the question's sequence: ``$<i>.<field>`` (a field of step
    ``i``'s result, e.g. ``$0.product_sequence``: outputs feed later steps)."""


@dataclass
class Plan:
    steps: list[Step]
    needs_sequence: bool = False
    """The question asks about a sequence but none was given."""
    unanswerable: bool = False
    """No tool computes what the question asks: the answer says so and lists what the tools can do."""
    ask: str | None = None
    """A missing operand or a real ambiguity: the one question the answer asks back instead of guessing."""


def subsumed_by(question: str, steps: list[Step]) -> set[str]:
    """The broad tools these steps make redundant (:data:`SUBSUMES`), except ORFs when the question names
    them ("the longest ORF and its protein")."""
    q = question.lower()
    subsumed = set().union(*(SUBSUMES.get(s.tool, set()) for s in steps))
    if re.search(MENTIONS["find_orfs"], q):
        subsumed.discard("find_orfs")
    if re.search(r"\bgc\b|g\+c|guanine|composition|cpg|statistic", q):
        subsumed.discard("sequence_stats")
    return subsumed


def _any(text: str, *patterns: str) -> bool:
    return any(re.search(p, text) for p in patterns)


def enzymes_named(question: str) -> list[str]:
    """Restriction enzyme names written in the question (EcoRI, HapII...), as Biopython spells them, in the
    order written; lower-case names ("ecori") count when the question is about cutting or digesting."""
    from dnahlm.bio.restriction import enzyme_names

    about_cutting = bool(
        re.search(r"digest|restriction|enzyme|\bcut|fragment|\bsites?\b|clon", question, re.I)
    )
    return enzyme_names(question, any_case=about_cutting)


def _mentioned_at(q: str, tool: str) -> int:
    """Where the question first asks for what ``tool`` computes (papers last; unknown tools keep order)."""
    if tool == "search_papers":
        return 10**7
    m = re.search(MENTIONS[tool], q) if tool in MENTIONS else None
    return m.start() if m else 10**6


WALLACE = (
    r"wallace|rule of thumb|\b[24]\s*(?:\+|/|&|and)\s*[24]\s*(?:°\s*c?\s*)?(?:rule|formula|method)"
    r"|\b[24]\s*(?:°\s*c?|º\s*c?|degrees?(?:\s+c(?:elsius)?)?|c)?\s*(?:(?:per|for each|for every|each|x|×|\*|·)\s*\(?|\()"
    r"\s*#?\s*(?:a\s*(?:\+|/|,|or|and)\s*#?\s*t|g\s*(?:\+|/|,|or|and)\s*#?\s*c)\b"
    r"|\b[24]\s*(?:°\s*c?|º\s*c?|degrees?(?:\s+c(?:elsius)?)?|c)?\s*(?:per|for each|for every|each|x|×|\*|·)\s*"
    r"\(?\s*(?:at|gc|a|t|g|c)\b"
    r"|\b[24]\s*\(\s*(?:at|gc)\s*\)"
    r"|\(\s*a\s*\+\s*t\s*\)\s*(?:x|×|\*)\s*2|\(\s*g\s*\+\s*c\s*\)\s*(?:x|×|\*)\s*4"
)
"""How a question asks for the Wallace rule: by name, as "the 2+4 rule", or by its formula (``2(A+T) +
4(G+C)``, "2 °C per A/T", "4 degrees for each G or C")."""


def tm_args(question: str, words: list[str]) -> dict[str, Any]:
    """``melting_temperature`` arguments: the oligo written in the question, the method and conditions."""
    q = question.lower()
    args: dict[str, Any] = {**slots.conditions(question)}
    oligo = [w for w in words if len(w) <= 80]
    if oligo:
        args["oligo"] = oligo[0]
    if re.search(WALLACE, q):
        args["method"] = "wallace"
    elif _any(q, r"nearest[- ]neighbou?r", r"santalucia"):
        args["method"] = "nearest-neighbour"
    return args


def region_args(question: str) -> dict[str, Any]:
    """``design_primers`` arguments: a region the question names ("positions 100-400")."""
    region = re.search(
        r"(?:positions?|bases?|nt|from|between)\s*(\d+)\s*(?:-|–|to|and|\.\.)\s*(\d+)", question.lower()
    )
    return {"region": [int(region.group(1)), int(region.group(2))]} if region else {}


def variant_task(question: str) -> str:
    """Which prediction a regulatory change is scored with: TF binding when the question names binding."""
    q = question.lower()
    return "tf-binding" if _any(q, r"\bbind", r"transcription factor", r"\btfs?\b") else "promoter"


REGULATORY = (
    r"promot|regulat|enhancer|silencer|\bbind|motif|transcription factor|\btfs?\b|jaspar|\btata\b|upstream"
    r"|5['′’]?[- ]?flank|\bflanking|\bcis\b|\bcis-|\boperator\b|pribnow|(?<!\w)[-−]\s?(?:10|35)\b|\butr\b"
)
"""Words that put a base change in a regulatory sequence."""
CODING = r"protein|amino|codon|coding|\bcds\b"
"""Words that put it in a coding sequence (outweighing :data:`REGULATORY`)."""
_NOT_CODING = re.compile(  # "upstream of the start codon", "5' of the ATG", "non-coding": no coding change
    r"(?:upstream|5['′’]?|before|preceding|ahead)\s+(?:of\s+|to\s+|from\s+)?(?:the\s+|its\s+|a\s+|their\s+)?"
    r"(?:gene'?s?\s+|translation\s+)?(?:start codons?|atg|initiat\w* codons?|translation(?:al)? start|cds|coding"
    r"(?: sequences?| regions?)?|orfs?|genes?)|\bnon-?\s?coding"
)


def is_regulatory(question: str) -> bool:
    """Whether a base change is asked about in a regulatory sequence (promoter, TF site, upstream region)
    rather than in a coding one: what decides between ``variant_effect`` and ``mutation_effect``. Coding
    words that only place the sequence ("upstream of the start codon", "non-coding") do not count."""
    q = question.lower()
    return bool(re.search(REGULATORY, q)) and not re.search(CODING, _NOT_CODING.sub(" ", q))


def step_args(tool: str, question: str, enzymes: list[str]) -> dict[str, Any] | None:
    """The arguments of a bench tool's call, read from the question (:mod:`.slots`); None when the question
    lacks what the call needs and no default makes sense (two primers for a PCR product, a base change)."""
    words = slots.dna_words(question)
    primer_words = [w for w in words if 12 <= len(w) <= 60]
    if tool == "digest":
        return {"enzymes": enzymes, "circular": slots.circular(question)} if enzymes else None
    if tool == "cutters":
        return {"times": slots.times(question), "circular": slots.circular(question)}
    if tool == "cloning_primers":
        return {"enzyme5": enzymes[0], "enzyme3": enzymes[-1]} if enzymes else None
    if tool == "pcr_product":
        if len(primer_words) < 2:
            return None
        return {"forward": primer_words[0], "reverse": primer_words[1], "circular": slots.circular(question)}
    if tool == "design_primers":
        return region_args(question)
    if tool == "melting_temperature":
        return tm_args(question, words)
    if tool == "residue_at":
        position = slots.position(question)
        return {"position": position} if position is not None else None
    if tool in ("mutation_effect", "variant_effect"):
        change = slots.mutation_change(question)
        if change is None:
            return None
        if tool == "variant_effect":
            return {"change": change.removeprefix("c."), "task": variant_task(question)}
        return {"change": change}
    if tool == "transcribe":
        return {"strand": "template" if "template strand" in question.lower() else "coding"}
    if tool == "translate_frame":
        frame = slots.frame(question)
        return {"frame": frame} if frame is not None else None
    if tool == "find_pattern":
        pattern = slots.iupac_pattern(question)
        return {"pattern": pattern} if pattern else None
    if tool == "restriction_sites":
        return {"enzymes": enzymes} if enzymes else {}
    if tool == "search_papers":
        return {"query": question}
    return {}


def bench_steps(question: str, n_sequences: int, enzymes: list[str] | None = None) -> list[Step]:
    """Bench-biology calls (digests, PCR, Tm, protein, mutations, transcription, patterns, alignment), the
    tool that computes the quantity asked for first; arguments are read from the question (:mod:`.slots`)."""
    q = question.lower()
    steps: list[Step] = []
    words = slots.dna_words(question)
    enzymes = enzymes_named(question) if enzymes is None else enzymes
    primer_words = [w for w in words if 12 <= len(w) <= 60]
    if (
        _any(q, r"\bprimers?\b", r"\boligos?\b")
        and enzymes
        and _any(q, r"clon", r"\badd", r"\bsites?\b", r"\bflank", r"\bcarry", r"\bwith\b.*\bsites?")
        and not primer_words
    ):
        steps.append(Step("cloning_primers", {"enzyme5": enzymes[0], "enzyme3": enzymes[-1]}))
    elif (
        _any(q, r"\bprimers?\b", r"\bpcr\b", r"amplif", r"\bproduct\b")
        and len(primer_words) >= 2
        and n_sequences
    ):
        steps.append(Step("pcr_product", step_args("pcr_product", question, enzymes) or {}))
    elif _any(q, r"\bprimers?\b", r"primer pair") and _any(q, r"design", r"\bpick", r"suggest", r"choose",
                                                           r"\bmake\b", r"which primers", r"need", r"amplif"):  # fmt: skip
        steps.append(Step("design_primers", region_args(question)))
    if _any(q, r"melting temp", r"\btm\b", r"\bt\s?m\b", r"anneal\w* temp", r"\bmelt"):
        steps.append(Step("melting_temperature", tm_args(question, words)))
    cutter_words = _any(q, r"single cutters?", r"unique cutters?", r"non-?cutters?", r"\bonce\b", r"\btwice\b",
                        r"(do not|don't|does not|doesn't|never) cut", r"not at all", r"\d+ times")  # fmt: skip
    digest_words = _any(q, r"fragment", r"digest", r"\bbands?\b", r"\bpieces?\b", r"\bsizes?\b", r"\bgel\b",
                        r"\binto\b", r"\bcleav", r"\bcut (it|this|the)")  # fmt: skip
    if enzymes and not steps and digest_words:
        steps.append(Step("digest", {"enzymes": enzymes, "circular": slots.circular(question)}))
    elif cutter_words and not enzymes and _any(q, r"enzymes?", r"cutters?", r"\bcuts?\b"):
        steps.append(Step("cutters", {"times": slots.times(question), "circular": slots.circular(question)}))
    if _any(q, r"molecular (weight|mass)", r"\bmw\b", r"\bkda\b", r"dalton", r"isoelectric", r"\bpi\b",
            r"\bp\.i\.", r"extinction", r"\bgravy\b", r"hydropath", r"how heavy", r"\bmass of"):  # fmt: skip
        steps.append(Step("protein_properties", {}))
    position = slots.position(question)
    if position is not None and _any(q, r"amino acid", r"residue", r"\baa\b") and not _any(q, r"mutat", r">"):
        steps.append(Step("residue_at", {"position": position}))
    change = slots.mutation_change(question)
    if change is not None and _any(q, r"mutat", r"chang", r"substitut", r"variant", r"\bsnps?\b", r"delet",
                                   r"insert", r"replac", r"\bc\.\d", r"\d[acgt]>[acgt]", r"[acgt]\s*>\s*[acgt]"):  # fmt: skip
        if is_regulatory(question):
            steps.append(
                Step("variant_effect", {"change": change.removeprefix("c."), "task": variant_task(question)})
            )
        else:
            steps.append(Step("mutation_effect", {"change": change}))
    if _any(
        q, r"\bmrna\b", r"transcri(be|bed|pt\b|pts\b|ption(?! factors?))", r"\brna (copy|version|sequence)"
    ):
        steps.append(Step("transcribe", {"strand": "template" if "template strand" in q else "coding"}))
    frame = slots.frame(question)
    if frame is not None and _any(q, r"translat", r"protein", r"amino acids?"):
        steps.append(Step("translate_frame", {"frame": frame}))
    pattern = slots.iupac_pattern(question)
    if pattern and _any(q, r"motif", r"pattern", r"occur", r"how many times", r"occurrences", r"\bfind\b",
                        r"\bsearch", r"\bmatch", r"\bcount"):  # fmt: skip
        steps.append(Step("find_pattern", {"pattern": pattern}))
    if n_sequences >= 2 and _any(q, r"identit", r"\balign", r"\bcompare", r"similarity between", r"how similar",
                                 r"differ", r"match each other"):  # fmt: skip
        steps.append(Step("align_identity", {}))
    if _any(q, r"codon usage", r"codon (frequenc|bias|count|table)", r"which codons"):
        steps.append(Step("codon_usage", {}))
    return steps


def route(question: str, has_sequence: bool, n_sequences: int | None = None) -> Plan:
    """The tool calls that answer ``question`` (sequence arguments are filled in by the graph).

    Args:
        question: the user's words (never retrieved text).
        has_sequence: a sequence was given, or written in the question.
        n_sequences: how many (an alignment needs two); default 1 when ``has_sequence``.
    """
    q = question.lower()
    n = int(has_sequence) if n_sequences is None else n_sequences
    enzymes = enzymes_named(question)
    steps: list[Step] = bench_steps(question, n, enzymes)
    bench = bool(steps)
    explicit_similar = _any(
        q, r"similar", r"come from", r"homolog", r"which genes?", r"organism", r"what is this"
    )

    subsumed = subsumed_by(question, steps)

    def add(tool: str, **args: Any) -> None:
        if tool in subsumed or (bench and tool == "similar_sequences" and not explicit_similar):
            return
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

    return finish_plan(question, steps, has_sequence=has_sequence, papers_asked=explicit)


def finish_plan(
    question: str, steps: list[Step], *, has_sequence: bool, papers_asked: bool | None = None
) -> Plan:
    """The plan for these steps: ordered as the question asks, or a request for the sequence when the
    question is about one and none was given, or "unanswerable" when no step is left.

    Args:
        papers_asked: the question asks for literature (default: a ``search_papers`` step is planned).
    """
    q = question.lower()
    papers_asked = any(s.tool == "search_papers" for s in steps) if papers_asked is None else papers_asked
    steps = sorted(steps, key=lambda s: _mentioned_at(q, s.tool))
    needs = [s for s in steps if needs_sequence(s.tool, s.args)]
    if not has_sequence:
        if needs and not papers_asked:  # a question about "this sequence" without one: ask for it
            return Plan([], needs_sequence=True)
        steps = [s for s in steps if s not in needs] or [Step("search_papers", {"query": question})]
    elif not steps:  # nothing recognised: say so rather than fill the answer with unrelated results
        return Plan([], unanswerable=True)
    return Plan(steps)
