"""Six-frame translation and open reading frames, with NCBI genetic codes (Biopython's ``CodonTable``).

Frames +1, +2, +3 start 0, 1, 2 bases from the 5' end of the given strand; -1, -2, -3 do the same on the
reverse complement. Coordinates are 0-based and end-exclusive on the forward (given) strand, also for
ORFs on the minus strand. Inputs are read with :func:`dnahlm.bio.transcripts.read_dna` (``ACGTN``, one
FASTA header line allowed); :func:`find_orfs` works on :mod:`dnahlm.bio.encoding` codes with numpy, so
the ORFs of a 5 Mb sequence take seconds.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pydantic import BaseModel, Field

from dnahlm.bio.composition import check_limit
from dnahlm.bio.encoding import BASES, COMPLEMENT, encode
from dnahlm.bio.transcripts import codon_table, read_dna
from dnahlm.errors import UserInputError
from dnahlm.sequences import reverse_complement


class FrameTranslation(BaseModel):
    """The protein of one reading frame; ``[start, end)`` is the translated span on the forward strand."""

    frame: int = Field(
        description="+1, +2, +3: offset 0, 1, 2 from the 5' end; -1, -2, -3: same on the reverse complement"
    )
    strand: int
    start: int
    end: int
    protein: str = Field(description="one letter per codon; '*' stop, 'X' a codon with N")
    truncated: bool = False


class ORF(BaseModel):
    """An open reading frame: start codon to stop codon (included) in one frame."""

    start: int = Field(description="0-based start on the forward strand")
    end: int = Field(description="0-based end (exclusive) on the forward strand; includes the stop codon")
    strand: int = Field(description="+1 or -1")
    frame: int = Field(description="as in translate_frames: +1..+3 or -1..-3")
    length_nt: int
    length_aa: int = Field(description="protein length without the stop")
    protein: str = Field(description="starts with M (the initiator), no trailing '*'")
    complete: bool = Field(description="False when the sequence ends before a stop codon")


# ---------------------------------------------------------------- codon tables


@lru_cache(maxsize=16)
def _codon_arrays(table: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For codon codes 0..64 (64: holds N): amino-acid bytes, stop mask, ATG mask, table's start mask."""
    t = codon_table(table)  # Biopython's table; a clear error for an unknown id
    aa = np.full(65, ord("X"), dtype=np.uint8)
    stop, atg, start = (np.zeros(65, dtype=bool) for _ in range(3))
    for i in range(64):
        codon = BASES[i >> 4] + BASES[(i >> 2) & 3] + BASES[i & 3]
        if codon in t.stop_codons:
            aa[i], stop[i] = ord("*"), True
        else:
            aa[i] = ord(t.forward_table[codon])
        start[i] = codon in t.start_codons
        atg[i] = codon == "ATG"
    return aa, stop, atg, start


def _frame_codons(codes: np.ndarray, offset: int) -> np.ndarray:
    """Codon codes (0..63, 64 when a base is N) of the frame starting at ``offset``."""
    m = (len(codes) - offset) // 3
    c = codes[offset : offset + 3 * m].reshape(m, 3).astype(np.int16)
    cod = c[:, 0] * 16 + c[:, 1] * 4 + c[:, 2]
    cod[(c == 4).any(axis=1)] = 64
    return cod


# ---------------------------------------------------------------- translation and ORFs


