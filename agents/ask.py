"""One road to an answer: :func:`ask` runs the agent on a question and reports each step as it happens.

``dnahlm ask``, ``dnahlm demo`` and the UI's Ask page all call it: the CLI prints the steps, the page
shows them in a status box. The agent (:func:`.graph.build_agent`) is built here from the options, or an
agent already built (a cached one in the UI) is reused.

Example:
    .. code-block:: python

        from dnahlm.agents import ask

        answer = ask("What is the GC content?", ["ATGGCGCGTATAAAAGGC"], on_step=print)
        print(answer.text)          # "The sequence is 18 bp long with GC content 50.0%; ... [1]."
        print(answer.call_for(0))   # the sequence_stats call behind [1]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from dnahlm.errors import ConfigError

if TYPE_CHECKING:  # annotations only: importing dnahlm.agents loads nothing third-party
    from dnahlm.types import Answer

__all__ = ["Step", "ask"]


@dataclass(frozen=True)
class Step:
    """One thing the agent did, as it happened.

    ``status`` is ``"plan"`` (a plan was made: ``tools`` lists its steps), ``"start"`` (tool step
    ``step`` began), ``"done"`` or ``"failed"`` (it ended after ``seconds``, with ``error`` when it
    failed and ``note`` when it worked on part of the input, e.g. the centre of a long sequence).
    """

    status: Literal["plan", "start", "done", "failed"]
    step: int = 0
    tool: str = ""
    seconds: float | None = None
    error: str | None = None
    note: str | None = None
    tools: tuple[str, ...] = ()


def ask(
    question: str,
    sequences: Sequence[str] | None = None,
    *,
    on_step: Callable[[Step], None] | None = None,
    agent: Any = None,
    index: str | Path | None = None,
    model: str | Path | None = None,
    store: Any = None,
    llm: Any = None,
    planner: str | Any = None,
) -> Answer:
    """Answer ``question`` (about ``sequences``, if given) with the agent; every ``[n]`` cites a source.

    Args:
        question: the question, in any wording.
        sequences: DNA sequences it is about (DNA written in the question is found too).
        on_step: called with each :class:`Step` (a plan, a tool step starting, a tool step ending).
        agent: an agent from :func:`.graph.build_agent` to reuse; without one it is built from the options
            below (which must then be left out when it is given).
        index: knowledge index folder (predictions from pools, similar sequences, papers).
        model: checkpoint folder (default: the embedded dnahlm-tiny).
        store: an open KnowledgeStore instead of ``index``.
        llm: a LangChain chat model, or its ``PROVIDER:MODEL`` spec (:func:`.chat.chat_model`), to plan
            and write the answer; without one the offline planner plans and the answer is composed.
        planner: the offline planner (see :func:`.graph.build_agent`).

    Returns:
        The :class:`~dnahlm.types.Answer`: its text, citations (each with the tool call it came from,
        :meth:`~dnahlm.types.Answer.call_for`) and every tool call made.

    Raises:
        ConfigError: an agent given together with options to build one, or a bad ``llm`` spec.
        UserInputError: a bad sequence (the letter and where).
    """
    if agent is None:
        from .graph import build_agent

        if isinstance(llm, str):
            from .chat import chat_model

            llm = chat_model(llm)
        agent = build_agent(index, model=model, store=store, llm=llm, planner=planner)
    elif any(x is not None for x in (index, model, store, llm, planner)):
        raise ConfigError(
            "ask: give an agent, or the options to build one (index, model, llm, ...), not both"
        )
    answer = None
    inputs = {"question": question, "sequences": list(sequences or [])}
    for mode, payload in agent.stream(inputs, stream_mode=["updates", "custom"]):
        if mode == "custom":
            if on_step is not None:
                on_step(_step(payload))
            continue
        for node, change in payload.items():
            change = change or {}
            if node == "plan" and change.get("plan") and on_step is not None:
                on_step(Step("plan", tools=tuple(s["tool"] for s in change["plan"])))
            if "answer" in change:
                answer = change["answer"]
    if answer is None:
        raise RuntimeError("the agent stopped without an answer")
    return answer


def _step(event: dict[str, Any]) -> Step:
    """A :class:`Step` from one of the graph's ``custom`` events (see :mod:`.graph`)."""
    return Step(
        status=event["status"],
        step=int(event["step"]),
        tool=event["tool"],
        seconds=event.get("seconds"),
        error=event.get("error"),
        note=event.get("note"),
    )
