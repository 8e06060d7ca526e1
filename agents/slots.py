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
    re.compile(r"\b([ACGT])(\d+)\s*(?:>|->|→|to|into)\s*(?:an?\s+)?([ACGT])\b"),  # "G30 to C", "T87 > G"
)
_DELETION = re.compile(
    r"\bdelet\w*\s+(?:the\s+)?(?:base\s+)?(?:([ACGT])\s+)?(?:at\s+)?position\s+(\d+)", re.I
)
_INSERTION = re.compile(
    r"\binsert\w*\s+(?:an?\s+|one\s+|an? extra\s+|1\s+)?([ACGT]+)\s+(?:after|at)\s+(?:the\s+)?"
    r"(?:position|nucleotide|base|nt)\s*(?:number\s*|no\.?\s*|#\s*)?(\d+)",
    re.I,
)
_POSITION_WORD = r"(?:position|postion|positon|possition|poisition|posiiton|posn|pos\.?)"
_POSITION = re.compile(
    rf"\b(?:{_POSITION_WORD}|residue|res\.?|amino[- ]acid|aa|codon)\s*(?:(?:number|no\.?|nr\.?)\s*)?#?\s*(\d+)\b"
    r"|\b(?:residue|amino[- ]acid|aa)\s+(?:is\s+|at\s+)?(?:number|no\.?|#)\s*(\d+)\b"
    r"|\b(?:aa|res)(\d+)\b",
    re.I,
)
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\s+(?:amino[- ]acid|residue|position|codon|aa\b|triplet)", re.I)
_THOUSANDS = re.compile(r"(?<=\d)[,\u2009\u202f](?=\d{3}(?!\d))")
"""A thousands separator inside a number ("1,020", "1 020" with a thin space): read past."""
_RESIDUE_WORDS = re.compile(r"\bamino[- ]acids?\b|\bresidues?\b|\baa\b", re.I)
_START_AS_ONE = (
    re.compile(  # "counting the start Met as residue 1", "(Met1 = position 1)", "position 1 = Met"
        r"\b(?:count\w*|number\w*|tak\w*|with|where|treat\w*|call\w*)\s+(?:from\s+)?(?:the\s+)?"
        r"(?:start(?:ing)?|initiat\w*|initial|first|n-terminal)?\s*(?:met\w*|m|atg|start codon)\s*"
        r"(?:1\s*)?(?:as|=|is|being)\s*(?:residue|position|amino acid|aa|number|no\.?|#)?\s*(?:1|one)\b"
        rf"|\b(?:met(?:hionine)?|m|atg)\s*1?\s*=\s*(?:{_POSITION_WORD}|residue|aa|amino acid)?\s*1\b"
        rf"|\b(?:{_POSITION_WORD}|residue|aa|amino acid)\s*1\s*(?:=|is|being)\s*(?:the\s+)?"
        r"(?:start(?:ing)?\s+|initiat\w*\s+|first\s+)?(?:met\w*|m\b|atg|start codon)",
        re.I,
    )
)
_FRAME = re.compile(
    r"\b(?:reading\s+)?frame\s*(?:#|no\.?|number)?\s*([+-]?\s*[1-3])\b"
    r"|(?<!\w)([+-]?[1-3])(?:st|nd|rd)?\s+(?:reading\s+|translation\s+)?frame\b|\brf\s*([+-]?[1-3])\b",
    re.I,
)
_FRAME_WORDS = {"one": 1, "two": 2, "three": 3, "first": 1, "second": 2, "third": 3}
_FRAME_WORD = re.compile(
    r"\bframe\s+(one|two|three)\b|\b(first|second|third)\s+(?:forward\s+|reading\s+)*frame\b", re.I
)
_FRAME_START = re.compile(  # "starting at base 2", "from nt 3", "the first codon starts at nucleotide 2"
    r"\b(?:(?:start\w*|begin\w*|read\w*|translat\w*)\s+(?:(?:at|from|with|on)\s+)?|from\s+(?=(?:the\s+)?(?:nuc|bas|nt|first|second|third)))"
    r"(?:the\s+)?(?:(?:nucleotide|base|nt|position)\s*#?\s*([1-3])\b(?!\s*(?:=|is\b|being\b))"
    r"|(first|second|third)\s+(?:nucleotide|base|nt|position))",
    re.I,
)
_HYPHEN_FRAME = re.compile(r"\bframe-([1-3])\b", re.I)
_REVERSE = re.compile(
    r"revers|minus|negative|complement|antisense|bottom|opposite|other strand|[-\u2212]\s*strand", re.I
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
_WHERE = r"(?:position|postion|positon|posn|pos\.?|nt|nucleotide|base|bp|site|residue)"
_ARROW = r"(?:>|-+>|=+>|→|⇒|⟶|–>|-to-|/)"
_TO = r"(?:mutated|changed|converted|switched|altered|turned|made)\s+(?:it\s+)?(?:to|into)"
_VERB_TO = (
    r"(?:becomes?|became|turns?\s+into|is\s+now|were|was|be|to|into|with|by|for|"
    + _TO
    + r"|mutated to|changed to|replaced (?:by|with))"
)
_LOOSE_BASES = (  # (pattern, which groups are (ref, alt)), most specific first; bases in capitals
    # "position 81 (C) ... to G", "base 87 (T) to G"
    (re.compile(rf"\b{_WHERE}\s*#?\s*\d+\s*\(([ACGT])\)[^?!]{{0,80}}?\b(?:to|into)\s+(?:an?\s+)?([ACGT])\b", re.I), (1, 2)),
    # "the T (position 87) to G"
    (re.compile(rf"\b([ACGT])\s*\(\s*{_WHERE}?\s*#?\s*\d+\s*\)[^?!]{{0,60}}?\b(?:to|into|with|by)\s+(?:an?\s+)?([ACGT])\b"), (1, 2)),
    # "a G in place of the T", "G instead of T", "G substituted for T"
    (re.compile(r"\b([ACGT])\s+(?:in\s+place\s+of|instead\s+of|substituted\s+for|replacing)\s+(?:the\s+|an?\s+)?([ACGT])\b"), (2, 1)),
    # "swap the T at 87 for a G", "replace the T ... with G"
    (re.compile(r"\b(?:swap\w*|exchang\w*|replac\w*|trad\w*)\s+(?:the\s+|an?\s+)?([ACGT])\b[^?!]{0,60}?\b(?:for|with|by)\s+(?:an?\s+)?([ACGT])\b"), (1, 2)),
    # "the T at (position) 87 ... to G", "the T at nucleotide 87 becomes a G"
    (re.compile(rf"\bthe\s+([ACGT])\s+(?:at|in)\s+(?:{_WHERE}\s*)?#?\s*\d+[^?!]{{0,60}}?\b{_VERB_TO}\s+(?:an?\s+)?([ACGT])\b"), (1, 2)),
    (re.compile(r"\bsubstitut\w*\s+(?:an?\s+)?([ACGT])\s+for\s+(?:the\s+|an?\s+)?([ACGT])\b"), (2, 1)),
    (re.compile(r"\bfrom\s+(?:an?\s+)?([ACGT])\s+(?:to|into|->|→)\s+(?:an?\s+)?([ACGT])\b"), (1, 2)),
    (re.compile(rf"\b([ACGT])\s*{_ARROW}\s*([ACGT])\b", re.I), (1, 2)),
    (re.compile(r"\b([ACGT])\s+(?:to|into)\s+(?:an?\s+)?([ACGT])\b"), (1, 2)),
    # "T changed to G", "T mutated into a G"
    (re.compile(rf"\b([ACGT])\s+(?:is\s+|was\s+|gets\s+|being\s+)?{_TO}\s+(?:an?\s+)?([ACGT])\b"), (1, 2)),
    # "were G instead of T"
    (re.compile(r"\b(?:were|was|be|is)\s+(?:an?\s+)?([ACGT])\s+(?:instead|rather)\s+(?:of|than)\s+(?:an?\s+)?([ACGT])\b"), (2, 1)),
    # "is a T; ... mutate it to G", "there is a T. What happens if it's changed to a G?", "is T. Make it G"
    (re.compile(r"\b(?:is|was|=|has)\s+(?:an?\s+)?\(?([ACGT])\)?[^?!]{0,80}?\b(?i:becomes?|mutate\w*(?:\s+it)?\s+(?:to|into)|chang\w*(?:\s+it)?\s+(?:to|into)|convert\w*(?:\s+it)?\s+(?:to|into)|switch\w*(?:\s+it)?\s+(?:to|into)|replaced\s+(?:by|with)|turns?\s+into|make\s+it|made)\s+(?:an?\s+)?([ACGT])\b"), (1, 2)),
)  # fmt: skip
_LOOSE_POSITION = re.compile(
    rf"\b{_WHERE}\s*(?:number\s*|no\.?\s*)?#?\s*(\d+)\b|\b(?:at|@)\s+(\d+)\b"
    r"|\b(\d+)(?:st|nd|rd|th)\s+(?:base|nucleotide|nt|position)\b|(?<![\w.])(\d+)\s*:?\s*[ACGT]\s*(?:>|->|→)",
    re.I,
)


def _loose_substitution(question: str) -> str | None:
    """A base change written in words: a position (``nt 535``, ``base 30``, ``postion 192``) and the bases
    in any of the usual forms (``from C to T``, ``C->A``, ``T-->G``, ``A-to-G``, ``C/G``, ``(A) is mutated to
    G``, ``the T at position 202 ... to G``, ``substituting G for the T``, ``a G in place of the T``, ``swap
    the T for a G``, ``is T ... becomes G``, ``is a T; mutate it to G``)."""
    where = _LOOSE_POSITION.search(question)
    if where is None:
        return None
    for pattern, (ref, alt) in _LOOSE_BASES:
        m = pattern.search(question)
        if m:
            number = next(g for g in where.groups() if g)
            return f"{number}{m.group(ref).upper()}>{m.group(alt).upper()}"
    return None


def mutation_change(question: str) -> str | None:
    """The base change the question asks about, as a c.-style change without the ``c.`` ("61G>T").

    A numbering convention ("position 1 = A of ATG") is read past, not taken for the change's position.
    """
    question = _NUMBERING.sub(" ", _THOUSANDS.sub("", question))
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
            return f"{m.group(2)}{m.group(1).upper()}>{m.group(3).upper()}"
    m = _DELETION.search(question)
    if m:
        return f"{m.group(2)}del{(m.group(1) or '').upper()}"
    m = _INSERTION.search(question)
    if m:
        pos = int(m.group(2))
        return f"{pos}_{pos + 1}ins{m.group(1).upper()}"
    return _loose_substitution(question)


def position(question: str) -> int | None:
    """A 1-based position the question names ("position 57", "residue no. 120", "the 57th codon", "aa57").

    A numbering convention ("counting the start Met as residue 1", "Met1 = position 1") is read past, and
    "1" gives way to another position the question names.
    """
    question = _START_AS_ONE.sub(" ", _THOUSANDS.sub("", question))
    found = [
        (m.start(), int(next(g for g in m.groups() if g)))
        for pattern in (_POSITION, _ORDINAL)
        for m in pattern.finditer(question)
    ]
    found = [n for _, n in sorted(found)]
    if not found and _RESIDUE_WORDS.search(question):  # "which amino acid at 333 in the protein"
        found = [int(m.group(1)) for m in re.finditer(r"\bat\s+(\d+)\b", question)]
    return next((n for n in found if n != 1), found[0]) if found else None


def frame(question: str) -> int | None:
    """A reading frame the question names (1, 2, 3 or -1, -2, -3): "frame +2", "the 3rd reading frame",
    "RF2", "frame two", "starting at base 2" (a forward frame by where its first codon starts); "frame-3"
    is frame 3 unless the question names the reverse strand."""
    m = _HYPHEN_FRAME.search(question)
    if m and not _REVERSE.search(question):
        return int(m.group(1))
    m = _FRAME.search(question)
    if m:
        return int(next(g for g in m.groups() if g).replace(" ", ""))
    m = _FRAME_WORD.search(question)
    if m:
        return _FRAME_WORDS[(m.group(1) or m.group(2)).lower()]
    m = _FRAME_START.search(question)
    if m:
        return int(m.group(1)) if m.group(1) else _FRAME_WORDS[m.group(2).lower()]
    return None


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


_ION = (
    r"Na\+|NaCl|Na\b|sodium|Mg2\+|Mg\+\+|Mg\(2\+\)|MgCl2|Mg\b|magnesium|K\+|KCl|K\b|potassium|dNTPs?"
    r"|oligo(?:nucleotide)?s?|primers?|probes?|strands?"
)
_UNIT = r"mM|nM|µM|μM|uM|M"
_VALUE_FIRST = re.compile(  # "50 mM Na+", "0.25 uM primer", "250 nM"
    rf"(?<![\w.])(\d+(?:\.\d+)?)\s*({_UNIT})(?![A-Za-z])\s*(?:of\s+|each\s+)?({_ION})?", re.I
)
_NAMED_FIRST = re.compile(  # "Na+ 50 mM", "Mg2+ 0", "[Na+] = 50 mM", "sodium = 50 mM", "primer at 250 nM"
    rf"\[?\b({_ION})\s*\]?\s*(?:conc\w*\.?\s*)?(?:=|:|of|at|is|was)?\s*"
    rf"(\d+(?:\.\d+)?)\s*({_UNIT})?(?![\w.])",
    re.I,
)
_NO_MG = re.compile(
    r"\b(?:no|without|zero|minus|omit\w*|lacking|absence of|free of)\s+(?:added\s+|any\s+)?"
    r"(?:mg2?\+*|mg\(2\+\)|mgcl2|magnesium|divalent)"
    r"|\b(?:mg2?\+*|mg\(2\+\)|mgcl2|magnesium|divalent(?: cation)?)[- ]?free\b"
    r"|\b(?:mg2?\+*|mg\(2\+\)|mgcl2|magnesium)\s*\]?\s*(?:=|:)?\s*(?:none|nil|zero|absent|omitted)\b"
    r"|(?<![\w.])0(?:\.0+)?\s*(?:mm\s*)?(?:mg2?\+*|mgcl2|magnesium)",
    re.I,
)
_NAMES = {"sodium": "na", "magnesium": "mg", "potassium": "k", "mg(2+)": "mg"}


def _concentration(value: str, unit: str | None, what: str | None, out: dict[str, float]) -> bool:
    """Store one concentration under its condition's key; False when the species or unit fits none."""
    what = (what or "").lower()
    what = _NAMES.get(what, what)
    x = float(value)
    if unit == "M":  # molar: capital M only ("0.05 M NaCl")
        x, unit = x * 1000, "mm"
    unit = (unit or "mM").replace("µ", "u").replace("μ", "u").lower()
    if what.startswith("na") and unit == "mm":
        out["na_mM"] = x
    elif what.startswith("mg") and unit == "mm":
        out["mg_mM"] = x
    elif what.startswith("dntp") and unit == "mm":
        out["dntp_mM"] = x
    elif (what == "" or what.startswith(("oligo", "primer", "probe", "strand"))) and unit in ("nm", "um"):
        out["oligo_nM"] = x * (1000 if unit == "um" else 1)
    else:
        return False
    return True


def conditions(question: str) -> dict[str, float]:
    """Melting-temperature conditions written in the question (``na_mM``, ``mg_mM``, ``dntp_mM``, ``oligo_nM``):
    "50 mM Na+", "Na+ 50 mM", "[Na+] = 0.05 M", "0 mM magnesium", "Mg2+ 0", "no Mg", "Mg2+-free",
    "primer 250 nM", "0.25 uM oligo".

    A number with its unit and a species after it ("0mM Mg") belongs to that species, even when another
    species' name comes just before it ("Na 50mM 0mM Mg"); an oligo concentration needs its unit ("primer
    20 nt long" is a length).
    """
    out: dict[str, float] = {}
    if _NO_MG.search(question):
        out["mg_mM"] = 0.0
    used: set[int] = set()
    loose = []
    for m in _VALUE_FIRST.finditer(question):
        if m.group(3) and _concentration(m.group(1), m.group(2), m.group(3), out):
            used.add(m.start(1))
        else:
            loose.append(m)
    for m in _NAMED_FIRST.finditer(question):
        if m.start(2) in used:
            continue
        what, value, unit = m.groups()
        named_oligo = what.lower().startswith(("oligo", "primer", "probe", "strand"))
        if (unit or not named_oligo) and _concentration(value, unit, what, out):
            used.add(m.start(2))
    for m in loose:
        if m.start(1) not in used:
            _concentration(m.group(1), m.group(2), None, out)
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
