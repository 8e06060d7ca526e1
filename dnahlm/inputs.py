"""Sequences written inside text: every shape people paste them in, read once, with where they were.

A question may carry its operands inline: a FASTA record (or several), a GenBank ``ORIGIN`` or EMBL ``SQ``
block with position numbers and 10-base groups, a raw run broken by spaces, digits or line breaks, lower
case, RNA (U), ``5'-...-3'`` decorations, or a protein in one-letter code. :func:`sequences_in_text` finds
them all and returns :class:`TextSequence` values: the normalised sequence (upper case; RNA as written,
see :attr:`TextSequence.dna`), its kind, the label it was given (a FASTA header, ``Forward:``, ``A)``),
and its span in the text, so the words around it can give it a role (:mod:`dnahlm.agents.operands`) and
an error can say where it was.

How separate runs are told apart from one sequence broken into groups: runs joined only by white space
or position numbers are one sequence when they look laid out, i.e. every group but the last has the same
width and that width is a layout width (3 for codons, 5, 6 or 10 for blocks, 40 or more for wrapped
lines), or numbers stand between them (``ORIGIN`` numbering). Two 20-mers on one line or on two lines are
two sequences (two primers), a 60-column wrapped record is one.

Example:
    >>> [s.sequence for s in sequences_in_text("primers GCTTACGATCCAGTAGGACT,TTGACGGATCACCTTCAGGA")]
    ['GCTTACGATCCAGTAGGACT', 'TTGACGGATCACCTTCAGGA']
    >>> sequences_in_text("ORIGIN\\n  1 atggcgcgta taaaaggcgc\\n 21 atgcatgc\\n//")[0].sequence
    'ATGGCGCGTATAAAAGGCGCATGCATGC'
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["dna", "rna", "protein"]

MIN_RUN = 10
"""Shortest run of bases read as a sequence (shorter words, "ATG", "GAATTC", are named things, not operands)."""
MIN_PROTEIN = 12
"""Shortest protein run (one token of amino-acid letters with at least one letter that is not a base)."""
LAYOUT_WIDTHS = {3, 5, 6, 10}
"""Group widths that mean "one sequence, spaced for reading" (codons, blocks of 5, 6 or 10)."""
WRAP_WIDTH = 40
"""Lines at least this long, all of one width, are a wrapped sequence."""

_BASES = "ACGTUNacgtun"
_IUPAC_EXTRA = "RYSWKMBDHVrysw kmbdhv".replace(" ", "")
_AMINO = "ACDEFGHIKLMNPQRSTVWY"
_DECOR = re.compile(r"5\s*['′’`]\s*[-–]?\s*|\s*[-–]?\s*3\s*['′’`](?:\s*-?\s*(?:OH|end))?", re.I)
"""``5'-``/``-3'`` marks around an oligo (read past: their digits are no position numbers)."""
_TOKEN = re.compile(r"(?<![A-Za-z])(?:[ACGTUNacgtun]+|[ACGTUNRYSWKMBDHV]+)(?![A-Za-z])")
"""A group of bases: A, C, G, T, U, N in any case, or upper-case IUPAC codes ("what" is no group)."""
_FASTA_HEADER = re.compile(r"^[ \t]*>[ \t]*(.*)$", re.M)
_ORIGIN = re.compile(r"^[ \t]*(ORIGIN|SQ\s+Sequence[^\n]*)[ \t]*$", re.M)
_BLOCK_LINE = re.compile(r"^[ \t]*\d*[ \t]*(?:[A-Za-z]{1,10}[ \t]*)+\d*[ \t]*$")
_PROTEIN_TOKEN = re.compile(rf"(?<![A-Za-z0-9])[{_AMINO}]{{{MIN_PROTEIN},}}\*?(?![A-Za-z0-9])")


@dataclass(frozen=True)
class TextSequence:
    """One sequence found in text.

    Attributes:
        sequence: upper case, no spaces or numbers; RNA keeps its U (see :attr:`dna`).
        kind: ``dna``, ``rna`` (has U and no T) or ``protein``.
        start, end: its span in the text (from the first to the last letter, labels excluded).
        label: the FASTA header, or the label written just before it on its line (``Forward``, ``B``).
        block: how it was written: ``fasta``, ``origin`` (GenBank/EMBL numbering), ``run``.
    """

    sequence: str
    kind: Kind
    start: int
    end: int
    label: str = ""
    block: str = "run"

    @property
    def dna(self) -> str:
        """The sequence as DNA (U read as T); a protein unchanged."""
        return self.sequence.replace("U", "T") if self.kind == "rna" else self.sequence


def _kind(seq: str) -> Kind:
    return "rna" if "U" in seq and "T" not in seq else "dna"


def _fasta(text: str) -> list[TextSequence]:
    """FASTA records: a ``>`` header line and the sequence lines up to a blank line or other text."""
    out = []
    for m in _FASTA_HEADER.finditer(text):
        pos, letters, first, last = m.end() + 1, [], None, None
        for line in text[m.end() + 1 :].split("\n") if m.end() < len(text) else []:
            bare = re.sub(r"[\s\d]", "", line)
            if (
                not bare
                or bare.startswith(">")
                or not re.fullmatch(rf"[{_BASES}{_IUPAC_EXTRA}{_AMINO.lower()}{_AMINO}*]+", bare)
            ):
                break
            first = pos if first is None else first
            letters.append(bare)
            last = pos + len(line.rstrip())
            pos += len(line) + 1
        seq = "".join(letters).upper().rstrip("*")
        if seq and first is not None:
            kind: Kind = _kind(seq) if re.fullmatch(r"[ACGTUNRYSWKMBDHV]+", seq) else "protein"
            out.append(TextSequence(seq, kind, first, last or first, m.group(1).strip(), "fasta"))
    return out


def _origin(text: str) -> list[TextSequence]:
    """GenBank ``ORIGIN`` / EMBL ``SQ`` blocks: numbered lines of base groups, up to ``//`` or other text."""
    out = []
    for m in _ORIGIN.finditer(text):
        pos, letters, first, last = m.end() + 1, [], None, None
        for line in text[m.end() + 1 :].split("\n"):
            if line.strip() in ("", "//") and letters:
                break
            if not _BLOCK_LINE.match(line) or re.search(rf"[^{_BASES}{_IUPAC_EXTRA}\s\d]", line):
                if letters:
                    break
                pos += len(line) + 1
                continue
            first = pos if first is None else first
            letters.append(re.sub(r"[\s\d]", "", line))
            last = pos + len(line.rstrip())
            pos += len(line) + 1
        seq = "".join(letters).upper()
        if len(seq) >= MIN_RUN and first is not None:
            out.append(TextSequence(seq, _kind(seq), first, last or first, "", "origin"))
    return out


