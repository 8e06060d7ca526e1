"""Which labelled rows a checkpoint was tuned on, so that calibration can stay off them.

A model scores the rows it was tuned on better than rows it has never seen, so a combination fitted on
tuning rows trusts the model more than it should. Instruction tuning and head training draw their examples
with seeded samplers; when they save, the sequences they drew are recorded as 32-bit hashes in
``tuned_rows.json``: in the checkpoint folder for instruction tuning, in ``heads/<task>/`` for a head.
``fused`` then calibrates on pool rows the checkpoint never saw when a pool has enough of them
(:mod:`dnahlm.retrieval.predictor`). A checkpoint without the file (e.g. published weights) is simply
treated as having seen none of the pool.

The file is JSON: ``{"format": 1, "hash": "blake2b-32", "count": N, "rows": "<base64 of N sorted
little-endian uint32>"}``. Two different sequences share a hash with probability about N / 2**32, which at
worst keeps an unseen row out of calibration.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from dnahlm.errors import ConfigError
from dnahlm.files import write_json_atomic

FILE = "tuned_rows.json"
FORMAT = 1


def row_hashes(sequences: Iterable[str]) -> np.ndarray:
    """The 32-bit hash (blake2b, upper-cased sequence) of each sequence, as uint32."""
    return np.array(
        [
            int.from_bytes(hashlib.blake2b(s.upper().encode(), digest_size=4).digest(), "little")
            for s in sequences
        ],
        dtype=np.uint32,
    )


def write_tuned_rows(folder: str | Path, sequences: Iterable[str]) -> Path:
    """Record (atomically) the distinct sequences a training run drew, in ``folder/tuned_rows.json``."""
    rows = np.unique(row_hashes(sequences)).astype("<u4")
    path = Path(folder) / FILE
    write_json_atomic(
        path,
        {
            "format": FORMAT,
            "hash": "blake2b-32",
            "count": len(rows),
            "rows": base64.b64encode(rows.tobytes()).decode("ascii"),
        },
    )
    return path


def read_tuned_rows(folder: str | Path) -> np.ndarray | None:
    """The sorted hashes recorded in ``folder/tuned_rows.json``; None when the folder has no record.

    Raises:
        ConfigError: the file exists but cannot be read (names the file).
    """
    path = Path(folder) / FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
        rows = np.frombuffer(base64.b64decode(data["rows"], validate=True), dtype="<u4")
        if len(rows) != data["count"]:
            raise ValueError(f"{len(rows)} hashes, the header says {data['count']}")
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ConfigError(f"{path}: unreadable record of tuning rows ({e})") from None
    return rows.astype(np.uint32)


def untuned(sequences: Iterable[str], *records: np.ndarray | None) -> np.ndarray | None:
    """Indices of ``sequences`` in none of the ``records``; None when there is no record at all."""
    present = [r for r in records if r is not None]
    if not present:
        return None
    seen = np.concatenate(present)
    return np.flatnonzero(~np.isin(row_hashes(sequences), seen))


def untuned_for_task(checkpoint: str | Path, task_name: str, sequences: Iterable[str]) -> np.ndarray | None:
    """Indices of ``sequences`` that neither the checkpoint's instruction tuning nor its head for
    ``task_name`` (``heads/<task>/``) drew; None when the checkpoint keeps no record of either."""
    folder = Path(checkpoint)
    return untuned(sequences, read_tuned_rows(folder), read_tuned_rows(folder / "heads" / task_name))
