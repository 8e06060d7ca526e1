"""Arguments read from the user's question: DNA written in it, positions, base changes, frames, conditions.

The router decides *which* tools answer a question; these functions read *what to pass them* from the
same text (never from retrieved text). Each returns ``None`` or an empty list when the question does not
say, so the tool's own default applies.

Example:
    >>> dna_words("Tm of AGCTTGCATGCCTGCAGGTC in 50 mM Na+?")
    ['AGCTTGCATGCCTGCAGGTC']
    >>> mutation_change("What does a G>T change at position 61 do?")
    '61G>T'
"""

from __future__ import annotations

import re

_DNA_WORD = re.compile(r"(?<![A-Za-z])([ACGTacgt]{10,}|[ACGTN]{10,})(?![A-Za-z])")
_IUPAC_WORD = re.compile(r"(?<![A-Za-z])([ACGTRYSWKMBDHVN]{4,})(?![A-Za-z])")
_HGVS = re.compile(
    r"\b(c\.)?(\d+(?:_\d+)?(?:[ACGT]>[ACGT]|del[ACGT]*|ins[ACGT]+|dup[ACGT]*|delins[ACGT]+))\b"
)
_BASE = r"\b(?:an? )?([ACGT])\b"
_SUBSTITUTION = (
    re.compile(r"\b([ACGT])\s*(?:>|->|→|to)\s*([ACGT])\b[^.?]*?\bposition\s+(\d+)", re.I),
    re.compile(r"\bposition\s+(\d+)[^.?]*?\b([ACGT])\s*(?:>|->|→|to)\s*([ACGT])\b", re.I),
    re.compile(r"\b([ACGT])(\d+)([ACGT])\b"),
)
_DELETION = re.compile(
    r"\bdelet\w*\s+(?:the\s+)?(?:base\s+)?(?:([ACGT])\s+)?(?:at\s+)?position\s+(\d+)", re.I
)
_INSERTION = re.compile(r"\binsert\w*\s+(?:an?\s+)?([ACGT]+)\s+(?:after|at)\s+position\s+(\d+)", re.I)
_POSITION = re.compile(
    r"\b(?:position|postion|posn|pos\.?|residue|amino acid|aa|codon)\s*(?:number\s*)?#?\s*(\d+)\b", re.I
)
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\s+(?:amino acid|residue|position)", re.I)
_FRAME = re.compile(
    r"\bframe\s*([+-]?\s*[1-3])\b|(?<!\w)([+-]?[1-3])(?:st|nd|rd)?\s+(?:reading\s+)?frame\b", re.I
)
_CONCENTRATION = re.compile(
    r"(\d+(?:\.\d+)?)\s*(mM|nM|µM|uM)\s*(?:of\s+)?(Na\+?|sodium|Mg2?\+?|magnesium|K\+?|potassium|dNTPs?|oligo|primer)?",
    re.I,
)
_NOT_PATTERNS = {"DNA", "CDNA", "GDNA", "DSDNA", "SSDNA", "HGVS", "BAND", "BANDS", "DNAS"}
_TIMES = {"once": 1, "one time": 1, "twice": 2, "two times": 2, "exactly one": 1, "exactly two": 2}


def dna_words(question: str, min_length: int = 10) -> list[str]:
    """DNA written in the question (runs of A, C, G, T of at least ``min_length``), upper-cased, in order."""
    return [m.group(1).upper() for m in _DNA_WORD.finditer(question) if len(m.group(1)) >= min_length]


def iupac_pattern(question: str) -> str | None:
    """A short IUPAC pattern the question asks to find (e.g. TATAWAW), quoted or written in capitals."""
    quoted = re.search(r"[\"'“‘]([ACGTRYSWKMBDHVNacgtryswkmbdhvn]{4,40})[\"'”’]", question)
    if quoted:
        return quoted.group(1).upper()
    words = [w for w in _IUPAC_WORD.findall(question) if len(w) <= 40 and not w.isdigit()]
    words = [
        w
        for w in words
        if (any(c in "ACGT" for c in w) and w not in {"DNA", "RNA", "CDS", "TATA"}) or w == "TATA"
    ]
    return words[0] if words else None


