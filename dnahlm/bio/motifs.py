"""Transcription-factor motif scanning: all JASPAR profiles, both strands, as one convolution per length bucket.

A sequence is one-hot encoded and convolved with the stacked log-odds matrices of every profile and
of their reverse complements, ``(2P, 4, L)``, zero-padded to a common length ``L``. Because the one-hot
rows of A, C, G, T sum to 1, the A row is folded into a bias (``w.x = (w - w_A).x + sum(w_A)``), so
the input is ``(B, 3, T)`` (C, G, T indicators) and the weight ``(2P, 3, L)``: a quarter less work.
Output channel ``c`` at position ``i`` is the score of the window starting at ``i`` on the forward
strand (``c < P``) or the reverse strand (``c >= P``), with the same 0-based start as Biopython's
``PositionSpecificScoringMatrix.search``. Profiles are grouped into length buckets (``<= 9``,
``<= 11``, ..., ``<= 24``, longer, by default), one weight and one GEMM per bucket, because one weight
padded to the longest profile (33 bp in JASPAR2026) would triple the work for the typical 10 bp
profile; ``length_buckets=()`` gives the single padded weight. The convolution itself runs as im2col +
one GEMM (``torch.addmm``) by default, which beats oneDNN's ``conv1d`` for 3 input channels on CPU by
about 1.7x in our measurements; ``method="conv1d"`` uses ``torch.nn.functional.conv1d`` on the same
weight. Windows that run past the end or hold an N are never hits (their score is NaN in
:meth:`MotifScanner.scores`).

Long sequences are cut into chunks of ``max_positions`` window starts; each chunk carries the next
``L - 1`` letters, so every window is scored exactly once and memory stays bounded by ``memory_mb``.

Thresholds are per profile: a p-value from the exact score distribution (:mod:`dnahlm.bio.jaspar`)
and/or a relative score ``(score - min) / (max - min)``.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from dnahlm.bio.encoding import ONE_HOT, encode
from dnahlm.bio.jaspar import (
    DEFAULT_PSEUDOCOUNTS,
    DEFAULT_RESOLUTION,
    CompiledProfile,
    MotifProfile,
    as_background,
    compile_profile,
    load_profiles,
)
from dnahlm.bio.motif_hits import MotifHit, MotifTable
from dnahlm.errors import ConfigError, UserInputError
from dnahlm.sequences import normalize

# code -> (C, G, T) indicator row; A and N are all zeros (A is folded into the conv bias)
_ONE_HOT = torch.from_numpy(ONE_HOT[:, 1:].copy())


@dataclass
class _Encoded:
    """A normalised sequence as letter codes, with a prefix count of Ns (None when it has none)."""

    text: str
    codes: np.ndarray
    n_prefix: np.ndarray | None


@dataclass
class _Bucket:
    """Profiles of similar length sharing one conv weight ``(2n, 3, width)``: forward rows, then reverse."""

    index: np.ndarray  # profile indices in the scanner
    weight: torch.Tensor  # (2n, 3, width) conv1d weight
    bias: torch.Tensor  # (2n,)
    matrix: torch.Tensor  # (3 * width, 2n): the same weight for im2col + GEMM

    @property
    def width(self) -> int:
        return self.weight.shape[2]


class MotifScanner:
    """Scan DNA for all loaded profiles at once, on both strands.

    Args:
        profiles: JASPAR profiles (see :func:`load_profiles`).
        pseudocounts: total pseudocount per column (default 0.8, JASPAR's), or ``"sqrt"``.
        background: None (uniform), a GC fraction, or four frequencies (A, C, G, T).
        resolution: bits per step of the score grid behind p-values.
        length_buckets: upper length bounds of the conv weights; ``()`` gives one padded weight. The
            default cuts JASPAR2026's lengths (mostly 6 to 20 bp) so padding wastes little work.
        memory_mb: bound on the conv output of one call (sets the chunk size of long sequences).
        method: ``"gemm"`` (im2col + ``torch.addmm``, the default: about 1.7x faster on CPU) or
            ``"conv1d"`` (``torch.nn.functional.conv1d`` with the same weight); the scores are the same.

    Example:
        >>> scanner = MotifScanner.from_jaspar(ids=["MA0108", "MA0139"])
        >>> hits = scanner.scan("GGCGCTATAAAAGGCGCGCC" * 3 + "CCGCGCCCTCTGGTGGCC")
        >>> hits[0].name, hits[0].strand
        ('CTCF', -1)
    """

    def __init__(
        self,
        profiles: Sequence[MotifProfile],
        *,
        pseudocounts: float | str = DEFAULT_PSEUDOCOUNTS,
        background: Sequence[float] | float | None = None,
        resolution: float = DEFAULT_RESOLUTION,
        length_buckets: Sequence[int] = (9, 11, 13, 15, 17, 20, 24),
        memory_mb: float = 32,
        method: str = "gemm",
    ) -> None:
        if not profiles:
            raise UserInputError("no motif profiles to scan with")
        if method not in ("gemm", "conv1d"):
            raise ConfigError(f"method must be 'gemm' or 'conv1d', got {method!r}")
        if memory_mb <= 0:
            raise ConfigError(f"memory_mb must be positive, got {memory_mb}")
        self.background = as_background(background)
        self.pseudocounts = pseudocounts
        self.resolution = resolution
        self.length_buckets = tuple(sorted(length_buckets))
        self.memory_mb = memory_mb
        self.method = method
        self.compiled: tuple[CompiledProfile, ...] = tuple(
            compile_profile(p, pseudocounts, self.background, resolution) for p in profiles
        )
        self.profiles = tuple(profiles)
        self.lengths = np.array([p.length for p in profiles])
        self.min_scores = np.array([c.min_score for c in self.compiled])
        self.max_scores = np.array([c.max_score for c in self.compiled])
        self.max_length = int(self.lengths.max())
        self._buckets = self._stack()
        widest = max(len(b.index) for b in self._buckets)
        # conv output of one call: 2 strands x profiles x positions float32 (+ input and bookkeeping)
        self.max_positions = max(256, int(memory_mb * 2**20 / (8 * widest + 64)))
        self._thresholds: dict[tuple[float | None, float | None], np.ndarray] = {}
        self._local = threading.local()

    @classmethod
    def from_jaspar(
        cls,
        *,
        release: str | None = None,
        collection: str | None = "CORE",
        tax_group: str | Sequence[str] | None = "vertebrates",
        ids: Sequence[str] | None = None,
        names: Sequence[str] | None = None,
        pseudocounts: float | str = DEFAULT_PSEUDOCOUNTS,
        background: Sequence[float] | float | None = None,
        resolution: float = DEFAULT_RESOLUTION,
    ) -> MotifScanner:
        """A scanner over a JASPAR selection (see :func:`load_profiles`), built once per process and settings.

        Example:
            >>> MotifScanner.from_jaspar(names=["TBP"]).profiles[0].motif_id
            'MA0108.3'
        """

        def key(value):
            return None if value is None else (value,) if isinstance(value, str) else tuple(value)

        return _cached_scanner(
            release, collection, key(tax_group), key(ids), key(names), pseudocounts,
            as_background(background), resolution,
        )  # fmt: skip

    def subset(self, names: Iterable[str]) -> MotifScanner:
        """A scanner over the profiles whose TF name or matrix id (with or without version) is in ``names``.

        Names are case-insensitive. Raises :class:`UserInputError` for a name that matches no profile.

        Example:
            >>> MotifScanner.from_jaspar(ids=["MA0108", "MA0139"]).subset(["ctcf"]).profiles[0].name
            'CTCF'
        """
        asked = {n.strip().lower(): n.strip() for n in names}
        wanted = set(asked)
        keep, found = [], set()
        for p in self.profiles:
            keys = {p.name.lower(), p.motif_id.lower(), p.motif_id.split(".")[0].lower()}
            if keys & wanted:
                keep.append(p)
                found |= keys & wanted
        if wanted - found:
            examples = ", ".join(sorted({p.name for p in self.profiles})[:8])
            raise UserInputError(
                f"no motif profile named {', '.join(sorted(asked[n] for n in wanted - found))} among {len(self.profiles)} "
                f"profiles (names such as {examples}; matrix ids such as {self.profiles[0].motif_id})"
            )
        return MotifScanner(
            keep,
            pseudocounts=self.pseudocounts,
            background=self.background,
            resolution=self.resolution,
            length_buckets=self.length_buckets,
            memory_mb=self.memory_mb,
            method=self.method,
        )

    def with_background(self, background: Sequence[float] | float | None) -> MotifScanner:
        """The same profiles scored against another background, e.g. the GC fraction of the query.

        Example:
            >>> from dnahlm.sequences import gc_content
            >>> seq = "GCGCTATAAAAGGCGCGC"
            >>> scanner = MotifScanner.from_jaspar(ids=["MA0108"]).with_background(gc_content(seq))
            >>> [round(b, 2) for b in scanner.background]
            [0.19, 0.31, 0.31, 0.19]
        """
        return MotifScanner(
            self.profiles,
            pseudocounts=self.pseudocounts,
            background=background,
            resolution=self.resolution,
            length_buckets=self.length_buckets,
            memory_mb=self.memory_mb,
            method=self.method,
        )

    def _stack(self) -> list[_Bucket]:
        edges = [e for e in self.length_buckets if e < self.max_length] + [self.max_length]
        buckets, low = [], 0
        for high in edges:
            index = np.flatnonzero((self.lengths > low) & (self.lengths <= high))
            low = high
            if index.size == 0:
                continue
            width = int(self.lengths[index].max())
            weight = np.zeros((2 * index.size, 3, width), dtype=np.float32)
            bias = np.zeros(2 * index.size, dtype=np.float32)
            for row, i in enumerate(index):
                fwd = self.compiled[i].pssm  # (L, 4)
                for r, w in ((row, fwd), (index.size + row, fwd[::-1, ::-1])):  # reverse complement
                    # one-hot rows sum to 1 outside N, so w.x = (w - w_A).x + sum(w_A): 3 channels, not 4
                    weight[r, :, : w.shape[0]] = (w[:, 1:] - w[:, :1]).T
                    bias[r] = w[:, 0].sum()
            matrix = torch.from_numpy(weight.reshape(len(weight), -1).T.copy())
            buckets.append(_Bucket(index, torch.from_numpy(weight), torch.from_numpy(bias), matrix))
        return buckets

    def threshold(self, p_value: float | None = 1e-4, rel_score: float | None = None) -> np.ndarray:
        """Per-profile score cuts: a hit needs p <= ``p_value`` and relative score >= ``rel_score``.

        The p-value cut is a lower bound on the score of any site with p <= ``p_value`` (see
        :meth:`ScoreTail.threshold`); the exact p-value of each site above it decides.

        Example:
            >>> MotifScanner.from_jaspar(ids=["MA0108"]).threshold(1e-4).round(1).tolist()
            [11.0]
        """
        if p_value is None and rel_score is None:
            raise ConfigError("give a p-value threshold, a relative-score threshold, or both")
        if p_value is not None and not 0 < p_value <= 1:
            raise ConfigError(f"p_value must be in (0, 1], got {p_value}")
        if rel_score is not None and not 0 <= rel_score <= 1:
            raise ConfigError(f"rel_score must be in [0, 1], got {rel_score}")
        key = (p_value, rel_score)
        if key not in self._thresholds:
            thr = np.full(len(self.profiles), -math.inf)
            if p_value is not None:
                thr = np.array([c.tail.threshold(p_value) for c in self.compiled])
            if rel_score is not None:
                thr = np.maximum(thr, self.min_scores + rel_score * (self.max_scores - self.min_scores))
            self._thresholds[key] = thr
        return self._thresholds[key]

    def _site_p_values(self, seqs: Sequence[_Encoded], hits: dict[str, np.ndarray]) -> np.ndarray:
        """Exact p-value of each hit from its own letters (see :meth:`ScoreTail.site_p_values`)."""
        codes = np.concatenate([e.codes for e in seqs]).astype(np.int64)
        base = np.concatenate([[0], np.cumsum([len(e.codes) for e in seqs])[:-1]])
        first = base[hits["seq"]] + hits["start"]
        out = np.empty(len(first))
        for p in np.unique(hits["profile"]):
            sel = np.flatnonzero(hits["profile"] == p)
            sites = codes[first[sel, None] + np.arange(self.lengths[p])]
            minus = hits["strand"][sel] < 0
            sites[minus] = 3 - sites[minus, ::-1]  # read the reverse strand's site 5' to 3'
            out[sel] = self.compiled[p].tail.site_p_values(sites)
        return out

    # ---------------------------------------------------------------- encoding and convolution

    @staticmethod
    def _encode(sequence: str, record_id: str) -> _Encoded:
        text = normalize(sequence, record_id=record_id)
        if not text:
            raise UserInputError(f"{record_id}: empty sequence; give at least one letter of ACGTN")
        codes = encode(text)
        is_n = codes == 4
        prefix = np.concatenate([[0], np.cumsum(is_n, dtype=np.int64)]) if is_n.any() else None
        return _Encoded(text, codes, prefix)

    def _batches(
        self, seqs: Sequence[_Encoded]
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, torch.Tensor]]:
        """Yield ``(seq index, offset, length)`` per row and the C/G/T batch ``(B, 3, T + max_length - 1)``."""
        chunk = self.max_positions
        pieces = [
            (s, off, min(chunk, len(e.codes) - off))
            for s, e in enumerate(seqs)
            for off in range(0, len(e.codes), chunk)
        ]
        pieces.sort(key=lambda p: -p[2])
        pad = self.max_length - 1
        i = 0
        while i < len(pieces):
            longest = pieces[i][2]
            rows = max(1, self.max_positions // longest)
            batch = pieces[i : i + rows]
            i += len(batch)
            codes = np.full((len(batch), longest + pad), 4, dtype=np.uint8)
            for r, (s, off, n) in enumerate(batch):
                part = seqs[s].codes[off : off + n + pad]
                codes[r, : len(part)] = part
            x = F.embedding(torch.from_numpy(codes).long(), _ONE_HOT)  # (B, T + max_length - 1, 3)
            meta = np.array(batch, dtype=np.int64).reshape(-1, 3)
            yield meta[:, 0], meta[:, 1], meta[:, 2], x

    def _conv(self, bucket: _Bucket, x: torch.Tensor, positions: int) -> torch.Tensor:
        """Scores ``(B, positions, 2n)`` of one bucket for the batch ``x`` ``(B, T, 3)``."""
        x = x[:, : positions + bucket.width - 1]
        with torch.inference_mode():
            if self.method == "conv1d":
                return F.conv1d(x.transpose(1, 2).contiguous(), bucket.weight, bucket.bias).transpose(1, 2)
            # im2col + one GEMM: the same convolution, and faster than oneDNN's conv1d for 3 input channels
            windows = x.unfold(1, bucket.width, 1).reshape(-1, 3 * bucket.width)  # (B * positions, 3 * width)
            shape = (windows.shape[0], bucket.matrix.shape[1])
            # one output buffer per thread, reused: a fresh 100 MB tensor per call costs page faults
            buffer = getattr(self._local, "buffer", None)
            if buffer is None or buffer.numel() < shape[0] * shape[1]:
                buffer = self._local.buffer = torch.empty(shape[0] * shape[1])
            out = buffer[: shape[0] * shape[1]].view(shape)
            return torch.addmm(bucket.bias, windows, bucket.matrix, out=out).view(x.shape[0], positions, -1)

    def _valid(
        self, seqs: Sequence[_Encoded], seq: np.ndarray, start: np.ndarray, length: np.ndarray
    ) -> np.ndarray:
        """Windows inside their sequence and free of N."""
        ok = np.ones(len(seq), dtype=bool)
        for s in np.unique(seq):
            sel = np.flatnonzero(seq == s)
            end = start[sel] + length[sel]
            inside = end <= len(seqs[s].codes)
            prefix = seqs[s].n_prefix
            if prefix is not None:
                e = np.minimum(end, len(seqs[s].codes))
                inside &= prefix[e] == prefix[start[sel]]
            ok[sel] = inside
        return ok

    # ---------------------------------------------------------------- public scanning

    def scores(self, sequence: str, *, record_id: str = "sequence") -> np.ndarray:
        """All window scores as ``(2, P, n)`` float32: strand (+, -), profile, 0-based start; NaN if invalid.

        Meant for inspection and tests: it holds ``8 * P * n`` bytes. Row ``[0, p]`` equals Biopython's
        ``pssm.calculate(sequence)`` and ``[1, p]`` ``pssm.reverse_complement().calculate(sequence)``.

        Example:
            >>> MotifScanner.from_jaspar(ids=["MA0108"]).scores("TATAAAAGGGGGGGGGG").shape
            (2, 1, 17)
        """
        enc = self._encode(sequence, record_id)
        n, P = len(enc.codes), len(self.profiles)
        out = np.full((2, P, n), np.nan, dtype=np.float32)
        for _, offset, length, x in self._batches([enc]):
            for bucket in self._buckets:
                y = self._conv(bucket, x, int(length.max())).numpy()  # (B, T, 2k)
                k = len(bucket.index)
                for r in range(len(offset)):
                    o, m = int(offset[r]), int(length[r])
                    out[0, bucket.index, o : o + m] = y[r, :m, :k].T
                    out[1, bucket.index, o : o + m] = y[r, :m, k:].T
        starts = np.arange(n)
        for p in range(P):
            valid = self._valid([enc], np.zeros(n, dtype=np.int64), starts, np.full(n, self.lengths[p]))
            out[:, p, ~valid] = np.nan
        return out

    def _hit_arrays(self, seqs: Sequence[_Encoded], thr: np.ndarray) -> dict[str, np.ndarray]:
        cols: dict[str, list[np.ndarray]] = defaultdict(list)
        for seq, offset, length, x in self._batches(seqs):
            for bucket in self._buckets:
                k = len(bucket.index)
                bthr = torch.from_numpy(np.tile(thr[bucket.index], 2).astype(np.float32))
                y = self._conv(bucket, x, int(length.max()))
                rows, chans = torch.nonzero(y.amax(1) >= bthr, as_tuple=True)  # (row, channel) with a hit
                sub = y[rows, :, chans]  # (hits, T)
                if rows.numel() == 0:
                    continue
                which, pos = torch.nonzero(sub >= bthr[chans][:, None], as_tuple=True)
                score = sub[which, pos].numpy()
                r, c, t = rows[which].numpy(), chans[which].numpy(), pos.numpy()
                keep = t < length[r]
                cols["seq"].append(seq[r][keep])
                cols["start"].append((offset[r] + t)[keep])
                cols["profile"].append(bucket.index[c % k][keep])
                cols["strand"].append(np.where(c < k, 1, -1)[keep])
                cols["score"].append(score[keep])
        if not cols:
            return {k: np.empty(0, dtype=np.int64) for k in ("seq", "start", "profile", "strand", "score")}
        out = {k: np.concatenate(v) for k, v in cols.items()}
        ok = self._valid(seqs, out["seq"], out["start"], self.lengths[out["profile"]])
        return {k: v[ok] for k, v in out.items()}

    def scan_table(
        self,
        sequences: Sequence[str],
        *,
        p_value: float | None = 1e-4,
        rel_score: float | None = None,
    ) -> MotifTable:
        """Every hit in ``sequences`` as columns (no per-hit objects): the fast path for bulk scans.

        Rows are sorted by sequence, then best p-value first (ties: higher score, then position, then
        strand), exactly the order of :meth:`scan_many`. Arguments and errors as in :meth:`scan_many`.

        Example:
            >>> table = MotifScanner.from_jaspar(ids=["MA0108"]).scan_table(["GCTATAAAAGGCGC", "GGGG"],
            ...                                                            rel_score=0.9, p_value=None)
            >>> len(table), table.start.tolist(), table.rows_of(1)
            (1, [2], range(1, 1))
        """
        thr = self.threshold(p_value, rel_score)
        seqs = [
            self._encode(s, f"sequence[{i}]" if len(sequences) > 1 else "sequence")
            for i, s in enumerate(sequences)
        ]
        h = self._hit_arrays(seqs, thr)
        h["profile"] = h["profile"].astype(np.int64)
        pv = self._site_p_values(seqs, h)
        score = h["score"].astype(np.float64)
        if p_value is not None:  # the score cut lets through sites up to one rounding error short
            keep = pv <= p_value
            h = {k: v[keep] for k, v in h.items()}
            score, pv = score[keep], pv[keep]
        order = np.lexsort((h["strand"], h["start"], -score, pv, h["seq"]))
        profile = h["profile"][order]
        score = score[order]
        span = self.max_scores[profile] - self.min_scores[profile]
        return MotifTable(
            seq=h["seq"][order].astype(np.int64),
            start=h["start"][order].astype(np.int64),
            strand=h["strand"][order].astype(np.int64),
            profile=profile,
            score=score,
            rel_score=np.clip((score - self.min_scores[profile]) / span, 0.0, 1.0),
            p_value=pv[order],
            profiles=self.profiles,
            texts=tuple(e.text for e in seqs),
        )

    def scan_many(
        self,
        sequences: Sequence[str],
        *,
        p_value: float | None = 1e-4,
        rel_score: float | None = None,
        top: int | None = None,
    ) -> list[list[MotifHit]]:
        """Hits in each sequence, best p-value first (ties: higher score, then position).

        For many sequences and all profiles, :meth:`scan_table` is faster: it builds no per-hit objects.

        Args:
            sequences: DNA (ACGTN, any case; whitespace ignored).
            p_value: keep hits with p <= this (None: no p-value threshold).
            rel_score: keep hits with relative score >= this (None: no such threshold).
            top: keep at most this many hits per sequence.

        Raises:
            InvalidSequenceError: a letter outside ACGTN (names ``sequence[i]`` and the 1-based position).
            UserInputError: an empty sequence.

        Example:
            >>> scanner = MotifScanner.from_jaspar(ids=["MA0108"])
            >>> [len(h) for h in scanner.scan_many(["GCTATAAAAGGCGC", "GGGGCCCC"], rel_score=0.9, p_value=None)]
            [1, 0]
        """
        return self.scan_table(sequences, p_value=p_value, rel_score=rel_score).hits(top=top)

    def scan(
        self,
        sequence: str,
        *,
        p_value: float | None = 1e-4,
        rel_score: float | None = None,
        top: int | None = None,
    ) -> list[MotifHit]:
        """Hits in one sequence, best p-value first; see :meth:`scan_many`.

        Example:
            >>> hit = MotifScanner.from_jaspar(ids=["MA0108"]).scan("GCGCTATAAAAGGCGCGC")[0]
            >>> hit.start, hit.end, hit.strand, hit.matched
            (4, 11, 1, 'TATAAAA')
        """
        return self.scan_many([sequence], p_value=p_value, rel_score=rel_score, top=top)[0]


@functools.lru_cache(maxsize=8)
def _cached_scanner(
    release, collection, tax_group, ids, names, pseudocounts, background, resolution
) -> MotifScanner:
    profiles = load_profiles(
        release=release, collection=collection, tax_group=tax_group, ids=ids, names=names
    )
    return MotifScanner(profiles, pseudocounts=pseudocounts, background=background, resolution=resolution)
