"""Is a query like the data a prediction rests on? Length, composition, low complexity and distance.

A classifier answers every input, including a 300 bp run of A's or a (CA)n repeat it never saw; its
probability then says nothing. :class:`Domain` summarises the sequences behind a prediction (a labelled
pool, or the rows a checkpoint's head was tuned on) and :meth:`Domain.check` says whether a query lies
inside them and, if not, why, in words a biologist can act on:

- **length** outside the range of the data (long queries are scored in windows of the data's length, so
  only a query shorter than half the shortest example is out);
- **composition**: GC fraction outside the central 99.8% of the data (widened by two binomial standard
  deviations of the query's length, so a short query is not out by chance), or a CpG observed/expected ratio
  above the data's 99.9th percentile (genomic DNA is CpG-depleted, random DNA is not);
- **low complexity**: the median DUST score of its 64 bp windows (Morgulis et al. 2006, J Comput Biol
  13:1028: ``sum_t c_t (c_t - 1) / 2 / (l - 1)`` over the triplet counts ``c_t`` of a window) above the
  99.9th percentile of the data and above 3 (a homopolymer scores 31, a (CA)n repeat 15, a (CAG)n repeat
  9.3, random DNA about 0.5);
- **distance**: the k-mer cosine similarity of the query's nearest example, when the caller knows it,
  below the 0.5th percentile of the same for the data's own rows (leave-one-out).

A summary is a few numbers (JSON), stored beside a fit or a head; it holds no sequence.

Example:
    >>> d = Domain.from_sequences(["ACGTGCATGCATCGATCGTAGCTAGCTAGCATCGAT" * 3] * 50)
    >>> d.check("A" * 108).inside, d.check("A" * 108).reasons[0].split(":")[0]
    (False, 'composition')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from dnahlm.bio.composition import cpg_obs_exp
from dnahlm.errors import DataFormatError
from dnahlm.sequences import gc_content

DUST_WINDOW = 64
DUST_FLOOR = 3.0
"""A DUST score below this is never called low complexity, whatever the data's own scores."""
FORMAT = 1


def dust_score(sequence: str, window: int = DUST_WINDOW) -> float:
    """The highest DUST score of any ``window``-bp stretch of ``sequence`` (the whole, when shorter).

    Example:
        >>> dust_score("A" * 64), round(dust_score("CA" * 32), 1)
        (31.0, 15.2)
    """
    scores = dust_profile(sequence, window)
    return float(scores.max()) if scores.size else 0.0


def low_complexity(sequence: str, window: int = DUST_WINDOW) -> float:
    """The median DUST score over the ``window``-bp stretches of ``sequence``: high only when most of it is
    repetitive (a real sequence with one short repeat stays low; a pure (CAG)n repeat scores 9.3)."""
    scores = dust_profile(sequence, window)
    return float(np.median(scores)) if scores.size else 0.0


