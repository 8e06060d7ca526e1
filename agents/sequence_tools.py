"""Sequence tools for the agent: statistics, reverse complement, six-frame translation, ORFs, restriction
sites and pairwise identity.

Every function is pure (no files, no network), validates its input with :func:`dnahlm.sequences.normalize`
(upper-case ``ACGTN``; a bad letter raises :class:`~dnahlm.errors.InvalidSequenceError` naming its 1-based
position, an empty sequence :class:`~dnahlm.errors.UserInputError`) and returns a JSON-serialisable pydantic
model, so that an answer step and a UI can render it. One FASTA header line (``>id ...``) before the
sequence is allowed and ignored. :func:`sequence_tools` wraps the functions as LangChain ``StructuredTool``
objects whose descriptions are the docstrings below.

Coordinates are 0-based and end-exclusive on the forward (given) strand everywhere, also for features on
the minus strand and for restriction cuts (Biopython's 1-based positions are converted, see
:func:`restriction_sites`). Long inputs are handled with numpy: statistics, ORFs and restriction sites of
a 5 Mb sequence take seconds.

Methods: CpG observed/expected and CpG islands after Gardiner-Garden & Frommer (1987) J Mol Biol 196:261;
the low-complexity score is the triplet score of DUST as defined in Morgulis et al. (2006) J Comput Biol
13:1028 (symmetric DUST), computed over fixed windows.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from dnahlm.errors import InvalidSequenceError, UserInputError
from dnahlm.sequences import normalize, reverse_complement

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool

HOMOPOLYMER_MIN = 10  # a run of one base at least this long is low-complexity
DUST_WINDOW, DUST_STEP, DUST_THRESHOLD = 64, 32, 2.0  # sdust/dustmasker level 20 compares 10 * score with 20
ISLAND_WINDOW, ISLAND_GC, ISLAND_OBS_EXP = 200, 0.5, 0.6  # Gardiner-Garden & Frommer (1987)
DEFAULT_ENZYMES = (
    "EcoRI", "BamHI", "HindIII", "NotI", "XhoI", "PstI", "SmaI", "KpnI",
    "SacI", "XbaI", "NcoI", "NdeI", "EcoRV", "SalI", "SpeI",
)  # fmt: skip
MAX_ALIGNMENT_CELLS = 50_000_000  # len(a) * len(b); 5 kb x 5 kb takes about a second
ALIGNMENT_COLUMNS = 120  # columns shown in AlignmentSummary.alignment

_CODE = np.full(256, 4, dtype=np.uint8)  # byte -> 0..3 for A, C, G, T; 4 for N
for _i, _b in enumerate(b"ACGT"):
    _CODE[_b] = _i
_COMPLEMENT_CODE = np.array([3, 2, 1, 0, 4], dtype=np.uint8)


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


class EnzymeSites(BaseModel):
    """Where one enzyme cuts the top strand."""

    enzyme: str
    site: str = Field(description="recognition sequence, cut shown with ^ and _ (Biopython's elucidate)")
    cuts: list[int] = Field(description="0-based cut offsets: the cut lies between seq[c - 1] and seq[c]")
    count: int
    truncated: bool = False


class RestrictionResult(BaseModel):
    """Cuts of a set of enzymes on a linear or circular sequence."""

    length: int
    linear: bool
    enzymes: list[EnzymeSites]
    cutters: list[str]
    non_cutters: list[str]


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


# ---------------------------------------------------------------- helpers


def _read(sequence: str, name: str = "sequence") -> str:
    """Normalised ACGTN sequence; one leading FASTA header allowed; empty is an error."""
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


def _check_limit(name: str, value: int | None) -> None:
    if value is not None and value < 0:
        raise UserInputError(f"{name} must be 0 or more (or None for no limit), got {value}")


def _codes(seq: str) -> np.ndarray:
    return _CODE[np.frombuffer(seq.encode("ascii"), dtype=np.uint8)]


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


@lru_cache(maxsize=16)
def _codon_table(table: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For codon codes 0..64 (64: holds N): amino-acid bytes, stop mask, ATG mask, table's start mask."""
    from Bio.Data import CodonTable

    try:
        t = CodonTable.unambiguous_dna_by_id[table]
    except KeyError:
        raise UserInputError(
            f"unknown genetic code table {table}; use an NCBI table id such as 1 (standard) or 11 (bacterial)"
        ) from None
    aa = np.full(65, ord("X"), dtype=np.uint8)
    stop, atg, start = (np.zeros(65, dtype=bool) for _ in range(3))
    for i in range(64):
        codon = "ACGT"[i >> 4] + "ACGT"[(i >> 2) & 3] + "ACGT"[i & 3]
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
    seq = _read(sequence)
    _check_limit("max_regions", max_regions)
    codes = _codes(seq)
    counts = np.bincount(codes, minlength=5)
    comp = {b: int(counts[i]) for i, b in enumerate("ACGTN")}
    cpg = seq.count("CG")
    n = len(seq)
    oe = cpg * n / (comp["C"] * comp["G"]) if comp["C"] and comp["G"] else None
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
    seq = _read(sequence)
    return ReverseComplement(length=len(seq), sequence=reverse_complement(seq))


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

    seq = _read(sequence)
    _codon_table(table)  # validates the table id
    _check_limit("max_aa", max_aa)
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
    seq = _read(sequence)
    _check_limit("max_orfs", max_orfs)
    if min_protein_length < 1:
        raise UserInputError(f"min_protein_length must be at least 1, got {min_protein_length}")
    aa_table, stop_mask, atg_mask, start_mask = _codon_table(table)
    is_start = start_mask if alternative_starts else atg_mask
    codes = _codes(seq)
    n = len(seq)
    strands = [(1, codes)] + ([(-1, _COMPLEMENT_CODE[codes[::-1]])] if both_strands else [])
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


