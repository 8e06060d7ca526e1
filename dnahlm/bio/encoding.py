"""The one DNA letter code of the package: A, C, G, T -> 0, 1, 2, 3; anything else (N, IUPAC, text) -> 4.

Every numpy or torch consumer of DNA (sequence statistics and ORFs, the motif scanner, the motif CNN,
k-mer embeddings, the pretraining corpus filter) encodes with :data:`CODES` or a table derived from it
by :func:`code_table`, so the letters and their numbers cannot drift apart. Lower-case letters get the
same codes as upper-case ones. With codes ``0..3`` the complement of a base is ``3 - code``
(:data:`COMPLEMENT` also keeps 4 at 4) and a 2-bit k-mer code is ``code & 3``.

Example:
    >>> encode("ACGTNacgt").tolist()
    [0, 1, 2, 3, 4, 0, 1, 2, 3]
    >>> COMPLEMENT[encode("ACGTN")][::-1].tolist()  # the reverse complement, as codes
    [4, 0, 1, 2, 3]
"""

from __future__ import annotations

import numpy as np

BASES = "ACGT"
UNKNOWN = 4
"""The code of every byte that is not A, C, G or T (either case)."""


def code_table(unknown: int = UNKNOWN, *, lower_case: bool = True) -> np.ndarray:
    """A byte -> code table ``(256,)`` uint8: A, C, G, T -> 0..3, every other byte -> ``unknown``.

    Args:
        unknown: the code of bytes that are not A, C, G, T (4 for :data:`CODES`; 255 in the corpus filter).
        lower_case: also give a, c, g, t their codes (False: they get ``unknown``).

    Example:
        >>> code_table(255, lower_case=False)[np.frombuffer(b"ACgN", dtype=np.uint8)].tolist()
        [0, 1, 255, 255]
    """
    table = np.full(256, unknown, dtype=np.uint8)
    for i, b in enumerate(BASES.encode("ascii")):
        table[b] = i
        if lower_case:
            table[b + 32] = i
    table.flags.writeable = False
    return table


CODES = code_table()
"""The table: byte -> 0..3 for A, C, G, T (and a, c, g, t), 4 for everything else; read-only."""
COMPLEMENT = np.array([3, 2, 1, 0, UNKNOWN], dtype=np.uint8)
"""Code -> code of the complementary base (A<->T, C<->G, 4 stays 4); index it with codes."""
ONE_HOT = np.concatenate([np.eye(4, dtype=np.float32), np.zeros((1, 4), dtype=np.float32)])
"""Code -> one-hot row ``(5, 4)`` float32 over A, C, G, T; code 4 (N) is all zeros."""
ONE_HOT.flags.writeable = False
COMPLEMENT.flags.writeable = False


def encode(sequence: str, table: np.ndarray = CODES, *, errors: str = "replace") -> np.ndarray:
    """Letter codes of ``sequence`` as a uint8 array of its length (a new, writable array).

    Args:
        sequence: text; bytes other than A, C, G, T get the table's unknown code.
        table: :data:`CODES` or a table from :func:`code_table`.
        errors: how a non-ASCII character is encoded: "replace" (one "?" each, so an unknown code and the
            length kept) or "strict" (UnicodeEncodeError).

    Example:
        >>> encode("GATTACA").tolist()
        [2, 0, 3, 3, 0, 1, 0]
    """
    return table[np.frombuffer(sequence.encode("ascii", errors), dtype=np.uint8)]
