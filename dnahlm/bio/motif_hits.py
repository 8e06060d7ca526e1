"""Motif hits and their summaries: :class:`MotifHit`, the column table :class:`MotifTable` a scan of
:class:`~dnahlm.bio.motifs.MotifScanner` returns, and :func:`hit_counts` / :func:`best_hits`.

Coordinates are 0-based and half-open on the forward strand; ``strand`` is +1 or -1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, Field

from dnahlm.bio.jaspar import MotifProfile
from dnahlm.errors import ConfigError
from dnahlm.sequences import reverse_complement


class MotifHit(BaseModel):
    """One motif occurrence: 0-based half-open ``[start, end)`` on the forward strand, ``strand`` +1 or -1.

    ``matched`` is the site read on its own strand (reverse-complemented for -1).

    Example:
        >>> MotifHit(motif_id="MA0108.3", name="TBP", start=3, end=18, strand=1, score=14.2,
        ...          rel_score=0.95, p_value=2e-8, matched="GTATAAAAGGCGGGG").end
        18
    """

    motif_id: str
    name: str
    start: int
    end: int
    strand: int = Field(description="+1 forward, -1 reverse complement")
    score: float = Field(description="log2-odds score")
    rel_score: float = Field(description="(score - min) / (max - min) of the profile, 0..1")
    p_value: float = Field(description="P(score >= this) for a background k-mer")
    matched: str
    q_value: float | None = Field(
        default=None, description="Benjamini-Hochberg q-value over the scan's tests, when it was judged"
    )


@dataclass(frozen=True)
class MotifTable:
    """Hits of a scan as columns, one row per hit, sorted by sequence then best p-value first.

    ``seq`` indexes the scanned sequences, ``profile`` the scanner's profiles; ``start`` is 0-based on
    the forward strand and ``strand`` +1 or -1, as in :class:`MotifHit`. :meth:`hits` builds the
    :class:`MotifHit` objects, for all rows or the best ``top`` of each sequence.
    """

    seq: np.ndarray
    start: np.ndarray
    strand: np.ndarray
    profile: np.ndarray
    score: np.ndarray
    rel_score: np.ndarray
    p_value: np.ndarray
    profiles: tuple[MotifProfile, ...]
    texts: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.seq)

    @property
    def end(self) -> np.ndarray:
        """Half-open end of each hit on the forward strand."""
        lengths = np.array([p.length for p in self.profiles], dtype=np.int64)
        return self.start + lengths[self.profile]

    def rows_of(self, index: int) -> range:
        """The rows holding the hits of sequence ``index``."""
        lo, hi = np.searchsorted(self.seq, [index, index + 1])
        return range(int(lo), int(hi))

    def hit(self, row: int) -> MotifHit:
        """Row ``row`` as a :class:`MotifHit` (with its matched site read on its own strand)."""
        prof = self.profiles[self.profile[row]]
        start, strand = int(self.start[row]), int(self.strand[row])
        site = self.texts[self.seq[row]][start : start + prof.length]
        return MotifHit.model_construct(  # values are already the right types: skip validation
            motif_id=prof.motif_id,
            name=prof.name,
            start=start,
            end=start + prof.length,
            strand=strand,
            score=float(self.score[row]),
            rel_score=float(self.rel_score[row]),
            p_value=float(self.p_value[row]),
            matched=site if strand == 1 else reverse_complement(site),
        )

    def hits(self, *, top: int | None = None) -> list[list[MotifHit]]:
        """:class:`MotifHit` lists per sequence, best first; at most ``top`` per sequence when given."""
        out: list[list[MotifHit]] = []
        for i in range(len(self.texts)):
            rows = self.rows_of(i)
            if top is not None:
                rows = rows[:top]
            out.append([self.hit(r) for r in rows])
        return out


# -------------------------------------------------------------------- per-sequence summaries


def hit_counts(hits: Iterable[MotifHit], *, by: str = "name") -> dict[str, int]:
    """Number of hits per TF name (``by="name"``) or per matrix id (``by="motif_id"``), most first.

    Example:
        >>> hit_counts([MotifHit(motif_id="MA0108.3", name="TBP", start=0, end=15, strand=1, score=9.0,
        ...                      rel_score=0.9, p_value=1e-5, matched="A" * 15)])
        {'TBP': 1}
    """
    if by not in ("name", "motif_id"):
        raise ConfigError(f"by must be 'name' or 'motif_id', got {by!r}")
    return dict(Counter(getattr(h, by) for h in hits).most_common())


def best_hits(hits: Iterable[MotifHit], *, k: int = 1, by: str = "name") -> list[MotifHit]:
    """The ``k`` best hits (lowest p-value) of each TF name or matrix id, best first.

    Example:
        >>> hit = MotifHit(motif_id="MA0108.3", name="TBP", start=0, end=15, strand=1, score=9.0,
        ...                rel_score=0.9, p_value=1e-5, matched="A" * 15)
        >>> [h.start for h in best_hits([hit.model_copy(update={"start": 7, "p_value": 1e-3}), hit])]
        [0]
    """
    if by not in ("name", "motif_id"):
        raise ConfigError(f"by must be 'name' or 'motif_id', got {by!r}")
    ranked = sorted(hits, key=lambda h: (h.p_value, -h.score, h.start))
    seen: Counter[str] = Counter()
    out = []
    for h in ranked:
        if seen[getattr(h, by)] < k:
            seen[getattr(h, by)] += 1
            out.append(h)
    return out
