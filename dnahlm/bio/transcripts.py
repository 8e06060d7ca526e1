"""Transcription, translation of one reading frame, codon usage and IUPAC pattern search.

Positions are 1-based and inclusive on the given (forward) strand, also for matches on the minus strand.
Reading frames follow :func:`dnahlm.agents.sequence_tools.translate_frames`: frames +1, +2, +3 start at
the 1st, 2nd and 3rd base of the given strand; frames -1, -2, -3 start at the 1st, 2nd and 3rd base of
the reverse complement, so frame -1 starts at the last base of the given sequence and reads towards its
start. A trailing partial codon is left out and reported. Genetic codes are NCBI table ids (1 standard,
11 bacterial, ...), as in Biopython's :mod:`Bio.Data.CodonTable`.

Example:
    >>> transcribe("ATGGCC").mrna
    'AUGGCC'
    >>> translate_frame("ATGGCCTAAG", frame=-1).protein
    'LRP'
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field

from dnahlm.errors import UserInputError
from dnahlm.sequences import normalize, reverse_complement

FRAMES = (1, 2, 3, -1, -2, -3)
SHOWN = 60  # bases or residues shown in a summary before "..."


# ---------------------------------------------------------------- shared helpers


def read_dna(sequence: str, name: str = "sequence") -> str:
    """Normalised ``ACGTN`` DNA; one leading FASTA header line is allowed; empty is an error.

    Example:
        >>> read_dna(">x demo\\nacg t")
        'ACGT'
    """
    if not isinstance(sequence, str):
        raise UserInputError(f"{name} must be a DNA string, got {type(sequence).__name__}")
    text = sequence.lstrip()
    if text.startswith(">"):
        header, _, text = text.partition("\n")
        if ">" in text:
            raise UserInputError(f"{name}: give one sequence, found more than one FASTA record")
        name = header[1:].split()[0] if header[1:].split() else name
    seq = normalize(text, record_id=name)
    if not seq:
        raise UserInputError(f"{name} is empty: give a DNA sequence of A, C, G, T (N allowed)")
    return seq


@lru_cache(maxsize=32)
def codon_table(table: int):  # -> Bio.Data.CodonTable.CodonTable
    """Biopython's unambiguous DNA codon table for an NCBI id; clear error for an unknown id."""
    from Bio.Data import CodonTable

    try:
        return CodonTable.unambiguous_dna_by_id[int(table)]
    except (KeyError, ValueError, TypeError):
        raise UserInputError(
            f"unknown genetic code table {table!r}; use an NCBI table id such as 1 (standard) or 11 (bacterial)"
        ) from None


def check_frame(frame: int) -> int:
    if frame not in FRAMES:
        raise UserInputError(f"frame must be one of 1, 2, 3, -1, -2, -3, got {frame!r}")
    return int(frame)


def frame_strand(seq: str, frame: int) -> str:
    """The bases of ``frame`` read 5'->3' on its strand, from the frame's first base (partial codon kept)."""
    strand = seq if frame > 0 else reverse_complement(seq)
    return strand[abs(frame) - 1 :]


def codon_span(n: int, frame: int, first: int, last: int) -> tuple[int, int]:
    """1-based inclusive forward-strand span of codons ``first``..``last`` (0-based) of ``frame``."""
    lo, hi = abs(frame) - 1 + 3 * first, abs(frame) - 1 + 3 * last + 3  # 0-based, end-exclusive on strand
    return (lo + 1, hi) if frame > 0 else (n - hi + 1, n - lo)


def shorten(text: str, limit: int = SHOWN) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


# ---------------------------------------------------------------- transcription


class Transcript(BaseModel):
    """The mRNA (5'->3', U for T) made from a DNA strand."""

    mrna: str = Field(description="5'->3', A C G U (N kept)")
    length: int = Field(description="nucleotides")
    given_strand: Literal["coding", "template"] = Field(
        description="coding: the mRNA equals the given strand with U; template: its reverse complement"
    )
    reverse_complemented: bool

    def summary(self) -> str:
        how = (
            "the given coding strand with U for T"
            if self.given_strand == "coding"
            else "the reverse complement of the given template strand, with U for T"
        )
        return f"The mRNA (5'->3') is {shorten(self.mrna)} ({self.length:,} nt), read as {how}."