def _joinable(gap: str) -> bool:
    """Only white space and position numbers stand between two groups."""
    return re.fullmatch(r"[\s\d]*", gap) is not None


def _laid_out(groups: list[str], gaps: list[str]) -> bool:
    """Whether these groups are one sequence spaced for reading (see the module docstring)."""
    if any(re.search(r"\d", g) for g in gaps):
        return True
    width = len(groups[0])
    if len({g.isupper() for g in groups}) > 1:  # "...TAA a" : a lower-case word after upper-case DNA
        return False
    if any(len(g) != width for g in groups[:-1]) or len(groups[-1]) > width:
        return False
    if width in LAYOUT_WIDTHS:
        return len(groups) >= 3 or width == 10
    return width >= WRAP_WIDTH and any("\n" in g for g in gaps)


def _runs(text: str, taken: list[tuple[int, int]]) -> list[TextSequence]:
    """Raw runs outside FASTA/ORIGIN blocks: tokens of bases, groups joined when laid out."""
    clean = _DECOR.sub(lambda m: " " * len(m.group(0)), text)
    tokens = [m for m in _TOKEN.finditer(clean) if not any(a <= m.start() < b for a, b in taken)]
    out: list[TextSequence] = []
    i = 0
    while i < len(tokens):
        j = i
        # grow a chain of groups joined by white space or numbers only
        while j + 1 < len(tokens) and _joinable(clean[tokens[j].end() : tokens[j + 1].start()]):
            j += 1
        chain = tokens[i : j + 1]
        i = j + 1
        for part in _split_chain(clean, chain):
            seq = "".join(t.group(0) for t in part).upper()
            if len(seq) < MIN_RUN or not re.search(r"[ACGTU]", seq):
                continue
            # "a cat at" is English, not DNA: a long group, or at least four groups laid out (codons)
            if not any(len(t.group(0)) >= 8 for t in part) and len(part) < 4:
                continue
            if len(re.findall(r"[RYSWKMBDHV]", seq)) > len(seq) // 4:  # mostly ambiguity codes: words
                continue
            out.append(
                TextSequence(seq, _kind(seq), part[0].start(), part[-1].end(), _label(text, part[0].start()))
            )
    return out