def dust_profile(sequence: str, window: int = DUST_WINDOW) -> np.ndarray:
    """The DUST score of every ``window``-bp stretch of ``sequence`` (one score for a shorter sequence).

    Triplet counts of every window come from one cumulative count table ``(n + 1, 64)``, so a sequence
    costs a few array operations, not a Python loop per base.
    """
    codes = np.frombuffer(sequence.upper().encode("ascii", "replace"), dtype=np.uint8)
    lut = np.full(256, -1, dtype=np.int64)
    for i, b in enumerate(b"ACGT"):
        lut[b] = i
    x = lut[codes]
    if len(x) < 3:
        return np.zeros(0)
    trip = x[:-2] * 16 + x[1:-1] * 4 + x[2:]
    valid = (x[:-2] >= 0) & (x[1:-1] >= 0) & (x[2:] >= 0)  # a triplet with N is not counted
    n_trip = min(window - 2, len(trip))
    if n_trip < 2:
        return np.zeros(0)
    onehot = np.zeros((len(trip) + 1, 64), dtype=np.int32)
    onehot[np.flatnonzero(valid) + 1, trip[valid]] = 1
    cum = np.cumsum(onehot, axis=0)
    counts = (cum[n_trip:] - cum[:-n_trip]).astype(np.int64)  # (windows, 64)
    return (counts * (counts - 1) // 2).sum(1) / (n_trip - 1)


def cpg_ratio(sequence: str) -> float:
    """CpG observed over expected (:func:`dnahlm.bio.composition.cpg_obs_exp`): about 0.2-0.25 in bulk
    human DNA, 0.6-1 in CpG islands, 1 in random sequence; 0 without C or G."""
    return cpg_obs_exp(sequence.upper()) or 0.0


def gc_fraction(sequence: str) -> float:
    """GC over A, C, G and T (:func:`dnahlm.sequences.gc_content`); 0.5 when there are none."""
    s = sequence.upper()
    return gc_content(s) if any(b in s for b in "ACGT") else 0.5


@dataclass
class DomainCheck:
    """Whether a query lies inside a prediction's data, and the reasons when it does not."""

    inside: bool
    reasons: list[str] = field(default_factory=list)

    def caveat(self, length: int, what: str) -> str:
        """One sentence for an answer: ``This 300 bp sequence is unlike the non-promoter / promoter examples
        the prediction rests on (composition: ...); no call.``"""
        return (
            f"This {length:,} bp sequence is unlike the {what} examples the prediction rests on "
            f"({'; '.join(self.reasons)}); no call."
        )


@dataclass
class Domain:
    """A summary of the sequences behind a prediction (see the module docstring); JSON round trip."""

    n: int
    length: tuple[int, int]
    gc: tuple[float, float]
    dust: float
    neighbour: float | None = None
    source: str = ""
    cpg: float | None = None

    @classmethod
    def from_sequences(
        cls,
        sequences: Sequence[str],
        *,
        neighbour_similarities: Sequence[float] | None = None,
        source: str = "",
        sample: int = 2000,
        seed: int = 0,
    ) -> Domain:
        """Summarise ``sequences`` (at most ``sample`` of them, drawn with ``seed``, for GC and DUST).

        ``neighbour_similarities``: each row's similarity to its nearest other row (leave-one-out), when
        the caller has it; its 0.5th percentile becomes the distance bound.
        """
        if not sequences:
            raise DataFormatError("a domain needs at least one sequence")
        lengths = np.array([len(s) for s in sequences])
        rng = np.random.default_rng(seed)
        idx = rng.choice(len(sequences), size=min(sample, len(sequences)), replace=False)
        picked = [sequences[i] for i in idx.tolist()]
        gc = np.array([gc_fraction(s) for s in picked])
        dust = np.array([low_complexity(s) for s in picked])
        cpg = np.array([cpg_ratio(s) for s in picked])
        neighbour = None
        if neighbour_similarities is not None and len(neighbour_similarities):
            neighbour = float(np.quantile(np.asarray(neighbour_similarities, dtype=float), 0.005))
        return cls(
            n=len(sequences),
            length=(int(lengths.min()), int(lengths.max())),
            gc=(float(np.quantile(gc, 0.001)), float(np.quantile(gc, 0.999))),
            dust=float(np.quantile(dust, 0.999)),
            neighbour=neighbour,
            source=source,
            cpg=float(np.quantile(cpg, 0.999)),
        )

    def check(self, sequence: str, *, nearest: float | None = None) -> DomainCheck:
        """Whether ``sequence`` lies inside; ``nearest``: its similarity to the nearest example, when known."""
        reasons = []
        n = len(sequence)
        if n < self.length[0] / 2:
            reasons.append(
                f"length: {n:,} bp, where the examples are {self.length[0]:,}-{self.length[1]:,} bp"
            )
        gc = gc_fraction(sequence)
        lo, hi = self.gc
        margin = max(0.02, 2 * (0.25 / max(n, 1)) ** 0.5)  # two binomial SDs of a query this long
        if gc < lo - margin or gc > hi + margin:
            reasons.append(f"composition: GC {gc:.0%}, where the examples span {lo:.0%}-{hi:.0%}")
        cpg = cpg_ratio(sequence)
        if self.cpg is not None and n >= 50 and cpg > self.cpg + 0.1:
            reasons.append(
                f"composition: CpG observed/expected {cpg:.2f}, where the examples reach {self.cpg:.2f} "
                "(genomic DNA is CpG-depleted; random or synthetic sequence is not)"
            )
        dust = low_complexity(sequence)
        if dust > max(self.dust, DUST_FLOOR):
            kind = "a homopolymer" if len(set(sequence.upper()) - {"N"}) == 1 else "a simple repeat"
            reasons.append(
                f"low complexity: mostly {kind} (median DUST {dust:.1f} per {DUST_WINDOW} bp; the examples "
                f"reach {self.dust:.1f})"
            )
        if nearest is not None and self.neighbour is not None and nearest < self.neighbour:
            reasons.append(
                f"distance: its nearest example has k-mer similarity {nearest:.2f}; 99.5% of the examples "
                f"have a neighbour above {self.neighbour:.2f}"
            )
        return DomainCheck(inside=not reasons, reasons=reasons)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: Any, where: str = "domain") -> Domain:
        """Read a summary back, checking every number (a damaged one is a :class:`DataFormatError`)."""
        try:
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
            d = cls(
                n=int(data["n"]),
                length=(int(data["length"][0]), int(data["length"][1])),
                gc=(float(data["gc"][0]), float(data["gc"][1])),
                dust=float(data["dust"]),
                neighbour=None if data.get("neighbour") is None else float(data["neighbour"]),
                source=str(data.get("source", "")),
                cpg=None if data.get("cpg") is None else float(data["cpg"]),
            )
        except (AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
            raise DataFormatError(f"{where}: not a domain summary ({exc})") from None
        numbers = [d.n, *d.length, *d.gc, d.dust] + [x for x in (d.neighbour, d.cpg) if x is not None]
        if (
            not all(np.isfinite(numbers))
            or d.n < 1
            or d.length[0] > d.length[1]
            or not 0 <= d.gc[0] <= d.gc[1] <= 1
        ):
            raise DataFormatError(f"{where}: a domain summary with impossible numbers")
        return d


__all__ = [
    "DUST_FLOOR",
    "Domain",
    "DomainCheck",
    "dust_profile",
    "dust_score",
    "gc_fraction",
    "low_complexity",
]
