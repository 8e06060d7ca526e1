"""A motif scan as a report that says what its hits are worth: significant sites first, the count expected by
chance, enrichment against a shuffled background, one line per site (see :mod:`dnahlm.bio.motif_stats`).

The agent's ``scan_motifs`` tool, ``dnahlm ask --json`` and the Predict page's motif map all read this one
report, so they show the same numbers.

Example:
    >>> from dnahlm.bio.motifs import MotifScanner
    >>> r = motif_report(MotifScanner.from_jaspar(names=["TBP"]), "GCGCTATAAAAGGCGC" * 4, shuffles=5)
    >>> r.tests, r.significant
    (116, 4)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, Field

from dnahlm.bio.jaspar import profile_families
from dnahlm.bio.motif_hits import MotifHit
from dnahlm.bio.motif_stats import (
    Q_SIGNIFICANT,
    Enrichment,
    MotifSite,
    bh_q_values,
    collapse_sites,
    count_tests,
    enrichment,
    expected_hits,
)
from dnahlm.sequences import normalize

if TYPE_CHECKING:
    from dnahlm.bio.motifs import MotifScanner

DEFAULT_SHUFFLES = 20
"""Dinucleotide-shuffled copies a report scans for its background (about 1 s for 720 bp and all profiles)."""


class MotifReport(BaseModel):
    """A scan of one sequence with every profile of a scanner, and what its hits are worth."""

    sequence_length: int
    profiles_scanned: int
    release: str
    p_value: float = Field(description="hits are sites with p at most this")
    background: str = Field(description="the base frequencies p-values are computed against")
    tests: int = Field(description="windows x strands x profiles tested")
    expected_hits: float = Field(description="hits expected by chance at this p-value, for this length")
    total_hits: int
    significant: int = Field(description=f"sites with q <= {Q_SIGNIFICANT} (Benjamini-Hochberg over `tests`)")
    best_q: float | None = Field(description="the smallest q-value of any hit")
    sites: list[MotifSite] = Field(
        description="significant sites, then the best candidates; one line per site"
    )
    hits: list[MotifHit] = Field(description="best hits first (lowest p-value), at most `top`, with q-values")
    counts: dict[str, int] = Field(description="hits per TF name over all hits, most first")
    enrichment: Enrichment | None = Field(default=None, description="hits against a shuffled background")
    convention: str = Field(description="how the scan was made, in words")

    def lead(self) -> str:
        """The first sentence: what is significant, or that nothing is."""
        if self.significant:
            shown = [s for s in self.sites if s.significant][:5]
            listed = "; ".join(f"{s.label()}, p={s.p_value:.1e}, q={s.q_value:.2g}" for s in shown)
            more = f" (and {self.significant - len(shown)} more)" if self.significant > len(shown) else ""
            return (
                f"{self.significant} motif site(s) are significant after correction for {self.tests:,} tests "
                f"(q <= {Q_SIGNIFICANT:g}): {listed}{more}."
            )
        if not self.total_hits:
            return (
                f"No JASPAR motif reaches p < {self.p_value:g} among {self.profiles_scanned:,} profiles "
                f"({self.expected_hits:.1f} hits expected by chance)."
            )
        return (
            f"No motif is significant after correction for {self.tests:,} tests "
            f"(best q = {self.best_q:.2f}; q <= {Q_SIGNIFICANT:g} needed)."
        )

    def chance(self) -> str:
        """How the hit count compares with chance and with the shuffled background."""
        line = (
            f"At p < {self.p_value:g}: {self.total_hits:,} hits where {self.expected_hits:.0f} are expected by "
            f"chance for {self.sequence_length:,} bp, both strands and {self.profiles_scanned:,} profiles"
        )
        e = self.enrichment
        if e is not None:
            verdict = "enriched" if e.enriched else "not enriched"
            line += (
                f"; {e.sequences} {e.background} copies have {e.background_mean:.0f} ± {e.background_sd:.0f} "
                f"({verdict} overall, empirical p = {e.p_value:.2g})"
            )
            names = e.enriched_names()
            if names:
                listed = ", ".join(
                    f"{k} ({e.per_name[k][0]} sites here, {e.per_name[k][1]:.1f} per copy, p = {e.per_name[k][2]:.1g})"
                    for k in names[:5]
                )
                line += f". Enriched against them (Bonferroni over {len(e.per_name)} TFs): {listed}"
        return line + "."

    def candidates(self, n: int = 5) -> list[MotifSite]:
        """The best sites that are not significant (offered as candidates, labelled as such)."""
        return [s for s in self.sites if not s.significant][:n]


def motif_report(
    scanner: MotifScanner,
    sequence: str,
    *,
    p_value: float = 1e-4,
    top: int = 20,
    names: Sequence[str] | None = None,
    shuffles: int = DEFAULT_SHUFFLES,
    background: Sequence[str] | None = None,
) -> MotifReport:
    """Scan ``sequence`` (with the profiles named in ``names`` only, when given) and judge the hits.

    Args:
        scanner: the profiles (see :class:`~dnahlm.bio.motifs.MotifScanner`).
        sequence: DNA (ACGTN, any case).
        p_value: the hit cut.
        top: hits and candidate sites reported (significant sites are all reported).
        names: TF names or matrix ids to scan with.
        shuffles: dinucleotide-shuffled copies scanned as the background (0: none).
        background: background sequences to use instead of shuffles.
    """
    active = scanner.subset(names) if names else scanner
    text = normalize(sequence)
    table = active.scan_table([text], p_value=p_value)
    tests = max(count_tests(active, [text]), len(table))
    q = bh_q_values(table.p_value, tests) if len(table) else np.zeros(0)
    all_hits = table.hits()[0]
    for hit, value in zip(all_hits, q.tolist(), strict=True):
        hit.q_value = value
    families = profile_families(active.profiles[0].release)
    sites = collapse_sites(all_hits, q.tolist(), families)
    n_significant = sum(s.significant for s in sites)
    shown = [s for s in sites if s.significant] + [s for s in sites if not s.significant][:top]
    names_of_hits = [h.name for h in all_hits]
    judged = None
    if background or shuffles > 0:
        judged = enrichment(active, text, table, p_value=p_value, shuffles=shuffles, background=background)
    bg = _describe_background(active.background)
    release = active.profiles[0].release
    return MotifReport(
        sequence_length=len(text),
        profiles_scanned=len(active.profiles),
        release=release,
        p_value=p_value,
        background=bg,
        tests=tests,
        expected_hits=expected_hits(active, [text], p_value),
        total_hits=len(table),
        significant=n_significant,
        best_q=float(q.min()) if len(q) else None,
        sites=shown,
        hits=all_hits[:top],
        counts=dict(Counter(names_of_hits).most_common()),
        enrichment=judged,
        convention=(
            f"{release} profiles ({len(active.profiles):,}), both strands, sites with p < {p_value:g} "
            f"against {bg}; q-values by Benjamini-Hochberg over {tests:,} tests; one line per site for "
            "profiles of one family"
        ),
    )


def _describe_background(background: Sequence[float]) -> str:
    freqs = [round(float(x), 3) for x in background]
    if len(set(freqs)) == 1:
        return "uniform base frequencies"
    return "base frequencies A {:.2f}, C {:.2f}, G {:.2f}, T {:.2f}".format(*freqs)


__all__ = ["DEFAULT_SHUFFLES", "MotifReport", "motif_report"]
