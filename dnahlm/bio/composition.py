"""Composition of a DNA sequence: base counts, GC, CpG observed/expected, CpG islands, low-complexity
regions, and the reverse complement as a result.

Every function is pure (no files, no network), reads its input with :func:`dnahlm.bio.transcripts.read_dna`
(upper-case ``ACGTN``; one FASTA header line allowed; a bad letter raises
:class:`~dnahlm.errors.InvalidSequenceError` naming its 1-based position, an empty sequence
:class:`~dnahlm.errors.UserInputError`) and returns a JSON-serialisable pydantic model. Coordinates are
0-based and end-exclusive. Long inputs are handled with numpy over :mod:`dnahlm.bio.encoding` codes: the
statistics of a 5 Mb sequence take about a second.

Methods: CpG observed/expected and CpG islands after Gardiner-Garden & Frommer (1987) J Mol Biol 196:261;
the low-complexity score is the triplet score of DUST as defined in Morgulis et al. (2006) J Comput Biol
13:1028 (symmetric DUST), computed over fixed windows.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from dnahlm.bio.encoding import encode
from dnahlm.bio.transcripts import read_dna
from dnahlm.errors import UserInputError
from dnahlm.sequences import reverse_complement

HOMOPOLYMER_MIN = 10  # a run of one base at least this long is low-complexity
DUST_WINDOW, DUST_STEP, DUST_THRESHOLD = 64, 32, 2.0  # sdust/dustmasker level 20 compares 10 * score with 20
ISLAND_WINDOW, ISLAND_GC, ISLAND_OBS_EXP = 200, 0.5, 0.6  # Gardiner-Garden & Frommer (1987)


# ---------------------------------------------------------------- result types


class Region(BaseModel):
    """A low-complexity stretch ``[start, end)``."""

    start: int = Field(description="0-based start")
    end: int = Field(description="0-based end, exclusive")
    kind: Literal["homopolymer", "dust"]
    unit: str | None = Field(default=None, description="the repeated base of a homopolymer")
    score: float | None = Field(default=None, description="highest DUST window score in the region")


class CpGIsland(BaseModel):
    """A CpG island ``[start, end)`` with its GC fraction and CpG observed/expected ratio."""

    start: int
    end: int
    gc_fraction: float
    obs_exp: float


class SequenceStats(BaseModel):
    """Composition, CpG figures, CpG islands and low-complexity regions of one sequence."""

    length: int
    gc_fraction: float = Field(description="(G + C) / (A + C + G + T); N excluded")
    n_count: int
    n_fraction: float
    composition: dict[str, int] = Field(description="counts of A, C, G, T and N")
    cpg_count: int = Field(description="number of CG dinucleotides on the given strand")
    cpg_obs_exp: float | None = Field(
        description="CpG count * length / (C count * G count); None if C or G is 0"
    )
    cpg_islands: list[CpGIsland]
    cpg_island_count: int = Field(description="all islands, also those left out of the list by max_regions")
    low_complexity: list[Region]
    low_complexity_count: int = Field(description="all regions, also those left out by max_regions")
    low_complexity_bp: int = Field(description="bases covered by any low-complexity region")
    truncated: bool = Field(description="True when a list was cut to max_regions")


class ReverseComplement(BaseModel):
    """The reverse complement of a sequence."""

    length: int
    sequence: str


# ---------------------------------------------------------------- helpers


def check_limit(name: str, value: int | None) -> None:
    """A "at most this many" argument: None or a whole number >= 0, else :class:`UserInputError`."""
    if value is not None and value < 0:
        raise UserInputError(f"{name} must be 0 or more (or None for no limit), got {value}")


def _merge(starts: np.ndarray, width: int) -> list[tuple[int, int, int, int]]:
    """Merge windows ``[s, s + width)`` (sorted starts) that overlap or touch: (start, end, first, last)."""
    if len(starts) == 0:
        return []
    breaks = np.flatnonzero(np.diff(starts) > width) + 1
    firsts = np.concatenate(([0], breaks))
    lasts = np.concatenate((breaks - 1, [len(starts) - 1]))
    return [
        (int(starts[f]), int(starts[la]) + width, int(f), int(la))
        for f, la in zip(firsts, lasts, strict=True)
    ]


# ---------------------------------------------------------------- statistics


def _low_complexity(codes: np.ndarray) -> list[Region]:
    n = len(codes)
    regions: list[Region] = []
    # homopolymers: runs of one base (N runs are gaps, not low complexity)
    change = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    starts, ends = np.concatenate(([0], change)), np.concatenate((change, [n]))
    long = (ends - starts >= HOMOPOLYMER_MIN) & (codes[starts] != 4)
    for s, e in zip(starts[long].tolist(), ends[long].tolist(), strict=True):
        regions.append(Region(start=s, end=e, kind="homopolymer", unit="ACGT"[codes[s]]))
    # DUST: score = sum over triplets t of c_t (c_t - 1) / 2, divided by (l - 1), l = triplets in the window
    if n >= DUST_WINDOW:
        valid = codes < 4
        trip = codes[:-2].astype(np.int16) * 16 + codes[1:-1] * 4 + codes[2:]
        trip[~(valid[:-2] & valid[1:-1] & valid[2:])] = 64
        view = np.lib.stride_tricks.sliding_window_view(trip, DUST_WINDOW - 2)
        wstarts = np.arange(0, n - DUST_WINDOW + 1, DUST_STEP)
        if wstarts[-1] != n - DUST_WINDOW:
            wstarts = np.append(wstarts, n - DUST_WINDOW)
        scores = np.empty(len(wstarts))
        for lo in range(0, len(wstarts), 20_000):  # bounded memory on long sequences
            block = view[wstarts[lo : lo + 20_000]].astype(np.int64)
            rows = len(block)
            counts = np.bincount((block + 65 * np.arange(rows)[:, None]).ravel(), minlength=65 * rows)
            counts = counts.reshape(rows, 65)[:, :64]
            pairs = (counts * (counts - 1) // 2).sum(axis=1)
            triplets = counts.sum(axis=1)
            scores[lo : lo + rows] = np.where(triplets > 1, pairs / np.maximum(triplets - 1, 1), 0.0)
        hot = np.flatnonzero(scores > DUST_THRESHOLD)
        for s, e, f, la in _merge(wstarts[hot], DUST_WINDOW):
            regions.append(
                Region(start=s, end=e, kind="dust", score=round(float(scores[hot[f : la + 1]].max()), 3))
            )
    regions.sort(key=lambda r: (r.start, r.end))
    return regions


def _cpg_islands(codes: np.ndarray) -> list[CpGIsland]:
    n, w = len(codes), ISLAND_WINDOW
    if n < w:
        return []
    zero = np.zeros(1, dtype=np.int32)
    c_sum = np.concatenate((zero, np.cumsum(codes == 1, dtype=np.int32)))
    g_sum = np.concatenate((zero, np.cumsum(codes == 2, dtype=np.int32)))
    cg_sum = np.concatenate((zero, np.cumsum((codes[:-1] == 1) & (codes[1:] == 2), dtype=np.int32)))
    c = c_sum[w:] - c_sum[:-w]
    g = g_sum[w:] - g_sum[:-w]
    cg = cg_sum[w - 1 :] - cg_sum[: n - w + 1]  # dinucleotides starting in [i, i + w - 1)
    ok = (2 * (c + g) > w) & (10 * cg * w > 6 * c * g)  # GC > 0.5 and obs/exp > 0.6, in integers
    islands = []
    for s, e, _, _ in _merge(np.flatnonzero(ok), w):
        cc, gg = int(c_sum[e] - c_sum[s]), int(g_sum[e] - g_sum[s])
        pairs = int(cg_sum[e - 1] - cg_sum[s])
        oe = pairs * (e - s) / (cc * gg)
        islands.append(
            CpGIsland(start=s, end=e, gc_fraction=round((cc + gg) / (e - s), 4), obs_exp=round(oe, 4))
        )
    return islands


def cpg_obs_exp(sequence: str) -> float | None:
    """CpG observed/expected, ``CG count x length / (C count x G count)`` (Gardiner-Garden & Frommer
    1987), of an upper-case sequence; None when it has no C or no G.

    Example:
        >>> cpg_obs_exp("ACGT")
        4.0
    """
    c, g = sequence.count("C"), sequence.count("G")
    return sequence.count("CG") * len(sequence) / (c * g) if c and g else None


def sequence_stats(sequence: str, max_regions: int | None = None) -> SequenceStats:
    """Composition, CpG observed/expected, CpG islands and low-complexity regions of a DNA sequence.

    GC fraction is (G + C) / (A + C + G + T), N excluded. CpG observed/expected is
    CpG count x length / (C count x G count) (Gardiner-Garden & Frommer 1987); None when there is no C or
    no G. CpG islands: every 200-bp window with GC fraction > 0.5 and observed/expected > 0.6;
    overlapping or touching qualifying windows are merged into one island, whose own figures are reported
    (the criteria suit CpG-depleted vertebrate DNA; in bacterial or random DNA most GC-rich stretches pass).
    Low-complexity regions: homopolymer runs of at least 10 identical bases (exact ends; N runs not
    counted), and "dust" regions: 64-bp windows every 32 bp whose triplet score
    sum_t c_t(c_t - 1)/2 / (l - 1) exceeds 2.0 (sdust/dustmasker level 20: 10 x score > 20), merged
    when they overlap, so their ends are on a 32-bp grid. All coordinates are 0-based, end-exclusive.

    Args:
        sequence: DNA (A, C, G, T, N; case and whitespace ignored).
        max_regions: keep at most this many islands and low-complexity regions (first by position); the
            counts still cover all of them.

    Example:
        >>> s = sequence_stats("ACGTTAAAAAAAAAAAAGC")
        >>> s.length, round(s.gc_fraction, 3), s.cpg_count
        (19, 0.211, 1)
        >>> [(r.start, r.end, r.kind) for r in s.low_complexity]
        [(5, 17, 'homopolymer')]
    """
    seq = read_dna(sequence)
    check_limit("max_regions", max_regions)
    codes = encode(seq)
    counts = np.bincount(codes, minlength=5)
    comp = {b: int(counts[i]) for i, b in enumerate("ACGTN")}
    cpg = seq.count("CG")
    n = len(seq)
    oe = cpg_obs_exp(seq)
    islands = _cpg_islands(codes)
    regions = _low_complexity(codes)
    covered = np.zeros(n, dtype=bool)
    for r in regions:
        covered[r.start : r.end] = True
    cut = max_regions is not None and (len(islands) > max_regions or len(regions) > max_regions)
    return SequenceStats(
        length=n,
        gc_fraction=(comp["G"] + comp["C"]) / (n - comp["N"]) if n > comp["N"] else 0.0,
        n_count=comp["N"],
        n_fraction=comp["N"] / n,
        composition=comp,
        cpg_count=cpg,
        cpg_obs_exp=oe,
        cpg_islands=islands[:max_regions] if max_regions is not None else islands,
        cpg_island_count=len(islands),
        low_complexity=regions[:max_regions] if max_regions is not None else regions,
        low_complexity_count=len(regions),
        low_complexity_bp=int(covered.sum()),
        truncated=cut,
    )


def reverse_complement_tool(sequence: str) -> ReverseComplement:
    """Reverse complement of a DNA sequence (A<->T, C<->G, N stays N), read 5' to 3'.

    Example:
        >>> reverse_complement_tool("aaCGTn").sequence
        'NACGTT'
    """
    seq = read_dna(sequence)
    return ReverseComplement(length=len(seq), sequence=reverse_complement(seq))
