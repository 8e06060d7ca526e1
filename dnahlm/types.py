"""Shared result types, JSON-serialisable (pydantic), used by every layer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from dnahlm.tasks import Task


class Evidence(BaseModel):
    """A piece of evidence behind a prediction or an answer (a retrieved example, passage, tool result)."""

    id: str
    kind: str = Field(description="'example', 'passage', 'sequence', 'tool', ...")
    score: float = 0.0
    source: str = ""
    label: str | None = None
    snippet: str | None = None


class Prediction(BaseModel):
    """A classification of one sequence: the label, a probability per label name, and the evidence used."""

    label: int
    label_name: str
    probs: dict[str, float]
    method: str
    evidence: list[Evidence] = Field(default_factory=list)
    text: str | None = Field(
        default=None, description="Generated answer text, where the method produced one."
    )

    @classmethod
    def from_probs(
        cls, task: Task, row: Sequence[float], method: str, evidence: Sequence[Evidence] = ()
    ) -> Prediction:
        """The prediction for one row of class probabilities in ``task.label_ids`` order (argmax wins)."""
        probs = [float(p) for p in row]
        best = max(range(len(probs)), key=probs.__getitem__)
        return cls(
            label=task.label_ids[best],
            label_name=task.label_names[best],
            probs=dict(zip(task.label_names, probs, strict=True)),
            method=method,
            evidence=list(evidence),
        )


class Answer(BaseModel):
    """An answer to a question with its sources: ``[n]`` in ``text`` cites ``citations[n - 1]``.

    ``grounded`` says whether the generated text passed the grounding check and is the answer; when it
    is False, ``text`` is an extractive answer quoted from the sources (or says there are none).
    ``generated`` keeps the raw generation, for inspection.
    """

    text: str
    citations: list[Evidence] = Field(default_factory=list)
    grounded: bool = False
    generated: str | None = None