def transcribe(dna: str, *, strand: Literal["coding", "template"] = "coding") -> Transcript:
    """Transcribe DNA to mRNA with Biopython.

    The coding (sense) strand has the mRNA's sequence, so its mRNA is the same text with U for T. The
    template (antisense) strand is the one RNA polymerase reads; it is given 5'->3', so the mRNA is its
    reverse complement with U for T.

    Args:
        dna: DNA, 5'->3' (A, C, G, T, N; one FASTA header allowed).
        strand: which strand ``dna`` is, ``"coding"`` or ``"template"``.

    Example:
        >>> transcribe("ATGCTT", strand="template").mrna
        'AAGCAU'
    """
    from Bio.Seq import transcribe as bio_transcribe

    if strand not in ("coding", "template"):
        raise UserInputError(f"strand must be 'coding' or 'template', got {strand!r}")
    seq = read_dna(dna, "dna")
    coding = seq if strand == "coding" else reverse_complement(seq)
    mrna = bio_transcribe(coding)
    return Transcript(
        mrna=mrna, length=len(mrna), given_strand=strand, reverse_complemented=strand == "template"
    )


# ---------------------------------------------------------------- translation of one frame


class FrameProtein(BaseModel):
    """The protein of one reading frame of a DNA sequence."""

    frame: int = Field(description="+1..+3 on the given strand, -1..-3 on its reverse complement")
    table: int = Field(description="NCBI genetic code id")
    protein: str = Field(description="one letter per codon; '*' stop, 'X' a codon with N")
    length_aa: int = Field(description="letters in protein, stops included")
    stop_codons: int = Field(description="'*' in protein")
    to_stop: bool = Field(description="translation ended at the first stop codon (not included)")
    start: int | None = Field(description="1-based first base translated, on the given strand")
    end: int | None = Field(description="1-based last base translated, on the given strand")
    trailing_bases: int = Field(
        description="bases of a partial codon at the 3' end of the frame, not translated"
    )

    def summary(self) -> str:
        span = f"nt {self.start:,}-{self.end:,}" if self.start is not None else "no complete codon"
        stops = (
            "up to the first stop codon"
            if self.to_stop
            else f"with {self.stop_codons} stop codon{'s' if self.stop_codons != 1 else ''} as '*'"
        )
        return (
            f"Frame {self.frame:+d} translates to {self.length_aa:,} aa ({span}, table {self.table}, {stops}): "
            f"{shorten(self.protein) or '(empty)'}."
        )


def translate_frame(dna: str, frame: int = 1, table: int = 1, to_stop: bool = False) -> FrameProtein:
    """Translate one reading frame from its first base with Biopython (not from the first ATG).

    Frame +k starts at base k of the given strand; frame -k at base k of the reverse complement, i.e.
    frame -1 starts at the last base of ``dna`` and reads towards the first. ``start``/``end`` are the
    translated bases on the given strand (for minus frames ``start`` < ``end`` still; the frame reads
    from ``end`` down to ``start``). The first codon is translated as an ordinary codon (ATG -> M, GTG ->
    V), as :func:`Bio.Seq.translate` does.

    Args:
        dna: DNA (A, C, G, T, N).
        frame: 1, 2, 3, -1, -2 or -3.
        table: NCBI genetic code id.
        to_stop: stop at the first stop codon (it is not included).

    Example:
        >>> translate_frame("ATGGCCTAAGGG").protein, translate_frame("ATGGCCTAAGGG", to_stop=True).protein
        ('MA*G', 'MA')
    """
    from Bio.Seq import translate

    seq = read_dna(dna, "dna")
    frame = check_frame(frame)
    codon_table(table)
    bases = frame_strand(seq, frame)
    m = len(bases) // 3
    protein = translate(bases[: 3 * m], table=table) if m else ""
    if to_stop and "*" in protein:
        protein = protein[: protein.index("*")]
    used = len(protein) if to_stop else m
    start, end = codon_span(len(seq), frame, 0, used - 1) if used else (None, None)
    return FrameProtein(
        frame=frame, table=table, protein=protein, length_aa=len(protein), stop_codons=protein.count("*"),
        to_stop=to_stop, start=start, end=end, trailing_bases=len(bases) - 3 * m,
    )  # fmt: skip


# ---------------------------------------------------------------- codon usage


class CodonCount(BaseModel):
    """Use of one codon."""

    amino_acid: str = Field(description="one-letter code; '*' stop")
    count: int
    per_thousand: float = Field(description="count per 1,000 counted codons")
    fraction: float = Field(description="share among the codons of the same amino acid (0 when unused)")


