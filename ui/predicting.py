"""Prediction for the Predict page: one call per record, whatever the pool, and the tables shown and
downloaded.

Three sources of a task, the same ones as ``dnahlm predict`` and the agent:

- a task whose labelled pool is in the index (:meth:`KnowledgeTools.predict`: long sequences in windows);
- a task the checkpoint was instruction-tuned on, zero-shot (``instruct``; what the agent does without an
  index);
- an uploaded pool CSV (:class:`~dnahlm.retrieval.predictor.FewShotPredictor`, like ``--pool``).

Each gives a :class:`~dnahlm.agents.knowledge_tools.PredictionResult`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dnahlm.agents.knowledge_tools import PredictionResult
from dnahlm.sequences import gc_content

SOURCES = ("index", "tuned", "pool")


@dataclass
class TaskChoice:
    """Where the task's labels and pool come from, and how to predict.

    Attributes:
        source: ``index``, ``tuned`` or ``pool``.
        task: the task name (index or tuned task; the pool's name for ``pool``).
        method: ``instruct``, ``knn``, ``few-shot`` or ``fused`` (unused for ``tuned``).
        tools: the :class:`KnowledgeTools` for ``index``/``tuned``.
        predictor: the :class:`FewShotPredictor` for ``pool``.
    """

    source: str
    task: str
    method: str
    tools: Any = None
    predictor: Any = None


def predict_one(choice: TaskChoice, sequence: str) -> PredictionResult:
    """The prediction for one sequence (raises :class:`~dnahlm.errors.UserInputError` on bad input)."""
    if choice.source in ("index", "tuned"):  # a tuned task without a pool: the library picks the method
        return choice.tools.predict(sequence, choice.task, choice.method or "fused")
    p = choice.predictor
    pred = p.predict([sequence], method=choice.method)[0]
    return PredictionResult(
        task=p.task.name,
        kind=p.task.kind,
        method=choice.method,
        label=pred.label_name,
        probs=pred.probs,
        pool_size=len(p.pool),
        evidence=pred.evidence,
    )


def predict_records(
    choice: TaskChoice,
    records: Sequence[tuple[str, str]],
    progress: Callable[[int, int, str], None] | None = None,
) -> list[PredictionResult]:
    """Predict every ``(id, sequence)`` record in order, calling ``progress(done, total, id)`` after each."""
    out = []
    for i, (rid, seq) in enumerate(records):
        out.append(predict_one(choice, seq))
        if progress is not None:
            progress(i + 1, len(records), rid)
    return out


def results_frame(records: Sequence[tuple[str, str]], results: Sequence[PredictionResult]) -> pd.DataFrame:
    """One row per record: id, length, GC, task, method, label, a ``p(<label>)`` column per class, the
    scored window and the nearest pool examples (the table shown and the CSV downloaded)."""
    rows = []
    for (rid, seq), r in zip(records, results, strict=True):
        row: dict[str, Any] = {
            "record": rid,
            "length": len(seq),
            "gc": round(gc_content(seq), 4),
            "task": r.task,
            "method": r.method,
            "label": r.label,
        }
        row.update({f"p({name})": round(prob, 4) for name, prob in r.probs.items()})
        row["window"] = f"{r.window[0] + 1}..{r.window[1]}" if r.window else ""
        row["nearest examples"] = "; ".join(f"{e.id} ({e.label}, {e.score:.2f})" for e in r.evidence[:3])
        rows.append(row)
    return pd.DataFrame(rows)


def evidence_frame(result: PredictionResult) -> pd.DataFrame:
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
    """Scan ``sequence`` with the JASPAR scanner: the tool's result and its hits as a table
    (1-based start, end, strand ``+``/``-``)."""
    from dnahlm.agents.motif_tool import scan_result

    result = scan_result(scanner, sequence, p_value, top)
    frame = pd.DataFrame(
        [
            {
                "tf": h.name,
                "motif": h.motif_id,
                "start": h.start + 1,
                "end": h.end,
                "strand": "+" if h.strand > 0 else "-",
                "p_value": h.p_value,
                "score": round(h.score, 2),
                "site": h.matched,
            }
            for h in result.hits
        ],
        columns=["tf", "motif", "start", "end", "strand", "p_value", "score", "site"],
    )
    return result, frame