_NUMBERING = re.compile(  # "(position 1 = A of ATG)", "A of the ATG = nt 1", "numbering starts at the A of atg"
    r"\(?\b(?:with\s+)?(?:position|postion|nt|base|nucleotide)\s*1\s*(?:=|is|being)\s*(?:the\s+)?a\s+of\s+"
    r"(?:the\s+)?atg\)?|\(?\ba\s+of\s+(?:the\s+)?atg\s*(?:=|is)\s*(?:position|nt|base|nucleotide)?\s*(?:#\s*)?1\)?"
    r"|\bnumbering\s+(?:starts|begins)\s+(?:at|with)\s+(?:the\s+)?a\s+of\s+(?:the\s+)?atg",
    re.I,
)
_WHERE = r"(?:position|postion|posn|pos\.?|nt|nucleotide|base|bp|site)"
_LOOSE_BASES = (  # (pattern, which groups are (ref, alt))
    (re.compile(rf"\b{_WHERE}\s*#?\s*\d+\s*\(([ACGT])\)\s*(?:is\s+|gets\s+)?(?:mutated|changed|converted|switched)\s+(?:to|into)\s+(?:an?\s+)?([ACGT])\b", re.I), (1, 2)),
    (re.compile(r"\bthe\s+([ACGT])\s+at\s+" + _WHERE + r"\s*\d+[^.?!]*?\b(?:to|into|with|by)\s+(?:an?\s+)?([ACGT])\b"), (1, 2)),
    (re.compile(r"\bsubstitut\w*\s+(?:an?\s+)?([ACGT])\s+for\s+(?:the\s+|an?\s+)?([ACGT])\b"), (2, 1)),
    (re.compile(r"\bfrom\s+(?:an?\s+)?([ACGT])\s+(?:to|into|->|→)\s+(?:an?\s+)?([ACGT])\b"), (1, 2)),
    (re.compile(r"\b([ACGT])\s*(?:>|->|→|-to-|/)\s*([ACGT])\b", re.I), (1, 2)),
    (re.compile(r"\b([ACGT])\s+(?:to|into)\s+(?:an?\s+)?([ACGT])\b"), (1, 2)),
    (re.compile(r"\b(?:is|was|=)\s+(?:an?\s+)?\(?([ACGT])\)?[^.?!]*?\b(?:becomes?|mutated to|changed to|converted to|replaced by|turns? into)\s+(?:an?\s+)?([ACGT])\b"), (1, 2)),
)  # fmt: skip
_LOOSE_POSITION = re.compile(rf"\b{_WHERE}\s*(?:number\s*)?#?\s*(\d+)\b|\bat\s+(\d+)\b", re.I)


def _loose_substitution(question: str) -> str | None:
    """A base change written in words: a position (``nt 535``, ``base 30``, ``postion 192``) and the bases
    in any of the usual forms (``from C to T``, ``C->A``, ``A-to-G``, ``C/G``, ``(A) is mutated to G``,
    ``the T at position 202 ... to G``, ``substituting G for the T``, ``is T ... becomes G``)."""
    where = _LOOSE_POSITION.search(question)
    if where is None:
        return None
    for pattern, (ref, alt) in _LOOSE_BASES:
        m = pattern.search(question)
        if m:
            return f"{where.group(1) or where.group(2)}{m.group(ref).upper()}>{m.group(alt).upper()}"
    return None


def mutation_change(question: str) -> str | None:
    """The base change the question asks about, as a c.-style change without the ``c.`` ("61G>T").

    A numbering convention ("position 1 = A of ATG") is read past, not taken for the change's position.
    """
    question = _NUMBERING.sub(" ", question)
    m = _HGVS.search(question)
    if m:
        return m.group(2)
    for i, pattern in enumerate(_SUBSTITUTION):
        m = pattern.search(question)
        if m:
            if i == 0:
                return f"{m.group(3)}{m.group(1).upper()}>{m.group(2).upper()}"
            if i == 1:
                return f"{m.group(1)}{m.group(2).upper()}>{m.group(3).upper()}"
            return f"{m.group(2)}{m.group(1)}>{m.group(3)}"
    m = _DELETION.search(question)
    if m:
        return f"{m.group(2)}del{(m.group(1) or '').upper()}"
    m = _INSERTION.search(question)
    if m:
        pos = int(m.group(2))
        return f"{pos}_{pos + 1}ins{m.group(1).upper()}"
    return _loose_substitution(question)


