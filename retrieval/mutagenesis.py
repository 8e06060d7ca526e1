"""In-silico saturation mutagenesis: which bases of a sequence drive a predicted class.

Every base of the sequence is changed in turn to each of the three other bases (``3 x L`` single-base
variants); each variant is scored together with the unchanged reference, and the result is the change in
the predicted probability of one class, ``P(class | variant) - P(class | reference)``. A large drop where a
base is changed means the model relies on that base for the class. This is the perturbation form of
attribution used for sequence models such as DeepSEA and Basset (Zhou & Troyanskaya 2015; Kelley et al.
2016), here over any predictor: :func:`mutagenesis` takes a ``probs`` function that maps a list of
sequences to their class probabilities, so it works with every method of
:class:`dnahlm.retrieval.predictor.FewShotPredictor` or with any other model.

Positions holding ``N`` are skipped: there is no reference base to change, and filling in an unknown base
says nothing about the bases that are there. They stay in the sequence as they are (the model sees them in
every variant), their deltas are all null, and :attr:`Mutagenesis.skipped` lists them. IUPAC ambiguity
codes are rejected, as for the other calculations that need exact bases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field, computed_field

from dnahlm.errors import ConfigError, UserInputError
from dnahlm.sequences import normalize

BASES = "ACGT"
"""Order of the four delta columns."""
MAX_LENGTH = 2_000
"""Longest sequence :func:`mutagenesis` accepts (3 x 2,000 = 6,000 variants to score)."""
DEFAULT_BATCH = 256
"""Sequences handed to ``probs`` at a time."""

Probs = Callable[[Sequence[str]], np.ndarray]
"""Class probabilities (N, C) for a list of N sequences."""


class PositionEffect(BaseModel):
    """How much one position matters: its strongest substitution and the mean over the three."""

    position: int = Field(description="1-based position in the sequence.")
    base: str = Field(description="The reference base there.")
    alternative: str = Field(description="The substitution with the largest |delta|.")
    delta: float = Field(description="Change in the class probability for that substitution.")
    mean_delta: float = Field(description="Mean change over the three substitutions.")


class Mutagenesis(BaseModel):
    """Result of :func:`mutagenesis`: per position, the probability change for each of A, C, G, T.

    ``deltas[i]`` is ``[A, C, G, T]`` for position ``i + 1``: ``P(label | sequence with that base at
    i + 1) - reference``; null for the reference base itself and for every base at a skipped (``N``)
    position.
    """

    sequence: str = Field(description="The normalised sequence (upper case ACGTN).")
    label: str = Field(description="Name of the class whose probability is reported.")
    column: int = Field(description="Column of that class in the predictor's probabilities.")
    reference: float = Field(description="Probability of the class for the unchanged sequence.")
    deltas: list[list[float | None]] = Field(description="Per position, the change for A, C, G, T.")
    skipped: list[int] = Field(default_factory=list, description="1-based positions left out (N).")

    @computed_field
    @property
    def variants(self) -> int:
        """Single-base variants scored (three per position that is not ``N``)."""
        return 3 * (len(self.sequence) - len(self.skipped))

    def matrix(self) -> np.ndarray:
        """The deltas as an (L, 4) float array, columns A, C, G, T; NaN where a delta is null."""
        return np.array(
            [[np.nan if d is None else d for d in row] for row in self.deltas], dtype=np.float64
        ).reshape(len(self.deltas), 4)

    def summary(self, how: Literal["max_abs", "mean"] = "max_abs") -> list[float | None]:
        """One number per position: the largest |delta| over its three substitutions (``max_abs``), or
        their mean signed delta (``mean``: negative where changing the base lowers the class); None at
        skipped positions."""
        if how not in ("max_abs", "mean"):
            raise ConfigError(f"unknown summary {how!r}; choose 'max_abs' or 'mean'")
        m = self.matrix()
        out: list[float | None] = []
        for row in m:
            alt = row[~np.isnan(row)]
            if alt.size == 0:
                out.append(None)
            else:
                out.append(float(np.abs(alt).max() if how == "max_abs" else alt.mean()))
        return out

    def effect(self, position: int) -> PositionEffect | None:
        """The effect at a 1-based position (None when it was skipped)."""
        if not 1 <= position <= len(self.sequence):
            raise UserInputError(f"position {position} is outside the sequence (1..{len(self.sequence)})")
        return self._effect(self.matrix()[position - 1], position)

    def _effect(self, row: np.ndarray, position: int) -> PositionEffect | None:
        if np.isnan(row).all():
            return None
        j = int(np.nanargmax(np.abs(row)))
        return PositionEffect(
            position=position,
            base=self.sequence[position - 1],
            alternative=BASES[j],
            delta=float(row[j]),
            mean_delta=float(np.nanmean(row)),
        )

    def top(self, k: int = 10) -> list[PositionEffect]:
        """The ``k`` positions whose strongest substitution changes the probability most (largest |delta|
        first; ties, to 12 decimals so that rounding noise does not reorder equal effects, by position)."""
        scores = [(-round(s, 12), i) for i, s in enumerate(self.summary("max_abs")) if s is not None]
        m = self.matrix()
        return [self._effect(m[i], i + 1) for _, i in sorted(scores)[: max(k, 0)]]


def mutagenesis(
    sequence: str,
    probs: Probs,
    column: int,
    *,
    labels: Sequence[str] | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> Mutagenesis:
    """Change in the probability of class ``column`` for every single-base substitution of ``sequence``.

    Args:
        sequence: DNA, any case, whitespace ignored; ACGTN only, at most :data:`MAX_LENGTH` bases. ``N``
            positions are not mutated (see the module docstring).
        probs: maps a list of sequences to an (N, C) array of class probabilities, one row per sequence.
        column: the class whose probability is followed (a column of that array).
        labels: class names in column order (``task.label_names``); without them the class is named
            ``"class <column>"``.
        batch_size: sequences per call of ``probs`` (the reference and the ``3 x L`` variants).
        progress: called as ``progress(done, total)`` after each batch.

    Returns:
        The reference probability and an (L, 4) table of deltas, with helpers for the per-position summary
        and the most important positions.

    Raises:
        InvalidSequenceError: a letter other than ACGTN (with its position).
        UserInputError: an empty sequence, one longer than :data:`MAX_LENGTH`, or a column or batch size
            out of range.
        ConfigError: ``probs`` returned an array of the wrong shape.

    Example:
        >>> import numpy as np
        >>> def gc_probs(seqs):  # P(gc-rich) = GC fraction, a stand-in for a real predictor
        ...     gc = np.array([(s.count("G") + s.count("C")) / len(s) for s in seqs])
        ...     return np.stack([1 - gc, gc], axis=1)
        >>> result = mutagenesis("ATGC", gc_probs, 1, labels=["at-rich", "gc-rich"])
        >>> result.label, result.reference
        ('gc-rich', 0.5)
        >>> result.deltas[0]  # A at position 1 -> C or G adds a quarter, T changes nothing
        [None, 0.25, 0.25, 0.0]
        >>> [(e.position, e.base, e.alternative, e.delta) for e in result.top(2)]
        [(1, 'A', 'C', 0.25), (2, 'T', 'C', 0.25)]

        With a predictor: ``mutagenesis(seq, lambda s: predictor.method_probs(s, ["knn"])[0]["knn"], 1,
        labels=predictor.task.label_names)``.
    """
    seq = normalize(sequence, record_id="mutagenesis sequence")
    if not seq:
        raise UserInputError("mutagenesis: the sequence is empty; give at least one base (ACGT)")
    if len(seq) > MAX_LENGTH:
        raise UserInputError(
            f"mutagenesis: the sequence has {len(seq):,} bases; at most {MAX_LENGTH:,} are allowed "
            f"({3 * MAX_LENGTH:,} variants to score): cut out the region of interest"
        )
    if batch_size < 1:
        raise UserInputError(f"mutagenesis: batch_size must be at least 1, got {batch_size}")
    if labels is not None and not 0 <= column < len(labels):
        raise UserInputError(f"mutagenesis: column {column} is not a class; choose 0..{len(labels) - 1}")

    skipped = [i + 1 for i, b in enumerate(seq) if b == "N"]
    if len(skipped) == len(seq):
        raise UserInputError("mutagenesis: the sequence is all N; there is no base to mutate")
    sites = [(i, alt) for i, b in enumerate(seq) if b != "N" for alt in BASES if alt != b]
    batch = [seq] + [seq[:i] + alt + seq[i + 1 :] for i, alt in sites]
    scores = np.empty(len(batch), dtype=np.float64)
    n_classes: int | None = None
    for start in range(0, len(batch), batch_size):
        chunk = batch[start : start + batch_size]
        p = np.asarray(probs(chunk), dtype=np.float64)
        if p.ndim != 2 or p.shape[0] != len(chunk) or (n_classes is not None and p.shape[1] != n_classes):
            raise ConfigError(
                f"mutagenesis: probs returned shape {p.shape} for {len(chunk)} sequences; "
                f"it must return one row of class probabilities per sequence, ({len(chunk)}, C)"
            )
        if n_classes is None:
            n_classes = p.shape[1]
            if not 0 <= column < n_classes:
                raise UserInputError(
                    f"mutagenesis: column {column} is not a class; choose 0..{n_classes - 1}"
                )
            if labels is not None and len(labels) != n_classes:
                raise ConfigError(
                    f"mutagenesis: {len(labels)} labels given for {n_classes} classes of probabilities"
                )
        scores[start : start + len(chunk)] = p[:, column]
        if progress is not None:
            progress(start + len(chunk), len(batch))

    reference = float(scores[0])
    deltas: list[list[float | None]] = [[None] * 4 for _ in seq]
    for (i, alt), score in zip(sites, scores[1:], strict=True):
        deltas[i][BASES.index(alt)] = float(score) - reference
    name = labels[column] if labels is not None else f"class {column}"
    return Mutagenesis(
        sequence=seq, label=name, column=column, reference=reference, deltas=deltas, skipped=skipped
    )
