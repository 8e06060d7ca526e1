"""Regulatory variants: which JASPAR motif sites a base change creates or destroys, and the change in a
predicted probability (promoter, TF binding) between the reference and the changed sequence.

A site is *lost* when it is found in the reference (at the scan's p-value threshold) overlapping the
changed bases and not in the changed sequence, *gained* the other way round. Sites are compared by
profile, strand and start; starts after an insertion or deletion are mapped back to the reference's
coordinates, so a site that merely shifts is neither. Positions are 1-based, on the reference.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from dnahlm.bio.motif_hits import MotifHit
from dnahlm.bio.mutations import MutatedSequence, apply_mutation


class SiteChange(BaseModel):
    """A motif site the change creates or destroys."""

    change: Literal["gained", "lost"]
    motif_id: str
    name: str
    strand: int
    start: int = Field(description="1-based first base, in the reference's coordinates")
    end: int
    p_value: float = Field(description="the site's p-value where it is found (reference for lost)")
    matched: str


class VariantEffect(BaseModel):
    """What a change does to a regulatory sequence: predicted probability before and after, motif sites."""

    change: str
    length: int
    task: str | None = None
    label: str | None = Field(default=None, description="the class whose probability is reported")
    method: str | None = None
    p_before: float | None = None
    p_after: float | None = None
    p_value: float = Field(description="motif scan threshold")
    gained: list[SiteChange] = Field(default_factory=list)
    lost: list[SiteChange] = Field(default_factory=list)

    def summary(self) -> str:
        parts = []
        if self.p_before is not None and self.p_after is not None:
            delta = self.p_after - self.p_before
            verb = "raises" if delta > 0.005 else "lowers" if delta < -0.005 else "leaves"
            how = (
                f"from {self.p_before:.2f} to {self.p_after:.2f} ({delta:+.2f})"
                if verb != "leaves"
                else (f"unchanged at {self.p_before:.2f}")
            )
            parts.append(
                f"{self.change} {verb} the predicted {self.label} probability {how} ({self.task}, {self.method})"
            )
        else:
            parts.append(f"{self.change} in this {self.length:,} bp sequence")
        sites = []
        for kind, items in (("creates", self.gained), ("destroys", self.lost)):
            if items:
                names = ", ".join(f"{s.name} ({s.motif_id}, {s.start:,}-{s.end:,})" for s in items[:5])
                sites.append(f"{kind} {len(items)} JASPAR site(s): {names}")
        motif = "; ".join(sites) if sites else f"creates or destroys no JASPAR site at p < {self.p_value:g}"
        return f"{parts[0]}; it {motif}."


def _overlapping(hits: list[MotifHit], start: int, end: int) -> list[MotifHit]:
    """Hits overlapping the 0-based changed span [start, end); an empty span (the junction a deletion
    leaves, or the point of an insertion) is overlapped by a site that has bases on both sides of it."""
    if end <= start:
        return [h for h in hits if h.start < start < h.end]
    return [h for h in hits if h.start < end and h.end > start]


def motif_site_changes(
    scanner: Any, sequence: str, change: str, *, p_value: float = 1e-4
) -> tuple[MutatedSequence, list[SiteChange], list[SiteChange]]:
    """The changed sequence and the motif sites the change creates (gained) and destroys (lost).

    Only sites overlapping the changed bases count. A site is unchanged when the other sequence has the
    same profile on the same strand at the same (reference) start, or reading the same bases (a repeat
    unit deleted from a repeat leaves the same sites beside the junction).

    Args:
        scanner: a :class:`~dnahlm.bio.motifs.MotifScanner`.
        sequence: the reference DNA.
        change: the change, as for :func:`~dnahlm.bio.mutations.apply_mutation` ("61G>T", "100_102del").
        p_value: scan threshold.
    """
    mutated = apply_mutation(sequence, change)
    s0 = (
        mutated.start - 1 if mutated.ref else mutated.end
    )  # 0-based first changed base (insertion: its point)
    ref_end, alt_end = s0 + len(mutated.ref), s0 + len(mutated.alt)
    shift = len(mutated.alt) - len(mutated.ref)
    ref_hits = _overlapping(scanner.scan(sequence, p_value=p_value), s0, ref_end)
    alt_hits = _overlapping(scanner.scan(mutated.sequence, p_value=p_value), s0, alt_end)

    def ref_start(h: MotifHit, in_alt: bool) -> int:
        return h.start - shift if in_alt and h.start >= alt_end else h.start

    def keys(hits: list[MotifHit], in_alt: bool) -> tuple[set, set]:
        return (
            {(h.motif_id, h.strand, ref_start(h, in_alt)) for h in hits},
            {(h.motif_id, h.strand, h.matched) for h in hits},
        )

    ref_at, ref_reads = keys(ref_hits, False)
    alt_at, alt_reads = keys(alt_hits, True)

    def changed(h: MotifHit, in_alt: bool) -> bool:
        at, reads = (ref_at, ref_reads) if in_alt else (alt_at, alt_reads)
        return (h.motif_id, h.strand, ref_start(h, in_alt)) not in at and (
            h.motif_id,
            h.strand,
            h.matched,
        ) not in reads

    def site(h: MotifHit, kind: Literal["gained", "lost"], in_alt: bool) -> SiteChange:
        start = ref_start(h, in_alt)
        return SiteChange(change=kind, motif_id=h.motif_id, name=h.name, strand=h.strand, start=start + 1,
                          end=start + (h.end - h.start), p_value=h.p_value, matched=h.matched)  # fmt: skip

    gained = [site(h, "gained", True) for h in sorted(alt_hits, key=lambda h: h.p_value) if changed(h, True)]
    lost = [site(h, "lost", False) for h in sorted(ref_hits, key=lambda h: h.p_value) if changed(h, False)]
    return mutated, gained, lost


__all__ = ["SiteChange", "VariantEffect", "motif_site_changes"]