def position(question: str) -> int | None:
    """A 1-based position the question names ("position 57", "residue 120", "the 57th amino acid")."""
    m = _POSITION.search(question) or _ORDINAL.search(question)
    return int(m.group(1)) if m else None


def frame(question: str) -> int | None:
    """A reading frame the question names (1, 2, 3 or -1, -2, -3)."""
    m = _FRAME.search(question)
    if not m:
        return None
    return int((m.group(1) or m.group(2)).replace(" ", ""))


def times(question: str) -> int | None:
    """How many cuts a "which enzymes cut once / twice / not at all" question asks for."""
    q = question.lower()
    if re.search(
        r"\b(do not|don't|does not|doesn't|never|not at all|no sites?)\b.*\bcut|\bnon-?cutters?\b", q
    ):
        return 0
    for word, n in _TIMES.items():
        if re.search(rf"\b{word}\b", q):
            return n
    m = re.search(r"\b(\d+) times\b", q)
    return int(m.group(1)) if m else None


def circular(question: str) -> bool:
    """True when the question says the sequence is circular (a plasmid, a circle)."""
    return bool(
        re.search(r"\bcircular\b|\bcircle\b|\bplasmid\b|\bvector\b", question, re.I)
    ) and not re.search(r"\blinear(i[sz]ed)?\b", question, re.I)


_NAMED_FIRST = re.compile(  # "Na+ 50 mM", "Mg2+ 0", "sodium = 50 mM", "primer at 250 nM"
    r"\b(Na\+|Na\b|sodium|Mg2\+|Mg\+|Mg\(2\+\)|Mg\b|magnesium|K\+|K\b|potassium|dNTPs?|oligo|primer)\s*"
    r"\]?\s*(?:=|:|of|at|conc\.?)?\s*"
    r"(\d+(?:\.\d+)?)\s*(mM|nM|µM|uM)?(?![\w.])",
    re.I,
)
_NAMES = {"sodium": "na", "magnesium": "mg", "potassium": "k", "mg(2+)": "mg"}


def conditions(question: str) -> dict[str, float]:
    """Melting-temperature conditions written in the question (``na_mM``, ``mg_mM``, ``dntp_mM``, ``oligo_nM``):
    "50 mM Na+", "Na+ 50 mM", "0 mM magnesium", "Mg2+ 0", "no Mg", "primer 250 nM"."""
    out: dict[str, float] = {}
    if re.search(r"\b(no|without|zero)\s+(mg2?\+?|magnesium)", question, re.I):
        out["mg_mM"] = 0.0
    found = _CONCENTRATION.findall(question)
    found += [  # an oligo concentration needs its unit ("primer 20 nt long" is a length)
        (v, u or "mM", w)
        for w, v, u in _NAMED_FIRST.findall(question)
        if u or w.lower() not in ("oligo", "primer")
    ]
    for value, unit, what in found:
        what = _NAMES.get(what.lower(), what.lower())
        x = float(value)
        unit = unit.replace("µ", "u").lower()
        if what.startswith("na") and unit == "mm":
            out["na_mM"] = x
        elif what.startswith("mg") and unit == "mm":
            out["mg_mM"] = x
        elif what.startswith("dntp") and unit == "mm":
            out["dntp_mM"] = x
        elif what in ("oligo", "primer", "") and unit in ("nm", "um"):
            out["oligo_nM"] = x * (1000 if unit == "um" else 1)
    if out.get("mg_mM") == 0.0:
        out["dntp_mM"] = 0.0  # dNTPs matter through the Mg2+ they bind
    return out


__all__ = [
    "circular",
    "conditions",
    "dna_words",
    "frame",
    "iupac_pattern",
    "mutation_change",
    "position",
    "times",
]
