"""JASPAR profiles as log-odds PSSMs with exact score distributions, for :mod:`dnahlm.bio.motifs`.

Profiles come from pyjaspar's bundled SQLite releases (offline; the default is the latest release,
CORE collection, vertebrates). Each count matrix becomes a position-specific scoring matrix the way
Biopython's ``Bio.motifs`` builds one (``motif.pseudocounts = ...; motif.background = ...; motif.pssm``):

    p[j, b]  = (counts[j, b] + pc * bg[b]) / (sum_b counts[j, b] + pc)
    W[j, b]  = log2(p[j, b] / bg[b])

**Pseudocounts.** ``pc`` is a total per column spread over the letters in proportion to the background.
The default, 0.8, is what JASPAR's own site and TFBSTools use (``toPWM(pseudocounts=0.8)``); with 0.8
a profile built from 10 sites and one from 300,000 are both smoothed only where a letter was never seen.
``pseudocounts="sqrt"`` uses sqrt(mean column sum) instead (Biopython's
``Bio.motifs.jaspar.calculate_pseudocounts``), which smooths profiles with many sites more.

**Background.** Uniform by default, or four letter frequencies, or a GC fraction (see
:func:`background_from_gc`), e.g. that of the query.

**P-values.** The score of a random k-mer drawn from the background is a sum of independent column
scores, so its distribution follows from dynamic programming over scores rounded to ``resolution`` bits
per column (default 0.01; Touzet & Varré 2007, "Efficient and accurate P-value computation for Position
Weight Matrices"). The tail P(S >= s) is exact for the rounded matrix, and a site's p-value is looked up with
the site's own rounded score, so it counts exactly the k-mers that score at least as high after rounding
(it can only differ from the real-valued p-value through k-mers whose scores lie within
``length * resolution / 2`` bits of the site's).
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dnahlm.errors import ConfigError, UserInputError

ALPHABET = "ACGT"
Background = tuple[float, float, float, float]
UNIFORM: Background = (0.25, 0.25, 0.25, 0.25)
DEFAULT_PSEUDOCOUNTS = 0.8
DEFAULT_RESOLUTION = 0.01


@dataclass(frozen=True)
class MotifProfile:
    """One JASPAR count matrix and its annotation; hashable, so compiled forms can be cached.

    Example:
        >>> p = load_profiles(ids=["MA0108"])[0]
        >>> p.motif_id, p.name, p.length
        ('MA0108.3', 'TBP', 7)
    """

    motif_id: str
    name: str
    counts: tuple[tuple[float, float, float, float], ...]  # one row per position, columns A C G T
    collection: str = ""
    tax_group: str = ""
    release: str = ""

    @property
    def length(self) -> int:
        """Number of positions."""
        return len(self.counts)

    @property
    def matrix(self) -> np.ndarray:
        """Counts as a ``(length, 4)`` float array (A, C, G, T)."""
        return np.asarray(self.counts, dtype=np.float64)

    @property
    def consensus(self) -> str:
        """Most frequent letter at each position."""
        return "".join(ALPHABET[i] for i in self.matrix.argmax(1))


def load_profiles(
    *,
    release: str | None = None,
    collection: str | None = "CORE",
    tax_group: str | Sequence[str] | None = "vertebrates",
    ids: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
) -> tuple[MotifProfile, ...]:
    """Profiles of a JASPAR release (latest version of each matrix), loaded once per process.

    Args:
        release: e.g. ``"JASPAR2024"``; default: the latest release pyjaspar bundles.
        collection: ``"CORE"``, ``"UNVALIDATED"``, ...; None for all collections.
        tax_group: ``"vertebrates"``, ``"insects"``, ``"plants"``, ... (or several); None for all.
        ids: matrix ids, with or without version (``"MA0139"`` means the latest version). When given,
            ``collection`` and ``tax_group`` are ignored, as in pyjaspar.
        names: keep only profiles whose TF name is one of these (case-insensitive).

    Raises:
        ConfigError: unknown release.
        UserInputError: an unknown matrix id, a name that matches nothing, or an empty selection.

    Example:
        >>> ctcf = load_profiles(names=["ctcf"])
        >>> sorted(p.motif_id for p in ctcf)
        ['MA0139.2', 'MA1929.2', 'MA1930.2']
    """

    def as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        return (value,) if isinstance(value, str) else tuple(value)

    return _load(release or latest_release(), collection, as_tuple(tax_group), as_tuple(ids), as_tuple(names))


def latest_release() -> str:
    import pyjaspar

    return pyjaspar.JASPAR_LATEST_RELEASE


def release_database(release: str | None = None) -> Path:
    """The SQLite file pyjaspar bundles for ``release`` (default: the latest).

    Raises:
        ConfigError: a release pyjaspar does not have.
    """
    import pyjaspar

    release = release or latest_release()
    if release not in pyjaspar.jaspar_releases:
        raise ConfigError(
            f"unknown JASPAR release {release!r}; pyjaspar has {sorted(pyjaspar.jaspar_releases)}"
        )
    return Path(pyjaspar.__file__).parent / "data" / pyjaspar.jaspar_releases[release]


@functools.lru_cache(maxsize=4)
def profile_families(release: str | None = None) -> dict[str, str]:
    """The JASPAR family of every matrix of ``release`` that has one, by versioned id (``MA0524.3`` ->
    ``AP-2``); a version without its own annotation takes the newest older version's.

    Example:
        >>> profile_families()["MA0139.2"]
        'More than 3 adjacent zinc fingers'
    """
    import sqlite3

    uri = f"file:{release_database(release)}?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        matrices = conn.execute("SELECT ID, BASE_ID, VERSION FROM MATRIX").fetchall()
        family = dict(
            conn.execute("SELECT ID, VAL FROM MATRIX_ANNOTATION WHERE TAG = 'family' AND VAL != ''")
        )
    by_base: dict[str, list[tuple[int, int]]] = {}
    for internal, base, version in matrices:
        by_base.setdefault(base, []).append((int(version), internal))
    out: dict[str, str] = {}
    for base, versions in by_base.items():
        known = None
        for version, internal in sorted(versions):
            known = " ".join(str(family[internal]).split()) if internal in family else known
            if known:
                out[f"{base}.{version}"] = known
    return out


@functools.lru_cache(maxsize=16)
def _load(
    release: str,
    collection: str | None,
    tax_group: tuple[str, ...] | None,
    ids: tuple[str, ...] | None,
    names: tuple[str, ...] | None,
) -> tuple[MotifProfile, ...]:
    import pyjaspar

    if not ids:  # a whole collection: read back from the JSON copy kept under DNAHLM_HOME when there is one
        cached = _read_cache(release, collection, tax_group)
        if cached is not None:
            return _select(cached, release, collection, tax_group, names)
    release_database(release)  # an unknown release is a ConfigError
    db = pyjaspar.jaspardb(release=release)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pyjaspar warns (and returns None) for unknown ids
            if ids:
                motifs = []
                for matrix_id in ids:
                    motif = db.fetch_motif_by_id(matrix_id)
                    if motif is None:
                        raise UserInputError(
                            f"unknown JASPAR matrix id {matrix_id!r} in {release} (expected e.g. MA0139 or MA0139.2)"
                        )
                    motifs.append(motif)
            else:
                motifs = list(
                    db.fetch_motifs(
                        collection=collection.upper() if collection else None,
                        tax_group=[t.lower() for t in tax_group] if tax_group else None,
                    )
                )
    finally:
        db.conn.close()
    profiles = tuple(
        MotifProfile(
            motif_id=m.matrix_id,
            name=m.name,
            counts=tuple(
                tuple(float(m.counts[b][j]) for b in ALPHABET)  # type: ignore[misc]
                for j in range(m.length)
            ),
            collection=m.collection or "",
            tax_group=getattr(m, "tax_group", None) or "",
            release=release,
        )
        for m in motifs
    )
    if not ids:
        _write_cache(release, collection, tax_group, profiles)
    return _select(profiles, release, collection, tax_group, names)


def _cache_file(release: str, collection: str | None, tax_group: tuple[str, ...] | None) -> Path:
    import pyjaspar

    from dnahlm.settings import get_settings

    tag = f"{release}-{collection or 'all'}-{'+'.join(tax_group) if tax_group else 'all'}"
    version = getattr(pyjaspar, "__version__", "unknown")
    return get_settings().home / "jaspar" / f"{tag}-pyjaspar{version}.json"


def _read_cache(
    release: str, collection: str | None, tax_group: tuple[str, ...] | None
) -> tuple[MotifProfile, ...] | None:
    """Profiles from the JSON copy (pyjaspar takes seconds to read a collection; JSON, milliseconds)."""
    try:
        rows = json.loads(_cache_file(release, collection, tax_group).read_text(encoding="utf-8"))
        return tuple(
            MotifProfile(
                r["id"],
                r["name"],
                tuple(tuple(c) for c in r["counts"]),
                r["collection"],
                r["tax_group"],
                release,
            )
            for r in rows
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cache(
    release: str,
    collection: str | None,
    tax_group: tuple[str, ...] | None,
    profiles: tuple[MotifProfile, ...],
) -> None:
    from dnahlm.files import write_json_atomic

    rows = [
        {
            "id": p.motif_id,
            "name": p.name,
            "counts": p.counts,
            "collection": p.collection,
            "tax_group": p.tax_group,
        }
        for p in profiles
    ]
    with contextlib.suppress(OSError):  # a read-only home only costs the next process the slow path
        write_json_atomic(_cache_file(release, collection, tax_group), rows)


def _select(
    profiles: tuple[MotifProfile, ...],
    release: str,
    collection: str | None,
    tax_group: tuple[str, ...] | None,
    names: tuple[str, ...] | None,
) -> tuple[MotifProfile, ...]:
    if names:
        wanted = {n.lower() for n in names}
        missing = wanted - {p.name.lower() for p in profiles}
        if missing:
            raise UserInputError(
                f"no {collection or 'JASPAR'} profile named {', '.join(sorted(missing))} in {release}"
                f" (tax group {', '.join(tax_group) if tax_group else 'any'})"
            )
        profiles = tuple(p for p in profiles if p.name.lower() in wanted)
    if not profiles:
        raise UserInputError(
            f"no JASPAR profiles match collection={collection} tax_group={tax_group} in {release}"
        )
    return profiles


def background_from_gc(gc: float) -> Background:
    """Letter frequencies (A, C, G, T) with GC fraction ``gc``, kept within [0.01, 0.99] so no letter is 0.

    Example:
        >>> background_from_gc(0.6)
        (0.2, 0.3, 0.3, 0.2)
    """
    gc = min(max(float(gc), 0.01), 0.99)
    at = round((1.0 - gc) / 2, 6)
    cg = round(gc / 2, 6)
    return (at, cg, cg, at)


def as_background(background: Sequence[float] | float | None) -> Background:
    """Normalise a background: None -> uniform, a float -> GC fraction, four numbers -> frequencies.

    Example:
        >>> as_background([1, 1, 1, 1])
        (0.25, 0.25, 0.25, 0.25)
    """
    if background is None:
        return UNIFORM
    if isinstance(background, int | float):
        return background_from_gc(background)
    values = [float(v) for v in background]
    if len(values) != 4 or min(values) <= 0 or not all(math.isfinite(v) for v in values):
        raise ConfigError(f"background must be four positive frequencies (A, C, G, T), got {background!r}")
    total = sum(values)
    return tuple(v / total for v in values)  # type: ignore[return-value]


def pssm_matrix(
    profile: MotifProfile,
    *,
    pseudocounts: float | str = DEFAULT_PSEUDOCOUNTS,
    background: Sequence[float] | float | None = None,
) -> np.ndarray:
    """Log2-odds matrix ``(length, 4)`` of ``profile``, equal to Biopython's ``motif.pssm``.

    Biopython equivalent: ``motif.pseudocounts = {b: pc * bg[b]}; motif.background = bg; motif.pssm``.

    Args:
        profile: the counts.
        pseudocounts: total pseudocount per column (> 0), spread by the background, or ``"sqrt"``.
        background: see :func:`as_background`.

    Example:
        >>> w = pssm_matrix(load_profiles(ids=["MA0108"])[0])
        >>> w.shape
        (7, 4)
    """
    bg = np.asarray(as_background(background))
    counts = profile.matrix
    if pseudocounts == "sqrt":
        total = math.sqrt(counts.sum() / len(counts))
    elif isinstance(pseudocounts, int | float) and pseudocounts > 0:
        total = float(pseudocounts)
    else:
        raise ConfigError(f"pseudocounts must be a positive number or 'sqrt', got {pseudocounts!r}")
    freqs = counts + total * bg
    freqs /= freqs.sum(1, keepdims=True)
    return np.log2(freqs / bg)


@dataclass(frozen=True)
class ScoreTail:
    """Exact P(S >= s) of a PSSM rounded to a grid of ``step`` bits, for the score S of a background k-mer.

    ``grid`` is the rounded matrix in steps, ``(length, 4)``; ``tail[k]`` is the probability that a
    background k-mer's grid score is at least ``offset + k``. A site's p-value
    (:meth:`site_p_values`) uses the site's own grid score, so it is exact for the rounded matrix and
    every k-mer scoring at least as high counts; for a bare real score, :meth:`p_value` rounds the score.

    Example:
        >>> w = pssm_matrix(load_profiles(ids=["MA0108"])[0])
        >>> t = score_tail(w, UNIFORM)
        >>> float(t.site_p_values(w.argmax(1)[None])[0]) == 0.25**7  # only the consensus scores that high
        True
    """

    offset: int
    step: float
    grid: np.ndarray
    tail: np.ndarray

    def _lookup(self, grid_scores: np.ndarray) -> np.ndarray:
        k = np.clip(np.asarray(grid_scores, dtype=np.int64) - self.offset, 0, len(self.tail) - 1)
        return self.tail[k].astype(np.float64)

    def site_p_values(self, sites: np.ndarray) -> np.ndarray:
        """P-values of sites given as letter codes ``(n, length)`` (0..3 = ACGT, read on the site's strand)."""
        sites = np.asarray(sites, dtype=np.int64)
        return self._lookup(self.grid[np.arange(self.grid.shape[0]), sites].sum(1))

    def p_value(self, scores: np.ndarray | float) -> np.ndarray:
        """P(S >= score) for real scores (rounded to the grid: within ``length * step / 2`` bits)."""
        return self._lookup(np.floor(np.asarray(scores, dtype=np.float64) / self.step + 0.5))

    def threshold(self, p_value: float) -> float:
        """A score every site with p-value <= ``p_value`` reaches (``inf`` when no site is that rare).

        Rounding moves a score by at most ``length * step / 2``, so the bound is that much below the
        grid threshold; :meth:`site_p_values` then decides.
        """
        k = int(np.searchsorted(-self.tail, -p_value, side="left"))  # first k with tail[k] <= p_value
        if k >= len(self.tail):
            return math.inf
        return (k + self.offset - self.grid.shape[0] / 2) * self.step - 1e-6


def score_tail(
    pssm: np.ndarray, background: Sequence[float], resolution: float = DEFAULT_RESOLUTION
) -> ScoreTail:
    """Exact score distribution of ``pssm`` (rounded to ``resolution`` bits per column) under ``background``.

    Example:
        >>> t = score_tail(np.log2(np.full((3, 4), 0.25) / 0.25), UNIFORM)
        >>> float(t.p_value(0.0))
        1.0
    """
    bg = np.asarray(background, dtype=np.float64)
    grid = np.floor(pssm / resolution + 0.5).astype(np.int64)
    low = grid.min(1, keepdims=True)
    q = grid - low
    dist = np.ones(1)
    for col in q:  # the distribution of the sum grows by one column at a time: four shifted adds
        new = np.zeros(dist.size + int(col.max()))
        for b in range(4):
            new[col[b] : col[b] + dist.size] += dist * bg[b]
        dist = new
    tail = np.cumsum(dist[::-1])[::-1]
    grid.setflags(write=False)
    return ScoreTail(
        offset=int(low.sum()), step=resolution, grid=grid, tail=np.minimum(tail, 1.0).astype(np.float32)
    )


@dataclass(frozen=True)
class CompiledProfile:
    """A profile's PSSM, its extreme scores and its score distribution."""

    profile: MotifProfile
    pssm: np.ndarray
    min_score: float
    max_score: float
    tail: ScoreTail


@functools.lru_cache(maxsize=8192)
def compile_profile(
    profile: MotifProfile,
    pseudocounts: float | str = DEFAULT_PSEUDOCOUNTS,
    background: Background = UNIFORM,
    resolution: float = DEFAULT_RESOLUTION,
) -> CompiledProfile:
    """PSSM and score distribution of ``profile``, computed once per settings (in-memory cache only).

    Example:
        >>> c = compile_profile(load_profiles(ids=["MA0139"])[0])
        >>> round(c.max_score, 1) > 15
        True
    """
    pssm = pssm_matrix(profile, pseudocounts=pseudocounts, background=background)
    pssm.setflags(write=False)
    return CompiledProfile(
        profile=profile,
        pssm=pssm,
        min_score=float(pssm.min(1).sum()),
        max_score=float(pssm.max(1).sum()),
        tail=score_tail(pssm, background, resolution),
    )
