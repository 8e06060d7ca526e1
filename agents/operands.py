"""A question's operands, read once at the door: every sequence with its role, and the named things.

:func:`read_query` turns the user's words (and any sequences attached with ``--seq``/``--fasta``) into a
:class:`Query`. Every sequence written in the question is found by :func:`dnahlm.inputs.sequences_in_text`
(FASTA records, GenBank ``ORIGIN`` blocks, spaced or wrapped runs, RNA, protein) and given a role from the
words just before it or its label: ``template``, ``forward``/``reverse`` primer, ``primer``, ``amplicon``,
``insert``, ``vector``, ``mutant``, ``reference``, ``candidate`` (lettered or numbered options) or plain
``sequence``. Roles the words leave open are settled by what the question is about (two short oligos and
a long sequence in a PCR question are the primers and the template). The named operands (enzymes,
positions, a base change, a frame, an IUPAC pattern, salt conditions, tags) and the constraints (product
size, ORF length, strand, topology) are read from the words with the sequences taken out, so the letters
of a pasted sequence are never read as an enzyme or a pattern. The planner and every step read this one
value; no tool parses the question again.

Example:
    >>> q = read_query("What size band with primers GCTTACGATCCAGTAGGACT,TTGACGGATCACCTTCAGGA on this "
    ...                "template: " + "A" * 30 + "GCTTACGATCCAGTAGGACT" + "C" * 40 + "TCCTGAAGGTGATCCGTCAA")
    >>> [o.role for o in q.operands]
    ['forward', 'reverse', 'template']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from dnahlm.errors import UserInputError
from dnahlm.inputs import _DECOR, TextSequence, sequences_in_text, without_sequences
from dnahlm.sequences import normalize

from . import slots

Role = Literal[
    "sequence", "template", "forward", "reverse", "primer", "amplicon", "insert", "vector", "mutant",
    "reference", "candidate",
]  # fmt: skip
Form = Literal["count", "verdict", "choice", "sequence", "number", "text"]

_ROLE_WORDS: tuple[tuple[str, str], ...] = (
    ("forward", r"\bforward\b|\bfwd\b|\bfw\b|\bf\b|\bsense\b|\bleft\b|\bprimer\s*(?:1|a|one)\b|\bp1\b|\bfor\b(?=\s*[:=])"),
    ("reverse", r"\breverse\b(?!\s+complement)|\brev\b|\brv\b|\br\b|\bantisense\b|\bright\b|\bprimer\s*(?:2|b|two)\b|\bp2\b"),
    ("amplicon", r"\bamplicons?\b|\bproduct(?: sequence)?\s*[:=]|\bproduct (?:sequence|is|was|reads)\b|\bexpected (?:band|fragment|product)\b"),
    ("template", r"\btemplates?\b|\btmpl\b|\bgenomic\b|\bon (?:this|the following|the) (?:sequence|dna|gene|region)\b"),
    ("insert", r"\binserts?\b|\bgene of interest\b|\bgoi\b|\bfragment to clone\b"),
    ("vector", r"\bvectors?\b|\bplasmids?\b|\bbackbone\b"),
    ("mutant", r"\bmutants?\b|\bmut\b|\bmy clone\b|\bthe clone\b|\bsequenced\b|\bsequencing (?:read|result)s?\b|\bvariant\b|\bpatient\b"),
    ("reference", r"\bwild[- ]?type\b|\bwt\b|\breference\b|\bref\b|\boriginal\b|\bexpected sequence\b|\bnormal\b"),
    ("primer", r"\bprimers?\b|\boligos?\b|\bprimer pair\b"),
)  # fmt: skip
"""Words that give the sequence after them a role, most specific first."""
_AFTER_ROLE = re.compile(
    r"[ \t]*(?:\(\s*|,\s*|as\s+|is\s+)(?:(?:my|the|our)\s+)?(forward|reverse|fwd|rev|template)\b", re.I
)
"""A role written after the sequence: "X (forward)", "X as my forward", "X as the template"."""
_AFTER_ROLES = {"for": "forward", "fwd": "forward", "rev": "reverse", "tem": "template"}
_JOINER = re.compile(r"^[\s,;/&+|]*(?:and|&|plus|\+|/|,|;)?[\s,;/&+|]*$", re.I)
_PCR_WORDS = re.compile(r"\bprimers?\b|\bpcr\b|\bamplif|\bamplicon|\bproduct\b|\bband\b|\boligos?\b", re.I)
_TAGS = {
    "his": ("HHHHHH", r"\b(?:6\s*[x×]?\s*-?\s*his|his\s*-?\s*(?:6|x6|×6|tag)|hexa-?histidine|poly-?his)\w*"),
    "flag": ("DYKDDDDK", r"\bflag\b"),
    "ha": ("YPYDVPDYA", r"\bha[- ]?tag\b|\bha\b(?=[- ]?(?:tag|epitope))"),
    "myc": ("EQKLISEEDL", r"\bc?-?myc\b(?=[- ]?(?:tag|epitope))|\bmyc[- ]?tag\b"),
    "strep": ("WSHPQFEK", r"\bstrep(?:[- ]?tag)?(?:\s*ii)?\b"),
    "v5": ("GKPIPNPLLGLDST", r"\bv5\b"),
}
"""Epitope and affinity tags a question may add to a protein: (residues, how it is written)."""


@dataclass(frozen=True)
class Operand:
    """One sequence the question gives, with its role.

    Attributes:
        sequence: normalised (upper case; RNA read as DNA, U -> T; a protein in one-letter code).
        kind: ``dna``, ``rna`` (given with U) or ``protein``.
        role: what it is in the question (see the module docstring).
        label: the FASTA header or the option letter/number it was written with.
        where: ``question`` (written in the text, see ``span``) or ``attached`` (``--seq``/``--fasta``).
    """

    sequence: str
    kind: str = "dna"
    role: Role = "sequence"
    label: str = ""
    where: str = "question"
    span: tuple[int, int] | None = None

    @property
    def is_dna(self) -> bool:
        return self.kind in ("dna", "rna")


@dataclass
class Query:
    """What a question gives and asks, read once (see :func:`read_query`)."""

    question: str
    words: str
    """The question with every pasted sequence taken out (what its words say)."""
    operands: list[Operand] = field(default_factory=list)

    # ------------------------------------------------------------------ sequences by role
    def of(self, *roles: str) -> list[Operand]:
        return [o for o in self.operands if o.role in roles]

    @property
    def dna(self) -> list[Operand]:
        return [o for o in self.operands if o.is_dna]

    @property
    def main(self) -> Operand | None:
        """The sequence the question is about: its template/query, else the first DNA that is no
        primer, amplicon or option."""
        roles = ("template", "sequence", "insert", "vector", "reference", "mutant")
        return next((o for o in self.dna if o.role in roles), None)

    @property
    def primers(self) -> tuple[Operand, Operand] | None:
        fwd, rev = self.of("forward"), self.of("reverse")
        if fwd and rev:
            return fwd[0], rev[0]
        return None

    @property
    def candidates(self) -> list[Operand]:
        return self.of("candidate")

    @property
    def proteins(self) -> list[Operand]:
        return [o for o in self.operands if o.kind == "protein"]

    # ------------------------------------------------------------------ named operands (from the words)
    @cached_property
    def lower(self) -> str:
        return self.words.lower()

    @cached_property
    def enzymes(self) -> list[str]:
        from .router import enzymes_named

        return enzymes_named(self.words)

    @cached_property
    def position(self) -> int | None:
        return slots.position(self.words)

    @cached_property
    def change(self) -> str | None:
        return slots.mutation_change(self.words)

    @cached_property
    def frame(self) -> int | None:
        return slots.frame(self.words)

    @cached_property
    def pattern(self) -> str | None:
        return slots.iupac_pattern(self.words)

    @cached_property
    def conditions(self) -> dict[str, float]:
        return slots.conditions(self.words)

    @cached_property
    def circular(self) -> bool:
        return slots.circular(self.words)

    @cached_property
    def tags(self) -> list[tuple[str, str, str]]:
        """Tags the question adds to a protein: (name, residues, "N" or "C"), C-terminal unless it says N."""
        out = []
        for name, (residues, pattern) in _TAGS.items():
            m = re.search(pattern, self.lower)
            if m:
                near = self.lower[max(0, m.start() - 40) : m.end() + 40]
                end = "N" if re.search(r"\bn[- ]?term", near) else "C"
                out.append((name, residues, end))
        return out

    @cached_property
    def product_size(self) -> tuple[int, int] | None:
        """A product size or range the words ask for: "~300 bp" (±10%), "100-200 bp", "between 400 and
        600 bp", "at least 500 bp", "1.2 kb"."""
        q = self.lower.replace(",", "")
        unit = r"\s*(kb|kbp|bp|nt|base pairs?)"
        m = re.search(rf"(\d+(?:\.\d+)?)\s*(?:-|–|to|and)\s*(\d+(?:\.\d+)?){unit}", q)
        if m and re.search(r"amplicon|product|amplif|band|fragment|pcr|primer", q):
            k = 1000 if m.group(3).startswith("kb") else 1
            return round(float(m.group(1)) * k), round(float(m.group(2)) * k)
        m = re.search(
            rf"(~|about|around|approx\w*\.?|roughly|circa|ca\.?|of|a|an)?\s*(\d+(?:\.\d+)?){unit}\s*(?:pcr\s*)?(?:amplicon|product|fragment|band|amplif)",
            q,
        )
        m = m or re.search(
            rf"(?:amplicon|product|fragment|band)\w*\s*(?:of|around|about|~|near|size of|length of|close to)\s*(~|about|around)?\s*(\d+(?:\.\d+)?){unit}",
            q,
        )
        if m:
            k = 1000 if m.group(3).startswith("kb") else 1
            size = float(m.group(2)) * k
            return round(size * 0.9), round(size * 1.1)
        return None

    @cached_property
    def min_orf_aa(self) -> int | None:
        """A minimum ORF length the words set: "more than 50 aa" (51), "at least 100 codons", "> 300 bp"."""
        q = self.lower
        m = re.search(
            r"(more than|longer than|over|greater than|>|at least|>=|≥|minimum(?: of)?|min\.?)\s*(\d+)\s*(aa|amino acids?|residues?|codons?|bp|nt|nucleotides?)",
            q,
        )
        if not m or not re.search(r"\borfs?\b|open reading|reading frame|protein|peptide|coding", q):
            return None
        n = int(m.group(2))
        strict = m.group(1) in ("more than", "longer than", "over", "greater than", ">")
        if m.group(3).startswith(("bp", "nt", "nucl")):
            n = n // 3
        return n + 1 if strict else n

    @cached_property
    def one_strand(self) -> bool:
        """The words restrict a search to the given strand ("on the given strand", "forward strand only")."""
        return bool(
            re.search(
                r"(given|this|top|forward|plus|\+|sense|coding|shown)\s+strand(\s+only)?|only (?:on )?the (?:given|top|forward|plus|shown) strand|5['′’]?\s*(?:->|→|to)\s*3['′’]? (?:direction )?only|do not (?:consider|count) the (?:reverse|other|complementary)",
                self.lower,
            )
        )

    @cached_property
    def form(self) -> Form:
        """The form of the answer asked for: a count, a yes/no verdict, a choice, a sequence, a number."""
        return answer_form(self.words, bool(self.candidates))


