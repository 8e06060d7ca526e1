"""What a motif scan is worth: multiple testing, the count expected by chance, a shuffled background.

A scan of a 720 bp sequence with the 1,019 JASPAR vertebrate profiles on both strands makes about 1.4
million tests, so about 140 sites reach p < 1e-4 by chance alone. Three numbers say whether a scan found
more than that, the way FIMO and HOMER report it:

- **q-values** (Benjamini-Hochberg over every window, strand and profile tested, as FIMO does): a site is
  *significant* at q <= 0.05. Only sites below the scan's p-value cut are hits; every other test has a
  larger p-value, so the q-values of hits below the cut are exact (:func:`bh_q_values`).
- **the expected number of hits**: each profile's exact per-window hit rate at the cut (from its score
  distribution under the scanner's background) times the windows it was tested on (:func:`expected_hits`).
- **enrichment against a background**: the same scan of sequences shuffled with their dinucleotide counts
  kept (the Altschul-Erickson shuffle, :func:`dinucleotide_shuffle`), so GC content and CpG depletion are
  the same as the query's, or of a set of sequences the user gives (:func:`enrichment`).

Hits of one site by several profiles of one JASPAR family (TFAP2A and TFAP2C on one AP-2 site; one
palindrome matched on both strands) are one line (:func:`collapse_sites`).

References: Benjamini & Hochberg (1995) JRSS B 57:289; Grant, Bailey & Noble (2011) FIMO, Bioinformatics
27:1017; Altschul & Erickson (1985) Mol Biol Evol 2:526; Heinz et al. (2010) HOMER, Mol Cell 38:576.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, Field

from dnahlm.bio.motif_hits import MotifHit, MotifTable
from dnahlm.errors import ConfigError

if TYPE_CHECKING:
    from dnahlm.bio.motifs import MotifScanner

Q_SIGNIFICANT = 0.05
"""A site is reported as significant at this false-discovery rate."""


# ----------------------------------------------------------------------------- multiple testing


def window_counts(scanner: MotifScanner, sequences: Sequence[str]) -> np.ndarray:
    """Windows each profile is tested on in ``sequences``, per strand: ``(P,)`` (windows with an N excluded)."""
    lengths = scanner.lengths
    out = np.zeros(len(lengths), dtype=np.int64)
    for text in sequences:
        is_n = np.frombuffer(text.upper().encode("ascii", "replace"), dtype=np.uint8) == ord("N")
        prefix = np.concatenate([[0], np.cumsum(is_n)])
        for w in np.unique(lengths):
            if len(text) < w:
                continue
            clean = int(np.count_nonzero(prefix[w:] - prefix[:-w] == 0))
            out[lengths == w] += clean
    return out


def hit_rates(scanner: MotifScanner, p_value: float) -> np.ndarray:
    """Each profile's exact probability that one background window is a hit at ``p <= p_value``: ``(P,)``.

    The p-values are discrete, so this is the largest attainable tail probability not above ``p_value``.
    """
    if not 0 < p_value <= 1:
        raise ConfigError(f"p_value must be in (0, 1], got {p_value}")
    rates = np.empty(len(scanner.compiled))
    for i, c in enumerate(scanner.compiled):
        tail = c.tail.tail.astype(np.float64)
        below = tail[tail <= p_value]
        rates[i] = below.max() if below.size else 0.0
    return rates


def count_tests(scanner: MotifScanner, sequences: Sequence[str]) -> int:
    """The number of tests a scan makes: windows x 2 strands, summed over profiles."""
    return int(2 * window_counts(scanner, sequences).sum())


def expected_hits(scanner: MotifScanner, sequences: Sequence[str], p_value: float) -> float:
    """Hits expected by chance at ``p <= p_value`` in sequences of these lengths, under the scanner's
    background: ``sum over profiles of 2 x windows x hit rate``."""
    return float(2 * (window_counts(scanner, sequences) * hit_rates(scanner, p_value)).sum())


def expected_by_name(scanner: MotifScanner, sequences: Sequence[str], p_value: float) -> dict[str, float]:
    """Hits expected by chance per TF name (summed over its profiles), as :func:`expected_hits`."""
    per_profile = 2 * window_counts(scanner, sequences) * hit_rates(scanner, p_value)
    out: dict[str, float] = defaultdict(float)
    for profile, value in zip(scanner.profiles, per_profile.tolist(), strict=True):
        out[profile.name] += value
    return dict(out)


def bh_q_values(p_values: Sequence[float] | np.ndarray, tests: int) -> np.ndarray:
    """Benjamini-Hochberg q-values of the ``len(p_values)`` smallest p-values among ``tests`` tests.

    ``q_(i) = min_{j >= i} p_(j) * tests / j``, capped at 1. Every untested-here p-value is larger than
    those given, so q-values below 1 are exactly those of the full set.

    Example:
        >>> bh_q_values([0.01, 0.001], tests=10).round(3).tolist()
        [0.05, 0.01]
    """
    p = np.asarray(p_values, dtype=np.float64)
    if p.size == 0:
        return p
    if tests < p.size:
        raise ConfigError(f"{p.size} p-values cannot come from {tests} tests")
    order = np.argsort(p, kind="stable")
    ranked = p[order] * tests / np.arange(1, p.size + 1)
    q_sorted = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    q = np.empty_like(q_sorted)
    q[order] = q_sorted
    return q


# ----------------------------------------------------------------------------- shuffled background


def dinucleotide_shuffle(sequence: str, rng: random.Random) -> str:
    """A random sequence with exactly the dinucleotide counts (and first and last letter) of ``sequence``.

    The Altschul-Erickson shuffle as an Eulerian walk (Kandel et al. 1996): for every letter but the last,
    a last exit edge is drawn by a random walk backwards from the last letter (a random spanning arborescence),
    the other exits are shuffled, and the walk from the first letter uses each edge once.

    Example:
        >>> s = "ACGTTGCAACGGTACCA"
        >>> t = dinucleotide_shuffle(s, random.Random(1))
        >>> sorted(s[i:i + 2] for i in range(len(s) - 1)) == sorted(t[i:i + 2] for i in range(len(t) - 1))
        True
    """
    if len(sequence) < 3:
        return sequence
    edges: dict[str, list[str]] = defaultdict(list)
    for a, b in pairwise(sequence):
        edges[a].append(b)
    last = sequence[-1]
    letters = set(edges) | {last}
    # a random arborescence rooted at the last letter: for each other letter, the exit taken last
    # (a backwards random walk over the edge multiset, Wilson/Broder style, on the reversed graph)
    in_tree = {last}
    last_exit: dict[str, str] = {}
    for start in sorted(letters - {last}):
        node, path = start, {}
        while node not in in_tree:
            nxt = rng.choice(edges[node])
            path[node] = nxt
            node = nxt
        node = start
        while node not in in_tree:
            last_exit[node] = path[node]
            in_tree.add(node)
            node = path[node]
    exits: dict[str, list[str]] = {}
    for a, outs in edges.items():
        rest = list(outs)
        if a in last_exit:
            rest.remove(last_exit[a])
        rng.shuffle(rest)
        if a in last_exit:
            rest.append(last_exit[a])
        exits[a] = rest[::-1]  # popped from the end: the chosen last exit goes last
    out, node = [sequence[0]], sequence[0]
    for _ in range(len(sequence) - 1):
        node = exits[node].pop()
        out.append(node)
    return "".join(out)


class Enrichment(BaseModel):
    """Hits in the query against the same scan of background sequences (``shuffled`` or ``given``).

    Overall: the query's hit count against the backgrounds' (an empirical p-value). Per TF name: the query's
    hits against a Poisson with the backgrounds' mean, or the count the name's profiles expect at a uniform
    background when that is larger (a few copies cannot estimate a rare name's rate; half a hit over all
    copies at the least), Bonferroni-corrected over the names in the query.
    """

    background: str = Field(description="'dinucleotide-shuffled' or 'given'")
    sequences: int = Field(description="background sequences scanned")
    observed: int = Field(description="hits in the query")
    background_mean: float = Field(description="mean hits per background sequence")
    background_sd: float
    p_value: float = Field(description="(1 + backgrounds with at least as many hits) / (1 + backgrounds)")
    per_name: dict[str, tuple[int, float, float]] = Field(
        default_factory=dict,
        description="TF name -> (sites in the query, mean sites per background, Bonferroni-corrected p-value)",
    )

    @property
    def enriched(self) -> bool:
        """More hits overall than the backgrounds (empirical p <= 0.05)."""
        return self.observed > self.background_mean and self.p_value <= 0.05

    def enriched_names(self, alpha: float = 0.05) -> list[str]:
        """TF names with more hits than the backgrounds at corrected p <= ``alpha``, strongest first."""
        hits = [(v[2], -v[0], k) for k, v in self.per_name.items() if v[2] <= alpha and v[0] > v[1]]
        return [k for *_, k in sorted(hits)]


def poisson_tail(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(``mean``).

    Example:
        >>> round(poisson_tail(2, 1.0), 4)
        0.2642
    """
    if k <= 0:
        return 1.0
    term, below = math.exp(-mean), 0.0
    for i in range(k):
        below += term
        term *= mean / (i + 1)
    return max(0.0, 1.0 - below) if below < 0.999 else _upper_sum(k, mean)


