"""Shared result types, JSON-serialisable (pydantic), used by every layer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import BaseModel, Field, model_validator

if TYPE_CHECKING:
    from dnahlm.tasks import Task


Method = Literal["instruct", "classifier", "knn", "few-shot", "fused"]
"""The prediction methods, by their fixed spellings (``classifier``: the checkpoint's head for the task;
``knn``, ``few-shot`` and ``fused`` need a labelled pool)."""
METHODS: tuple[str, ...] = get_args(Method)


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
    task: str | None = Field(default=None, description="The task predicted (its name in the pool or index).")
    kind: str | None = Field(default=None, description="The task's kind (promoter, tf-binding, ...).")
    window: tuple[int, int] | None = Field(
        default=None,
        description="For a sequence scored in windows: 0-based [start, end) of the window reported (the one "
        "most likely to be the positive label); None when the whole sequence was scored as one.",
    )
    windows: int = Field(default=1, description="Windows scored.")
    pool_size: int = Field(default=0, description="Labelled pool examples the prediction could draw on.")
    note: str | None = Field(
        default=None,
        description="Why the method differs from the one asked for (e.g. 'fused' not fitted yet), if it does.",
    )
    call: bool = Field(
        default=True,
        description="False when the label is no call: the input lies outside the data the prediction rests "
        "on, or the label is the best of many windows and chance gets there as often (see `caveat`).",
    )
    caveat: str | None = Field(default=None, description="What limits this prediction, in one sentence.")
    reliability: str | None = Field(
        default=None,
        description="The method's measured reliability on this task: held-out MCC and n, and where.",
    )
    coverage: float | None = Field(default=None, description="The coverage a prediction set was asked at.")
    prediction_set: list[str] | None = Field(
        default=None,
        description="The labels of the conformal prediction set at `coverage`, when there is one.",
    )
    set_text: str | None = Field(
        default=None, description="The prediction set (or why there is none) in words."
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
            task=task.name,
            kind=task.kind,
        )


class Answer(BaseModel):
    """An answer to a question with its sources: ``[n]`` in ``text`` cites ``citations[n - 1]``.

    Made by the agent (:func:`dnahlm.agents.ask`, from its tool calls) and by the QA chain
    (:func:`dnahlm.retrieval.qa.build_qa_chain`, from retrieved passages and sequences).

    ``citation_calls[n - 1]`` says where citation ``n`` came from: the position in ``tool_calls`` of the
    tool call behind it, or None for a source retrieved without a tool call (empty when nothing is cited).
    ``generated`` keeps what a language model wrote, for inspection (None when none wrote). ``grounded``
    says whether that generation passed the grounding guard and is ``text``; when it is False, ``text``
    was made from the sources themselves (the agent's sentences composed from tool results, or
    sentences quoted from the passages) or says there are none.
    """

    text: str
    citations: list[Evidence] = Field(default_factory=list)
    tool_calls: list[Any] = Field(
        default_factory=list, description="The agent's tool calls (dnahlm.agents.graph.ToolCall), in order."
    )
    citation_calls: list[int | None] = Field(default_factory=list)
    grounded: bool = False
    generated: str | None = None
    question: str = ""
    note: str = Field(
        default="", description="How the answer was made when a chat model took part (written, kept, why)."
    )
    conventions: list[str] = Field(
        default_factory=list,
        description="The conventions the answer used where the question left them open (ORF definition, "
        "genetic code, topology, Tm conditions, motif statistics), in words; the answer's text states them too.",
    )

    @model_validator(mode="after")
    def _one_origin_per_citation(self) -> Answer:
        if self.citation_calls and len(self.citation_calls) != len(self.citations):
            raise ValueError(
                f"citation_calls has {len(self.citation_calls)} entries for {len(self.citations)} citations"
            )
        for i in self.citation_calls:
            if i is not None and not 0 <= i < len(self.tool_calls):
                raise ValueError(f"citation_calls: no tool call {i} among {len(self.tool_calls)}")
        return self

    def call_for(self, position: int) -> Any:
        """The tool call behind ``citations[position]``, or None (a retrieved source, or not recorded)."""
        if position >= len(self.citation_calls):
            return None
        i = self.citation_calls[position]
        return None if i is None else self.tool_calls[i]