class CodonUsage(BaseModel):
    """Codon and amino-acid usage of a coding sequence read in frame +1."""

    table: int
    length_nt: int
    codons_counted: int = Field(description="complete codons without N")
    ambiguous_codons: int = Field(description="codons holding N, not counted")
    multiple_of_3: bool
    trailing_bases: int = Field(description="bases after the last complete codon, not counted")
    codons: dict[str, CodonCount] = Field(description="all 64 codons, also unused ones")
    amino_acids: dict[str, int] = Field(description="one-letter code ('*' stop) -> codons counted")
    amino_acids_per_thousand: dict[str, float]
    codons_used: int = Field(description="distinct codons seen")
    internal_stops: int = Field(description="stop codons before the last codon")
    warnings: list[str]

    def summary(self) -> str:
        top = sorted(self.codons.items(), key=lambda kv: (-kv[1].count, kv[0]))[:3]
        tops = ", ".join(f"{c} ({v.amino_acid}, {v.per_thousand:.1f}/1000)" for c, v in top if v.count)
        text = (
            f"The {self.codons_counted:,} codons of the {self.length_nt:,}-nt sequence use {self.codons_used} of "
            f"64 codons; the most frequent are {tops or 'none'}"
        )
        return text + (f" (warning: {'; '.join(self.warnings)})." if self.warnings else ".")


def codon_usage(cds: str, table: int = 1) -> CodonUsage:
    """Count codons of ``cds`` read in frame +1 from its first base, with per-thousand frequencies.

    Every complete codon is counted, stops included (Kazusa-style per-thousand over all counted codons);
    ``fraction`` is the codon's share among the synonymous codons of its amino acid. A length that is not
    a multiple of 3, internal stop codons and codons with N are flagged in ``warnings``.

    Args:
        cds: coding DNA starting at its first codon.
        table: NCBI genetic code id (which codons are stops and what they encode).

    Example:
        >>> u = codon_usage("ATGGCTGCCTAA")
        >>> u.codons["GCT"].count, u.amino_acids["A"], u.codons["GCT"].fraction
        (1, 2, 0.5)
    """
    seq = read_dna(cds, "cds")
    t = codon_table(table)
    aa_of = {c: "*" for c in t.stop_codons} | dict(t.forward_table)
    m = len(seq) // 3
    counts = dict.fromkeys(sorted(aa_of), 0)
    ambiguous = internal = 0
    for i in range(m):
        codon = seq[3 * i : 3 * i + 3]
        if "N" in codon:
            ambiguous += 1
            continue
        counts[codon] += 1
        if aa_of[codon] == "*" and i < m - 1:
            internal += 1
    total = sum(counts.values())
    per_aa: dict[str, int] = {}
    for codon, k in counts.items():
        per_aa[aa_of[codon]] = per_aa.get(aa_of[codon], 0) + k
    codons = {
        c: CodonCount(
            amino_acid=aa_of[c], count=k, per_thousand=round(1000 * k / total, 2) if total else 0.0,
            fraction=round(k / per_aa[aa_of[c]], 4) if per_aa[aa_of[c]] else 0.0,
        )
        for c, k in counts.items()
    }  # fmt: skip
    warnings = []
    if len(seq) % 3:
        warnings.append(
            f"length {len(seq):,} nt is not a multiple of 3; the last {len(seq) % 3} nt were not counted"
        )
    if internal:
        warnings.append(
            f"{internal} internal stop codon{'s' if internal > 1 else ''} (is this frame +1 of a CDS?)"
        )
    if ambiguous:
        warnings.append(f"{ambiguous} codon{'s' if ambiguous > 1 else ''} with N not counted")
    return CodonUsage(
        table=table, length_nt=len(seq), codons_counted=total, ambiguous_codons=ambiguous,
        multiple_of_3=len(seq) % 3 == 0, trailing_bases=len(seq) % 3, codons=codons,
        amino_acids=dict(sorted(per_aa.items())),
        amino_acids_per_thousand={a: round(1000 * k / total, 2) if total else 0.0 for a, k in sorted(per_aa.items())},
        codons_used=sum(1 for k in counts.values() if k), internal_stops=internal, warnings=warnings,
    )  # fmt: skip


# ---------------------------------------------------------------- IUPAC pattern search


class PatternMatch(BaseModel):
    """One occurrence of a pattern."""

    start: int = Field(description="1-based first base on the given strand")
    end: int = Field(description="1-based last base on the given strand (inclusive)")
    strand: int = Field(description="+1 or -1; +1 for a site that matches on both strands")
    both_strands: bool = Field(description="the site matches the pattern on both strands (listed once)")
    sequence: str = Field(description="the matched bases read 5'->3' on the matching strand")


