"""Prediction for the Predict page: one call per record, whatever the pool, and the tables shown and
downloaded.

Every prediction goes through the prediction service (:mod:`dnahlm.retrieval.service`), the same road as
``dnahlm predict`` and the agent, from one of three sources of a task:

- a task whose labelled pool is in the index (long sequences in windows; an unfitted pool answered with
  ``knn``, with a note);
- a task the checkpoint was instruction-tuned on (its head, else zero-shot ``instruct``);
- an uploaded pool CSV (like ``--pool``).

Each gives a :class:`~dnahlm.types.Prediction`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dnahlm.sequences import gc_content
from dnahlm.types import Prediction

SOURCES = ("index", "tuned", "pool")


@dataclass
class TaskChoice:
    """Where the task's labels and pool come from, and how to predict.

    Attributes:
        source: ``index``, ``tuned`` or ``pool``.
        task: the task name (index or tuned task), or the uploaded pool's :class:`~dnahlm.tasks.Task`.
        method: one of :data:`dnahlm.types.METHODS` (empty: the service's default).
        service: the :class:`~dnahlm.retrieval.service.PredictionService` to ask.
        pool: the uploaded pool's examples (``pool`` only).
    """

    source: str
    task: Any
    method: str
    service: Any = None
    pool: Any = None


def predict_one(choice: TaskChoice, sequence: str) -> Prediction:
    """The prediction for one sequence (raises :class:`~dnahlm.errors.UserInputError` on bad input)."""
    return choice.service.predict(choice.task, [sequence], pool=choice.pool, method=choice.method or None)[0]


def predict_records(
    choice: TaskChoice,
    records: Sequence[tuple[str, str]],
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Prediction]:
    """Predict every ``(id, sequence)`` record in order, calling ``progress(done, total, id)`` after each."""
    out = []
    for i, (rid, seq) in enumerate(records):
        out.append(predict_one(choice, seq))
        if progress is not None:
            progress(i + 1, len(records), rid)
    return out


def results_frame(records: Sequence[tuple[str, str]], results: Sequence[Prediction]) -> pd.DataFrame:
    """One row per record: id, length, GC, task, method, label, whether it is a call, a ``p(<label>)``
    column per class, the scored window, the nearest pool examples and the caveat (the table shown and
    the CSV downloaded)."""
    rows = []
    for (rid, seq), r in zip(records, results, strict=True):
        row: dict[str, Any] = {
            "record": rid,
            "length": len(seq),
            "gc": round(gc_content(seq), 4),
            "task": r.task,
            "method": r.method,
            "label": r.label_name,
            "call": r.call,
        }
        row.update({f"p({name})": round(prob, 4) for name, prob in r.probs.items()})
        row["window"] = f"{r.window[0] + 1}..{r.window[1]}" if r.window else ""
        row["nearest examples"] = "; ".join(f"{e.id} ({e.label}, {e.score:.2f})" for e in r.evidence[:3])
        row["caveat"] = r.caveat or ""
        rows.append(row)
    return pd.DataFrame(rows)


def evidence_frame(result: Prediction) -> pd.DataFrame:
    """The retrieved pool examples of a prediction: id, label, similarity, and the start of the sequence."""
    return pd.DataFrame(
        [
            {
                "example": e.id,
                "label": e.label,
                "similarity": round(e.score, 4),
                "sequence": (e.snippet or "")[:60],
            }
            for e in result.evidence
        ],
        columns=["example", "label", "similarity", "sequence"],
    )


def gc_profile(sequence: str, window: int, max_points: int = 2000) -> pd.DataFrame:
    """GC fraction in a sliding window (centre position, 1-based) along the sequence.

    A window longer than the sequence is cut to its length; Ns count as neither GC nor AT. At most
    ``max_points`` evenly spaced windows are returned (a chart of a long sequence stays light).
    """
    seq = np.frombuffer(sequence.upper().encode(), dtype=np.uint8)
    window = max(1, min(window, len(seq)))
    gc = np.isin(seq, np.frombuffer(b"GC", dtype=np.uint8)).astype(float)
    acgt = np.isin(seq, np.frombuffer(b"ACGT", dtype=np.uint8)).astype(float)
    kernel = np.ones(window)
    num = np.convolve(gc, kernel, mode="valid")
    den = np.convolve(acgt, kernel, mode="valid")
    frac = np.divide(num, den, out=np.full_like(num, np.nan), where=den > 0)
    centre = np.arange(len(frac)) + (window + 1) / 2
    step = max(1, -(-len(frac) // max_points))
    return pd.DataFrame({"position": centre[::step], "gc": frac[::step]})


def motif_hits(scanner: Any, sequence: str, p_value: float, top: int = 200) -> tuple[Any, pd.DataFrame]:
    """Scan ``sequence`` with the JASPAR scanner and judge the hits
    (:func:`dnahlm.bio.motif_report.motif_report`, the numbers the agent answers with): the report and its
    best hits as a table (1-based start, end, strand ``+``/``-``, p- and q-value)."""
    from dnahlm.bio.motif_report import motif_report

    result = motif_report(scanner, sequence, p_value=p_value, top=top)
    frame = pd.DataFrame(
        [
            {
                "tf": h.name,
                "motif": h.motif_id,
                "start": h.start + 1,
                "end": h.end,
                "strand": "+" if h.strand > 0 else "-",
                "p_value": h.p_value,
                "q_value": h.q_value,
                "score": round(h.score, 2),
                "site": h.matched,
            }
            for h in result.hits
        ],
        columns=["tf", "motif", "start", "end", "strand", "p_value", "q_value", "score", "site"],
    )
    return result, frame