def _upper_sum(k: int, mean: float) -> float:
    """P(X >= k) summed from the upper side (accurate when it is tiny)."""
    log_term = -mean + k * math.log(mean) - math.lgamma(k + 1)
    total, i = 0.0, k
    while True:
        term = math.exp(log_term)
        total += term
        if term < total * 1e-16 or i > k + 10_000:
            return min(1.0, total)
        i += 1
        log_term += math.log(mean) - math.log(i)


def sites_per_name(table: MotifTable) -> list[Counter[str]]:
    """Per scanned sequence, the number of separate sites of each TF name: hits of one name that overlap
    (both strands of a palindrome, shifted matches, several matrices of one TF) count once."""
    out: list[Counter[str]] = [Counter() for _ in table.texts]
    names = [table.profiles[p].name for p in table.profile.tolist()]
    ends = table.end.tolist()
    last_end: dict[tuple[int, str], int] = {}
    for row in np.lexsort((table.start, table.seq)).tolist():  # by sequence, then position
        key = (int(table.seq[row]), names[row])
        if int(table.start[row]) >= last_end.get(key, -1):
            out[key[0]][key[1]] += 1
            last_end[key] = ends[row]
        else:
            last_end[key] = max(last_end[key], ends[row])
    return out


def enrichment(
    scanner: MotifScanner,
    sequence: str,
    observed: MotifTable,
    *,
    p_value: float,
    shuffles: int = 20,
    background: Sequence[str] | None = None,
    seed: int = 0,
) -> Enrichment:
    """Compare the query's scan (``observed``, the table of ``sequence`` at ``p_value``) with the same scan
    of a background: ``shuffles`` dinucleotide shuffles of ``sequence`` (seeded: the same answer every
    time), or the sequences in ``background`` when given (each should be about as long as the query).
    Per TF name, separate sites are compared (see :func:`sites_per_name`)."""
    if background:
        others, kind = list(background), "given"
    else:
        if shuffles < 1:
            raise ConfigError(f"shuffles must be at least 1, got {shuffles}")
        rng = random.Random(seed)
        others, kind = [dinucleotide_shuffle(sequence, rng) for _ in range(shuffles)], "dinucleotide-shuffled"
    table = scanner.scan_table(others, p_value=p_value)
    per_seq = np.bincount(table.seq, minlength=len(others))
    bg_sites: Counter[str] = Counter()
    for counts in sites_per_name(table):
        bg_sites.update(counts)
    seen = sites_per_name(observed)[0] if len(observed.texts) else Counter()
    n, m = len(observed), len(others)
    # a name the backgrounds rarely hit: its rate from the exact score distribution, not 0 from a few copies
    floor = expected_by_name(scanner, [sequence], p_value)
    per_name = {}
    for name, count in seen.items():
        mean = bg_sites.get(name, 0) / m
        lam = max(floor.get(name, 0.0), 0.5 / m, mean)
        per_name[name] = (count, mean, min(1.0, len(seen) * poisson_tail(count, lam)))
    return Enrichment(
        background=kind,
        sequences=m,
        observed=n,
        background_mean=float(per_seq.mean()),
        background_sd=float(per_seq.std(ddof=1)) if m > 1 else 0.0,
        p_value=float((1 + np.count_nonzero(per_seq >= n)) / (1 + m)),
        per_name=per_name,
    )


