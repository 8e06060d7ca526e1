"""Answer functions for ``bench_ask_questions.py --answer ask_planners:NAME``: the agent with each planner.

    python benchmarks/bench_ask_questions.py --data ../shared/data --phrasing heldout --answer ask_planners:regex
    ... --answer ask_planners:retrieval            (the example-question planner, abstaining when unsure)
    ... --answer ask_planners:retrieval_always     (the same, never abstaining)
    ... --answer ask_planners:minilm               (the planner with MiniLM question vectors)

Each builds the offline agent once (no index), as ``agent`` does, with another planner.
"""

from __future__ import annotations

import os
import tempfile
from functools import cache


@cache
def _agent(planner: str):
    os.environ.setdefault("DNAHLM_HOME", tempfile.mkdtemp(prefix="dnahlm-bench-planners-"))
    from dnahlm.agents.graph import build_agent
    from dnahlm.agents.planner import IntentPlanner

    choice = {
        "regex": "regex",
        "retrieval": IntentPlanner(),
        "retrieval_always": IntentPlanner(threshold=0.0),
        "minilm": IntentPlanner("minilm"),
    }[planner]
    return build_agent(None, planner=choice)


def _answer(planner: str, question: str, sequences: list[str]) -> str:
    state = _agent(planner).invoke({"question": question, "sequences": list(sequences)})
    return state["answer"].text


def regex(question: str, sequences: list[str]) -> str:
    return _answer("regex", question, sequences)


def retrieval(question: str, sequences: list[str]) -> str:
    return _answer("retrieval", question, sequences)


def retrieval_always(question: str, sequences: list[str]) -> str:
    return _answer("retrieval_always", question, sequences)


def minilm(question: str, sequences: list[str]) -> str:
    return _answer("minilm", question, sequences)