def translate_frames(sequence: str, table: int = 1, max_aa: int | None = None) -> list[FrameTranslation]:
    """Translate all six reading frames with Biopython (stop codons as '*', codons with N as 'X').

    Frames +1, +2, +3 start 0, 1, 2 bases from the 5' end of the given strand; -1, -2, -3 do the same on
    the reverse complement (frame -1 starts at the last base of the given sequence). A trailing partial
    codon is left out, so no warning is raised. ``start``/``end`` give the translated span on the forward
    strand (0-based, end-exclusive).

    Args:
        sequence: DNA (A, C, G, T, N).
        table: NCBI genetic code id (1 standard, 11 bacterial, ...).
        max_aa: translate at most this many codons per frame (``truncated`` says when it applied).

    Example:
        >>> [f.protein for f in translate_frames("ATGGCCTAAG")]
        ['MA*', 'WPK', 'GL', 'LRP', 'LGH', '*A']
    """
    from Bio.Seq import translate

    seq = read_dna(sequence)
    _codon_arrays(table)  # validates the table id
    check_limit("max_aa", max_aa)
    n = len(seq)
    out = []
    for strand, s in ((1, seq), (-1, reverse_complement(seq))):
        for offset in range(3):
            m = max((n - offset) // 3, 0)
            used = m if max_aa is None else min(m, max_aa)
            protein = translate(s[offset : offset + 3 * used], table=table) if used else ""
            lo, hi = offset, offset + 3 * used
            if strand == -1:
                lo, hi = n - hi, n - lo
            out.append(
                FrameTranslation(frame=strand * (offset + 1), strand=strand, start=max(lo, 0),
                                 end=max(hi, 0), protein=protein, truncated=used < m)
            )  # fmt: skip
    return out


def find_orfs(
    sequence: str,
    min_protein_length: int = 30,
    table: int = 1,
    both_strands: bool = True,
    alternative_starts: bool = False,
    include_partial: bool = False,
    max_orfs: int | None = None,
) -> list[ORF]:
    """Open reading frames, longest first.

    An ORF runs from a start codon to the first in-frame stop codon; for each stop only the longest ORF
    (the first start after the previous stop) is reported. Starts are ATG, or with ``alternative_starts``
    every start codon of the table (e.g. GTG, TTG in table 11); the protein always begins with M, as a
    GenBank /translation does, and excludes the stop. Coordinates are on the forward strand, 0-based and
    end-exclusive, and include the stop codon; for strand -1 the ORF reads from ``end`` down to ``start``.
    Sorted by protein length (descending), then start.

    Args:
        sequence: DNA (A, C, G, T, N; codons with N translate to X and are neither start nor stop).
        min_protein_length: minimum protein length in amino acids (stop not counted).
        table: NCBI genetic code id.
        both_strands: also search the reverse complement.
        alternative_starts: accept the table's alternative start codons besides ATG.
        include_partial: also report ORFs that reach the end of the sequence without a stop codon.
        max_orfs: return at most this many (the longest).

    Example:
        >>> orf = find_orfs("CC" + "ATG" + "GCT" * 40 + "TAA" + "GG")[0]
        >>> orf.start, orf.end, orf.strand, orf.frame, orf.length_aa, orf.protein[:4]
        (2, 128, 1, 3, 41, 'MAAA')
    """
    seq = read_dna(sequence)
    check_limit("max_orfs", max_orfs)
    if min_protein_length < 1:
        raise UserInputError(f"min_protein_length must be at least 1, got {min_protein_length}")
    aa_table, stop_mask, atg_mask, start_mask = _codon_arrays(table)
    is_start = start_mask if alternative_starts else atg_mask
    codes = encode(seq)
    n = len(seq)
    strands = [(1, codes)] + ([(-1, COMPLEMENT[codes[::-1]])] if both_strands else [])
    frames: dict[int, np.ndarray] = {}
    found = []  # arrays per frame: first codon, end codon (stop or frame end), complete
    for strand, c in strands:
        for offset in range(3):
            if n - offset < 3:
                continue
            cod = _frame_codons(c, offset)
            frame = strand * (offset + 1)
            frames[frame] = cod
            stops = np.flatnonzero(stop_mask[cod])
            starts = np.flatnonzero(is_start[cod])
            nxt = np.searchsorted(stops, starts)  # the stop closing each start's ORF
            first = np.ones(len(starts), dtype=bool)  # keep the longest ORF per stop
            first[1:] = nxt[1:] != nxt[:-1]
            s, k = starts[first], nxt[first]
            e = np.concatenate((stops, [len(cod)]))[k]
            complete = k < len(stops)
            keep = (e - s >= min_protein_length) & (complete | include_partial)
            found.append((np.full(int(keep.sum()), frame), s[keep], e[keep], complete[keep]))
    fr, s, e, ok = (np.concatenate([f[i] for f in found]) for i in range(4)) if found else ([],) * 4
    fr, s, e, ok = (np.asarray(x, dtype=np.int64) for x in (fr, s, e, ok))
    offset = np.abs(fr) - 1
    lo, hi = offset + 3 * s, offset + 3 * e + 3 * ok
    lo, hi = np.where(fr < 0, n - hi, lo), np.where(fr < 0, n - lo, hi)
    order = np.lexsort((-fr, lo, -(e - s)))  # longest protein first, then by start, + strand first
    if max_orfs is not None:
        order = order[:max_orfs]
    out = []
    for i in order:
        protein = "M" + aa_table[frames[int(fr[i])][s[i] + 1 : e[i]]].tobytes().decode("ascii")
        out.append(
            ORF(start=int(lo[i]), end=int(hi[i]), strand=1 if fr[i] > 0 else -1, frame=int(fr[i]),
                length_nt=int(hi[i] - lo[i]), length_aa=int(e[i] - s[i]), protein=protein,
                complete=bool(ok[i]))
        )  # fmt: skip
    return out


class OrfCount(BaseModel):
    """How many ORFs reach a length, under a stated convention."""

    count: int
    min_aa: int
    both_strands: bool
    table: int
    orfs: list[ORF] = Field(description="the ORFs counted, longest first")

    @property
    def convention(self) -> str:
        strands = "both strands" if self.both_strands else "the given strand only"
        return (
            f"ORFs read ATG to stop, at least {self.min_aa} aa, on {strands}, nested ATGs not counted again"
        )

    def summary(self) -> str:
        listed = "; ".join(
            f"{o.start + 1}..{o.end} ({'+' if o.strand > 0 else '-'}, {o.length_aa} aa)"
            for o in self.orfs[:8]
        )
        more = f" and {self.count - 8} more" if self.count > 8 else ""
        where = f": {listed}{more}" if self.orfs else ""
        return f"{self.count} ORF(s) encode at least {self.min_aa} aa ({self.convention}){where}."


def count_orfs(sequence: str, min_aa: int = 30, both_strands: bool = True, table: int = 1) -> OrfCount:
    """The ORFs (ATG to a stop, the longest per stop) encoding at least ``min_aa`` amino acids, counted.

    Example:
        >>> count_orfs("ATG" + "GCT" * 12 + "TAA", min_aa=12).count
        1
    """
    found = find_orfs(sequence, min_protein_length=min_aa, table=table, both_strands=both_strands)
    return OrfCount(count=len(found), min_aa=min_aa, both_strands=both_strands, table=table, orfs=found)