# ----------------------------------------------------------------------------- one line per site


class MotifSite(BaseModel):
    """One site, with every profile of one family that matched it (best hit first)."""

    start: int = Field(description="0-based start on the forward strand (of the best hit)")
    end: int
    strand: int
    names: list[str] = Field(description="TF names that matched here, best first")
    motif_ids: list[str]
    family: str | None = Field(description="their JASPAR family, when annotated")
    p_value: float = Field(description="best p-value of the site")
    q_value: float = Field(description="its q-value")
    matched: str

    @property
    def significant(self) -> bool:
        return self.q_value <= Q_SIGNIFICANT

    def label(self) -> str:
        """``TFAP2A/TFAP2C (AP-2) at 120..131 (+)``, 1-based inclusive coordinates."""
        fam = f" ({self.family})" if self.family else ""
        return (
            f"{'/'.join(self.names)}{fam} at {self.start + 1}..{self.end} ({'+' if self.strand > 0 else '-'})"
        )


def collapse_sites(
    hits: Iterable[MotifHit], q_values: Iterable[float], family_of: dict[str, str | None]
) -> list[MotifSite]:
    """Group hits that share a site: overlapping by at least half the shorter one and of one family (or one
    TF name where the family is not annotated), on either strand. Best p-value first."""
    ranked = sorted(zip(hits, q_values, strict=True), key=lambda hq: (hq[0].p_value, hq[0].start))
    sites: list[MotifSite] = []
    keys: list[str] = []
    for hit, q in ranked:
        family = family_of.get(hit.motif_id)
        key = family or hit.name
        for site, site_key in zip(sites, keys, strict=True):
            overlap = min(site.end, hit.end) - max(site.start, hit.start)
            if site_key == key and overlap >= 0.5 * min(site.end - site.start, hit.end - hit.start):
                if hit.name not in site.names:
                    site.names.append(hit.name)
                if hit.motif_id not in site.motif_ids:
                    site.motif_ids.append(hit.motif_id)
                break
        else:
            sites.append(
                MotifSite(
                    start=hit.start,
                    end=hit.end,
                    strand=hit.strand,
                    names=[hit.name],
                    motif_ids=[hit.motif_id],
                    family=family,
                    p_value=hit.p_value,
                    q_value=float(q),
                    matched=hit.matched,
                )
            )
            keys.append(key)
    return sites


__all__ = [
    "Q_SIGNIFICANT",
    "Enrichment",
    "MotifSite",
    "bh_q_values",
    "collapse_sites",
    "count_tests",
    "dinucleotide_shuffle",
    "enrichment",
    "expected_by_name",
    "expected_hits",
    "hit_rates",
    "poisson_tail",
    "sites_per_name",
    "window_counts",
]