class PatternMatches(BaseModel):
    """All occurrences of an IUPAC pattern in a sequence."""

    pattern: str
    regex: str = Field(description="the regular expression searched on the given strand")
    sequence_length: int
    palindromic: bool = Field(description="the pattern equals its reverse complement")
    searched_strands: int = Field(description="1 (given strand) or 2 (both)")
    count: int = Field(description="all matches, also those left out by max_matches")
    plus: int = Field(description="matches on the given strand")
    minus: int = Field(description="matches on the reverse complement")
    matches: list[PatternMatch]
    truncated: bool

    def summary(self) -> str:
        where = "both strands" if self.searched_strands == 2 else "the given strand"
        if not self.count:
            return f"{self.pattern} does not occur on {where} of the {self.sequence_length:,}-bp sequence."
        first = ", ".join(f"{m.start:,}-{m.end:,} ({'+' if m.strand > 0 else '-'})" for m in self.matches[:5])
        more = " ..." if self.count > 5 else ""
        times = "1 time (once)" if self.count == 1 else f"{self.count:,} times"
        return (
            f"{self.pattern} occurs {times} on {where} of the {self.sequence_length:,}-bp sequence "
            f"({self.plus:,} on +, {self.minus:,} on -), at {first}{more}."
        )


def iupac_regex(pattern: str) -> str:
    """Regular expression for an IUPAC DNA pattern (``N`` in the pattern also matches ``N`` in the DNA).

    Example:
        >>> iupac_regex("GRN")
        'G[AG][ACGTN]'
    """
    from Bio.Data.IUPACData import ambiguous_dna_values

    parts = []
    for letter in pattern:
        bases = "".join(sorted(ambiguous_dna_values[letter]))
        parts.append(letter if len(bases) == 1 else f"[{bases}{'N' if letter == 'N' else ''}]")
    return "".join(parts)


def find_pattern(
    sequence: str, pattern: str, *, both_strands: bool = True, max_matches: int | None = 1000
) -> PatternMatches:
    """Find every occurrence of an IUPAC pattern (A C G T N R Y S W K M B D H V) on one or both strands.

    Overlapping matches are all reported (``AA`` occurs twice in ``AAA``). Minus-strand matches are found
    by searching the pattern's reverse complement on the given strand, so their ``start``/``end`` are
    positions on the given strand. A site whose bases match on both strands, which is every site of a
    palindromic pattern such as ``GAATTC`` or ``GANTC``, is listed once with ``strand=+1`` and
    ``both_strands=True``; it counts once in ``count`` and in both ``plus`` and ``minus``. Matches are
    sorted by start, then strand (+ first). ``N`` in the sequence only matches ``N`` in the pattern.

    Args:
        sequence: DNA to search (A, C, G, T, N).
        pattern: IUPAC DNA pattern, any case (``U`` is read as ``T``).
        both_strands: also search the reverse complement.
        max_matches: list at most this many matches (``count`` still counts all); None for no limit.

    Example:
        >>> r = find_pattern("GAATTCAGGT", "RGG")
        >>> [(m.start, m.end, m.strand, m.sequence) for m in r.matches]
        [(7, 9, 1, 'AGG')]
    """
    seq = read_dna(sequence, "sequence")
    pat = normalize(str(pattern).replace("U", "T").replace("u", "t"), record_id="pattern", iupac=True)
    if not pat:
        raise UserInputError("pattern is empty: give IUPAC DNA letters such as GAATTC or GANTC")
    if max_matches is not None and max_matches < 0:
        raise UserInputError(f"max_matches must be 0 or more (or None), got {max_matches}")
    rc = reverse_complement(pat)
    palindromic = rc == pat
    k = len(pat)
    fwd = {m.start() for m in re.finditer(f"(?={iupac_regex(pat)})", seq)}
    rev = {m.start() for m in re.finditer(f"(?={iupac_regex(rc)})", seq)} if both_strands else set()
    matches = []
    for s in sorted(fwd | rev):
        both = s in fwd and s in rev
        strand = 1 if s in fwd else -1
        site = seq[s : s + k]
        matches.append(
            PatternMatch(start=s + 1, end=s + k, strand=strand, both_strands=both,
                         sequence=site if strand > 0 else reverse_complement(site))
        )  # fmt: skip
    count = len(matches)
    limit = count if max_matches is None else max_matches
    return PatternMatches(
        pattern=pat, regex=iupac_regex(pat), sequence_length=len(seq), palindromic=palindromic,
        searched_strands=2 if both_strands else 1, count=count, plus=len(fwd), minus=len(rev),
        matches=matches[:limit], truncated=count > limit,
    )  # fmt: skip


__all__ = [
    "CodonUsage", "FrameProtein", "PatternMatch", "PatternMatches", "Transcript",
    "codon_usage", "find_pattern", "iupac_regex", "transcribe", "translate_frame",
]  # fmt: skip