# ---------------------------------------------------------------- restriction sites


@lru_cache(maxsize=1)
def _enzymes() -> tuple[dict[str, Any], dict[str, str]]:
    from Bio.Restriction import AllEnzymes

    by_name = {str(e): e for e in AllEnzymes}
    return by_name, {name.lower(): name for name in by_name}


def restriction_sites(
    sequence: str,
    enzymes: list[str] | None = None,
    linear: bool = True,
    max_positions: int | None = None,
) -> RestrictionResult:
    """Where restriction enzymes cut, with Biopython's ``Bio.Restriction`` (REBASE data).

    Cuts are 0-based offsets on the top strand: a cut ``c`` lies between ``seq[c - 1]`` and ``seq[c]``, so
    ``seq[:c]`` is the left fragment. Biopython's ``Enzyme.search`` reports the 1-based position of the
    first base after the cut, which is ``c + 1``; for EcoRI (G^AATTC) at 0-based site start ``s`` the cut
    is ``s + 1``. Both strands are searched (a non-palindromic site on the minus strand is found too).

    Args:
        sequence: DNA (A, C, G, T, N).
        enzymes: enzyme names as in REBASE (case-insensitive, e.g. "EcoRI"); default: EcoRI, BamHI, HindIII,
            NotI, XhoI, PstI, SmaI, KpnI, SacI, XbaI, NcoI, NdeI, EcoRV, SalI, SpeI.
        linear: False for a circular sequence (sites across the origin are found).
        max_positions: list at most this many cuts per enzyme (``count`` still counts all).

    Raises:
        UserInputError: an enzyme name Biopython does not know (the message names it).

    Example:
        >>> r = restriction_sites("AAAGAATTCAAA", ["EcoRI", "BamHI"])
        >>> [(e.enzyme, e.cuts) for e in r.enzymes], r.cutters
        ([('EcoRI', [4]), ('BamHI', [])], ['EcoRI'])
    """
    from Bio.Restriction import RestrictionBatch
    from Bio.Seq import Seq

    seq = _read(sequence)
    _check_limit("max_positions", max_positions)
    by_name, lower = _enzymes()
    names: list[str] = []
    for raw in DEFAULT_ENZYMES if enzymes is None else enzymes:
        name = raw.strip()
        name = name if name in by_name else lower.get(name.lower(), "")
        if not name:
            close = difflib.get_close_matches(raw.strip(), list(by_name), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else "; use REBASE names such as EcoRI"
            raise UserInputError(f"unknown restriction enzyme {raw!r}{hint}")
        if name not in names:
            names.append(name)
    if not names:
        raise UserInputError("no restriction enzymes given; pass names such as ['EcoRI', 'BamHI'] or None")
    found = RestrictionBatch([by_name[name] for name in names]).search(Seq(seq), linear=linear)
    results = []
    for name in names:
        enzyme = by_name[name]
        cuts = sorted(p - 1 for p in found[enzyme])
        shown = cuts if max_positions is None else cuts[:max_positions]
        results.append(
            EnzymeSites(enzyme=name, site=enzyme.elucidate(), cuts=shown, count=len(cuts),
                        truncated=len(shown) < len(cuts))
        )  # fmt: skip
    return RestrictionResult(
        length=len(seq),
        linear=linear,
        enzymes=results,
        cutters=[r.enzyme for r in results if r.count],
        non_cutters=[r.enzyme for r in results if not r.count],
    )


# ---------------------------------------------------------------- pairwise alignment


def align_identity(a: str, b: str, mode: Literal["local", "global"] = "local") -> AlignmentSummary:
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
        mode: "local" or "global".

    Example:
        >>> s = align_identity("TTTTACGTACGTAAAA", "GGACGTACGTGG")
        >>> s.identity, s.aligned_length, (s.a_start, s.a_end), (s.b_start, s.b_end)
        (1.0, 8, (4, 12), (2, 10))
    """
    from Bio.Align import PairwiseAligner

    if mode not in ("local", "global"):
        raise UserInputError(f"mode must be 'local' or 'global', got {mode!r}")
    sa, sb = _read(a, "sequence a"), _read(b, "sequence b")
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


# ---------------------------------------------------------------- LangChain tools

_SEQUENCE = "DNA sequence: A, C, G, T, N; case, spaces and one FASTA header line are ignored"


class SequenceArgs(BaseModel):
    """Arguments of a tool that takes one sequence."""

    sequence: str = Field(description=_SEQUENCE)


class StatsArgs(SequenceArgs):
    """Arguments of the sequence_stats tool."""

    max_regions: int = Field(default=50, ge=0, description="list at most this many islands / regions")


class TranslateArgs(SequenceArgs):
    """Arguments of the translate_frames tool."""

    table: int = Field(default=1, description="NCBI genetic code id: 1 standard, 11 bacterial")
    max_aa: int = Field(default=1000, ge=1, description="translate at most this many codons per frame")


class OrfArgs(SequenceArgs):
    """Arguments of the find_orfs tool."""

    min_protein_length: int = Field(default=30, ge=1, description="minimum protein length in amino acids")
    table: int = Field(default=1, description="NCBI genetic code id: 1 standard, 11 bacterial")
    both_strands: bool = Field(default=True, description="also search the reverse complement")
    alternative_starts: bool = Field(default=False, description="accept the table's non-ATG start codons")
    include_partial: bool = Field(default=False, description="also ORFs without a stop before the end")
    max_orfs: int = Field(default=20, ge=1, description="return at most this many, longest first")


class RestrictionArgs(SequenceArgs):
    """Arguments of the restriction_sites tool."""

    enzymes: list[str] | None = Field(
        default=None, description="enzyme names, e.g. ['EcoRI']; default a common set"
    )
    linear: bool = Field(default=True, description="False for a circular sequence (plasmid)")
    max_positions: int = Field(default=100, ge=1, description="list at most this many cuts per enzyme")


class AlignArgs(BaseModel):
    """Arguments of the align_identity tool."""

    a: str = Field(description=_SEQUENCE)
    b: str = Field(description=_SEQUENCE)
    mode: Literal["local", "global"] = Field(default="local", description="local or global alignment")


def _contract(func: Callable[..., Any]) -> str:
    """A tool's description: its function's docstring up to the argument list."""
    doc = func.__doc__ or ""
    text = doc.split("\n    Args:")[0].split("\n    Example:")[0]
    return " ".join(line.strip() for line in text.strip().splitlines() if line.strip()).replace("``", "")


def make_tool(name: str, func: Callable[..., Any], schema: type[BaseModel]) -> StructuredTool:
    """A ``StructuredTool`` around ``func`` (pydantic result -> JSON content + the result as artifact)."""
    from langchain_core.tools import StructuredTool, ToolException

    def run(**kwargs: Any) -> tuple[str, Any]:
        try:
            result = func(**kwargs)
        except InvalidSequenceError as exc:  # the model sees the message and can correct its call
            raise ToolException(
                f"invalid DNA letter {exc.letter!r} in {exc.record_id} at position {exc.position}; "
                "these tools take A, C, G, T and N only (write other ambiguity codes as N)"
            ) from exc
        except UserInputError as exc:
            raise ToolException(str(exc)) from exc
        if isinstance(result, list):
            return json.dumps([r.model_dump(mode="json") for r in result]), result
        return result.model_dump_json(), result

    return StructuredTool.from_function(
        func=run,
        name=name,
        description=_contract(func),
        args_schema=schema,
        response_format="content_and_artifact",
        handle_tool_error=True,
        handle_validation_error=True,
    )


def sequence_tools() -> list[StructuredTool]:
    """The sequence tools as LangChain ``StructuredTool`` objects, for an agent.

    Each tool validates its arguments with a pydantic schema, returns the result as JSON text (the content
    the model reads) and the pydantic result as the ``ToolMessage`` artifact (for an answer step or a UI).
    A user-input error (bad letter, unknown enzyme) or an argument the schema rejects comes back as the
    tool's text (``ToolMessage.status == "error"``), so the model can correct its call.
    Tools: sequence_stats, reverse_complement, translate_frames, find_orfs, restriction_sites, align_identity.

    Example:
        >>> tools = {t.name: t for t in sequence_tools()}
        >>> tools["reverse_complement"].invoke({"sequence": "AACG"})
        '{"length":4,"sequence":"CGTT"}'
    """
    return [
        make_tool("sequence_stats", sequence_stats, StatsArgs),
        make_tool("reverse_complement", reverse_complement_tool, SequenceArgs),
        make_tool("translate_frames", translate_frames, TranslateArgs),
        make_tool("find_orfs", find_orfs, OrfArgs),
        make_tool("restriction_sites", restriction_sites, RestrictionArgs),
        make_tool("align_identity", align_identity, AlignArgs),
    ]