def answer_form(words: str, has_candidates: bool = False) -> Form:
    """What form the question wants the answer in (see :attr:`Query.form`)."""
    q = " ".join(words.lower().split())
    if has_candidates or re.search(
        r"which (?:one )?of (?:the following|these|those|the (?:two|three|four|five))|which (?:primer pair|option|candidate)",
        q,
    ):
        return "choice"
    if re.search(r"\bhow many\b|\bnumber of\b|\bcount (?:the|how)\b|\bhow often\b", q):
        return "count"
    if re.search(
        r"(?:^|[.?!:]\s+|\b(?:hi|hello|hey|question)[,!]?\s+)(?:is|are|does|do|will|would|can|could|has|have|did|should)\s+(?:there|it|this|the|my|a|an|these|ecori|\w+i\b)|yes or no|\(y/n\)|true or false",
        q,
    ):
        return "verdict"
    if re.search(
        r"\b(?:what|give|write|show|print|list)\b[^?.]{0,40}\b(?:sequence|reverse complement|complement|mrna|transcript|peptide|protein sequence|amino acid sequence|translation)\b",
        q,
    ) and not re.search(r"\b(?:length|size|mass|weight|how long|gc|percent)\b", q):
        return "sequence"
    if re.search(
        r"\b(?:how long|how big|how heavy|what size|which size|size|length|mass|weight|\btm\b|melting|\bpi\b|isoelectric|percent|%|gc|identity|how much|concentration|ratio)\b",
        q,
    ):
        return "number"
    return "text"