def _split_chain(text: str, chain: list[re.Match[str]]) -> list[list[re.Match[str]]]:
    """A chain of joinable groups as one sequence when laid out, else each group on its own."""
    if len(chain) == 1:
        return [chain]
    groups = [t.group(0) for t in chain]
    gaps = [text[a.end() : b.start()] for a, b in itertools.pairwise(chain)]
    if _laid_out(groups, gaps):
        return [chain]
    # lines of one wrapped sequence may follow a first shorter group ("seq: ACGT... \n ACGT...")
    return [[t] for t in chain]


_LABEL = re.compile(
    r"(?:^|[\n;,(])[ \t]*(?:\(?([A-Ha-h]|\d{1,2})[).:]|option\s+([A-H\d])\s*[:.)]?|([A-Za-z][\w .'/-]{0,30}?)\s*[:=])[ \t]*$"
)


def _label(text: str, start: int) -> str:
    """The label written just before a sequence on its line: ``A)``, ``2.``, ``Forward primer:``."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[max(line_start - 1, 0) : start] if line_start else text[:start]
    m = _LABEL.search(_DECOR.sub(" ", before).rstrip() + " ")
    if not m:
        return ""
    return next(g for g in m.groups() if g).strip()


def _proteins(text: str, taken: list[tuple[int, int]]) -> list[TextSequence]:
    """Proteins in one-letter code: one upper-case token with a letter that no base code uses."""
    out: list[TextSequence] = []
    for m in _PROTEIN_TOKEN.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        seq = m.group(0).rstrip("*")
        if not (re.search(r"[EFILPQ]", seq) and len(set(seq)) >= 6):
            continue
        last = out[-1] if out else None
        gap = text[last.end : m.start()] if last else ""
        if last and "\n" in gap and not gap.strip() and len(last.sequence) >= WRAP_WIDTH:  # a wrapped line
            out[-1] = TextSequence(last.sequence + seq, "protein", last.start, m.end(), last.label)
            continue
        out.append(TextSequence(seq, "protein", m.start(), m.end(), _label(text, m.start())))
    return out


def sequences_in_text(text: str) -> list[TextSequence]:
    """Every sequence written in ``text``, in the order written (see the module docstring)."""
    found = _fasta(text) + _origin(text)
    taken = [(s.start, s.end) for s in found]
    # a FASTA header's own letters are no sequence either
    taken += [(m.start(), m.end()) for m in _FASTA_HEADER.finditer(text)]
    taken += [(m.start(), m.end()) for m in _ORIGIN.finditer(text)]
    found += _runs(text, taken)
    taken = [(s.start, s.end) for s in found]
    found += _proteins(text, taken)
    return sorted(found, key=lambda s: s.start)


def without_sequences(text: str, found: list[TextSequence] | None = None, mark: str = " ") -> str:
    """``text`` with every sequence in it replaced by ``mark`` (what the words say, for the planner)."""
    found = sequences_in_text(text) if found is None else found
    out, pos = [], 0
    for s in sorted(found, key=lambda s: s.start):
        out.append(text[pos : s.start])
        out.append(mark)
        pos = max(pos, s.end)
    out.append(text[pos:])
    return "".join(out)


__all__ = ["TextSequence", "sequences_in_text", "without_sequences"]
