"""Pairwise alignment of two DNA sequences (Biopython ``PairwiseAligner``): score, identity, coverage and a
compact picture of the alignment.

Inputs are read with :func:`dnahlm.bio.transcripts.read_dna` (``ACGTN``, one FASTA header line allowed);
coordinates are 0-based and end-exclusive.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from dnahlm.bio.transcripts import read_dna
from dnahlm.errors import UserInputError

MAX_ALIGNMENT_CELLS = 50_000_000  # len(a) * len(b); 5 kb x 5 kb takes about a second
ALIGNMENT_COLUMNS = 120  # columns shown in AlignmentSummary.alignment


class AlignmentSummary(BaseModel):
    """Best pairwise alignment of ``a`` and ``b``: score, identity and a compact picture."""

    mode: Literal["local", "global"]
    score: float
    identity: float = Field(description="identical columns / alignment columns (gap columns included)")
    identities: int
    mismatches: int
    gaps: int = Field(description="gap columns")
    aligned_length: int = Field(description="alignment columns")
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    coverage: float = Field(
        description="bases of the shorter sequence in match/mismatch columns / its length"
    )
    alignment: str = Field(
        description="a, match line ('|' same, '.' different, ' ' gap), b; then a line saying what was cut"
    )
    truncated: bool = Field(description="True when alignment shows only the first columns")


def align_identity(a: str, b: str, mode: Literal["local", "global", "auto"] = "local") -> AlignmentSummary:
    """Align two DNA sequences (Biopython ``PairwiseAligner``) and report score, identity and coverage.

    Scoring: match +2, mismatch -3, gap of length k: -5 - 2 (k - 1); N scores 0 against anything. ``local``
    (Smith-Waterman) finds the best-matching region; ``global`` (Needleman-Wunsch) aligns end to end, end
    gaps included. One optimal alignment is reported. Identity = identical columns / alignment columns
    (gaps count as columns); coverage = bases of the shorter sequence in match or mismatch columns / its
    length. ``a_start``..``b_end`` are the aligned span on each sequence (0-based, end-exclusive). About a
    second for two 5 kb sequences; longer pairs (len(a) x len(b) > 50 million) are refused.

    Args:
        a: first DNA sequence.
        b: second DNA sequence.
        mode: "local", "global", or "auto": global when the two lengths are within 10% of each other
            (two versions of one sequence), else local (a piece within a longer sequence).

    Example:
        >>> s = align_identity("TTTTACGTACGTAAAA", "GGACGTACGTGG")
        >>> s.identity, s.aligned_length, (s.a_start, s.a_end), (s.b_start, s.b_end)
        (1.0, 8, (4, 12), (2, 10))
    """
    from Bio.Align import PairwiseAligner

    if mode not in ("local", "global", "auto"):
        raise UserInputError(f"mode must be 'local', 'global' or 'auto', got {mode!r}")
    sa, sb = read_dna(a, "sequence a"), read_dna(b, "sequence b")
    if mode == "auto":
        mode = "global" if min(len(sa), len(sb)) >= 0.9 * max(len(sa), len(sb), 1) else "local"
    if len(sa) * len(sb) > MAX_ALIGNMENT_CELLS:
        raise UserInputError(
            f"sequences too long to align here ({len(sa)} x {len(sb)} bp); "
            f"keep len(a) x len(b) under {MAX_ALIGNMENT_CELLS:,} (e.g. 5 kb x 5 kb) or align a region"
        )
    aligner = PairwiseAligner(
        mode=mode, match_score=2, mismatch_score=-3, open_gap_score=-5, extend_gap_score=-2
    )
    aligner.wildcard = "N"
    score = aligner.score(sa, sb)
    if mode == "local" and score <= 0:  # nothing in common: no local alignment
        return AlignmentSummary(
            mode=mode, score=0.0, identity=0.0, identities=0, mismatches=0, gaps=0, aligned_length=0,
            a_start=0, a_end=0, b_start=0, b_end=0, coverage=0.0, alignment="", truncated=False,
        )  # fmt: skip
    aln = next(iter(aligner.align(sa, sb)))
    counts = aln.counts()
    columns = aln.shape[1]
    ra, rb = aln[0], aln[1]
    marks = "".join(
        "|" if x == y and x != "-" else (" " if "-" in (x, y) else ".") for x, y in zip(ra, rb, strict=True)
    )
    show = min(columns, ALIGNMENT_COLUMNS)
    more = f"\n... {columns - show} more columns" if columns > show else ""
    coords = aln.coordinates
    return AlignmentSummary(
        mode=mode,
        score=float(aln.score),
        identity=counts.identities / columns if columns else 0.0,
        identities=counts.identities,
        mismatches=counts.mismatches,
        gaps=columns - counts.identities - counts.mismatches,
        aligned_length=columns,
        a_start=int(coords[0, 0]),
        a_end=int(coords[0, -1]),
        b_start=int(coords[1, 0]),
        b_end=int(coords[1, -1]),
        coverage=(counts.identities + counts.mismatches) / min(len(sa), len(sb)),
        alignment="\n".join((ra[:show], marks[:show], rb[:show])) + more,
        truncated=columns > show,
    )