def _role_of(context: str, label: str) -> Role | None:
    """The role the words just before a sequence (or its label) give it, the nearest word winning."""
    if re.fullmatch(r"[A-Ha-h]|\d{1,2}", label):
        return "candidate"
    for text in (label, context):
        best: tuple[int, Role] | None = None
        for role, pattern in _ROLE_WORDS:
            for m in re.finditer(pattern, text.lower()):
                if best is None or m.end() > best[0]:
                    best = (m.end(), role)  # type: ignore[assignment]
        if best is not None:
            return best[1]
    return None


def _operand(found: TextSequence, role: Role) -> Operand:
    seq = found.dna
    if found.kind != "protein":
        seq = normalize(
            seq, record_id=f"the sequence at character {found.start + 1} of the question", iupac=True
        )
    return Operand(seq, found.kind, role, found.label, "question", (found.start, found.end))


def _settle(q: Query) -> None:
    """Roles the words leave open, settled by what the question is about."""
    ops = q.operands
    # "primers X, Y": the first is the forward primer, the second the reverse
    primers = [i for i, o in enumerate(ops) if o.role == "primer"]
    if len(primers) >= 2 and not q.of("forward", "reverse"):
        ops[primers[0]] = _with(ops[primers[0]], "forward")
        ops[primers[1]] = _with(ops[primers[1]], "reverse")
    elif len(primers) == 1 and q.of("forward") and not q.of("reverse"):
        ops[primers[0]] = _with(ops[primers[0]], "reverse")
    elif len(primers) == 1 and q.of("reverse") and not q.of("forward"):
        ops[primers[0]] = _with(ops[primers[0]], "forward")
    open_dna = [i for i, o in enumerate(ops) if o.is_dna and o.role == "sequence"]
    if _PCR_WORDS.search(q.words) and not q.primers and not q.candidates:
        short = [i for i in open_dna if len(ops[i].sequence) <= 60]
        longer = any(len(o.sequence) > 60 for o in ops if o.is_dna)
        if len(short) >= 2 and longer:  # two oligos and a template
            ops[short[0]], ops[short[1]] = _with(ops[short[0]], "forward"), _with(ops[short[1]], "reverse")
    if q.primers:  # with a primer pair, the one long open sequence is the template
        rest = [i for i, o in enumerate(ops) if o.is_dna and o.role == "sequence"]
        if rest:
            longest = max(rest, key=lambda i: len(ops[i].sequence))
            ops[longest] = _with(ops[longest], "template")
    if q.of("mutant") and not q.of("reference"):  # "my clone X ... it should be Y"
        rest = [i for i, o in enumerate(ops) if o.is_dna and o.role == "sequence"]
        if len(rest) == 1:
            ops[rest[0]] = _with(ops[rest[0]], "reference")
    if q.of("reference") and not q.of("mutant"):
        rest = [i for i, o in enumerate(ops) if o.is_dna and o.role == "sequence"]
        if len(rest) == 1:
            ops[rest[0]] = _with(ops[rest[0]], "mutant")


