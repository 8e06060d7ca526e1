"""Write ``heads/<task>/calibration.json`` for a checkpoint's classification heads: what a prediction made
with a head alone rests on (:mod:`dnahlm.retrieval.trust`).

- ``domain``: a summary (length, GC span, low complexity; :mod:`dnahlm.domain`) of the labelled pool the
  head was tuned on, so a query unlike anything it learned from is no call. It holds no sequence.
- ``held_out``: the head scored on pool rows it was never tuned on (``tuned_rows.json``, :mod:`dnahlm.tuned`),
  up to ``--rows`` of them, stratified: held-out MCC and accuracy, the calibration error before and after a
  fitted temperature, the conformal scores behind prediction sets, and how high rows without the positive
  label score (for best-of-windows answers).

Usage:
    python scripts/head_calibration.py --data ../shared/data --checkpoint dnahlm/checkpoints/dnahlm-tiny

The pool of task ``t`` is ``DATA/gue/t/train.csv`` (``dev.csv`` where GUE has no train split).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from dnahlm.domain import Domain
from dnahlm.files import write_json_atomic
from dnahlm.heads import classify_probs, list_heads, load_classifier
from dnahlm.retrieval.calibration import judge
from dnahlm.tasks import get_task, positive_label, read_pool
from dnahlm.train.pipeline import pool_file
from dnahlm.tuned import untuned_for_task

MIN_ROWS = 100
"""Fewer untuned rows than this: no held-out record (the card's validation figure is reported instead)."""


def pool(data: Path, task: str) -> tuple[list[str], np.ndarray, Path]:
    """The task's GUE pool (:func:`dnahlm.train.pipeline.pool_file`), read by :func:`dnahlm.tasks.read_pool`."""
    path = pool_file(data, task)
    rows = read_pool(path, get_task(data / "gue" / "tasks.json", task))
    return [e.sequence for e in rows], np.array([e.label for e in rows]), path


def stratified(labels: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Up to ``n`` row indices, each label in proportion (seeded)."""
    rng = np.random.default_rng(seed)
    if len(labels) <= n:
        return np.arange(len(labels))
    picked = []
    for value in np.unique(labels):
        rows = np.flatnonzero(labels == value)
        take = max(1, round(n * len(rows) / len(labels)))
        picked.append(rng.choice(rows, size=min(take, len(rows)), replace=False))
    return np.sort(np.concatenate(picked))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="the shared data folder (holds gue/)")
    ap.add_argument("--checkpoint", type=Path, required=True, help="checkpoint folder with heads/")
    ap.add_argument("--rows", type=int, default=1000, help="untuned pool rows scored per head")
    args = ap.parse_args()
    for name in list_heads(args.checkpoint):
        seqs, labels, path = pool(args.data, name)
        domain = Domain.from_sequences(seqs, source=f"GUE {name} pool ({path.name}, {len(seqs):,} rows)")
        record: dict = {"format": 1, "domain": domain.to_json(), "held_out": None}
        model, tokenizer, task = load_classifier(args.checkpoint, name, device="cpu")
        fresh = untuned_for_task(args.checkpoint, name, seqs)
        fresh = np.arange(len(seqs)) if fresh is None else fresh
        if len(fresh) >= MIN_ROWS:
            rows = fresh[stratified(labels[fresh], args.rows)]
            probs = classify_probs(model, tokenizer, [seqs[i] for i in rows])
            idx = np.array([task.label_ids.index(int(v)) for v in labels[rows]])
            names = task.label_names
            positive = names.index(positive_label(names)) if len(names) == 2 else None
            held = judge(probs, idx, positive=positive, kind="held-out pool rows")  # never tuned on
            record["held_out"] = held.to_json()
            record["held_out_source"] = (
                f"{len(rows):,} of the {len(fresh):,} {path.name} rows the head was not tuned on"
            )
            print(
                f"{name}: {len(rows)} untuned rows, MCC {held.mcc:.3f}, ECE {held.ece_raw:.3f} -> {held.ece:.3f} "
                f"(temperature {held.temperature:.2f})"
            )
        else:
            print(f"{name}: {len(fresh)} untuned rows: no held-out record")
        write_json_atomic(args.checkpoint / "heads" / name / "calibration.json", record)


if __name__ == "__main__":
    main()