def _with(op: Operand, role: Role) -> Operand:
    return Operand(op.sequence, op.kind, role, op.label, op.where, op.span)


def read_query(question: str, sequences: list[str] | None = None) -> Query:
    """The :class:`Query` of ``question``, with ``sequences`` attached (``--seq``, ``--fasta``, a UI upload).

    Raises:
        UserInputError: an attached sequence is empty or holds a letter that is no base.
    """
    found = sequences_in_text(question)
    words = without_sequences(question, found, mark=" ⟨seq⟩ ")
    operands: list[Operand] = []
    previous_end, previous_role = 0, None
    for n, f in enumerate(found):
        context = question[previous_end : f.start]
        following = question[f.end : found[n + 1].start if n + 1 < len(found) else len(question)]
        after = _AFTER_ROLE.match(_DECOR.sub(" ", following))
        role = _AFTER_ROLES[after.group(1).lower()[:3]] if after else _role_of(context[-80:], f.label)
        context = _DECOR.sub(" ", context)
        if role is None and previous_role in ("primer", "forward", "reverse") and _JOINER.match(context):
            role = "primer"  # "primers X, Y" / "X and Y" / "X / Y": the pair continues
        if role is None and previous_role == "candidate" and _JOINER.match(context):
            role = "candidate"  # "A) fwd, rev": an option of two sequences
        operands.append(_operand(f, role or "sequence"))
        previous_end, previous_role = f.end, role
    for i, raw in enumerate(s for s in sequences or [] if s is not None):
        name = f"sequence {i + 1}" if len(sequences or []) > 1 else "the sequence"
        rna = re.search(r"[Uu]", raw) is not None and re.search(r"[Tt]", raw) is None
        seq = normalize(raw.replace("U", "T").replace("u", "t") if rna else raw, record_id=name, iupac=True)
        if not seq:
            raise UserInputError(f"{name} is empty")
        operands.append(Operand(seq, "dna", "sequence", "", "attached"))
    query = Query(question, words, operands)
    _settle(query)
    return query


def subjects(query: Query) -> list[str]:
    """The sequences the question's tools work on by default: its DNA that is no primer, option or
    amplicon (a question that gives only oligos is about them)."""
    main = [
        o.sequence
        for o in query.dna
        if o.role not in ("forward", "reverse", "primer", "candidate", "amplicon")
    ]
    return main or [o.sequence for o in query.dna]


def describe(query: Query) -> list[dict[str, Any]]:
    """The operands as the ``--steps`` view shows them: role, kind, length, label."""
    return [
        {"role": o.role, "kind": o.kind, "length": len(o.sequence), "label": o.label, "where": o.where}
        for o in query.operands
    ]


__all__ = ["Operand", "Query", "answer_form", "describe", "read_query", "subjects"]
