"""``dnahlm demo``: answer one DNA question offline with the embedded model and starter knowledge, timed."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

DEMO_QUESTION = (
    "Is this a promoter, which transcription factors could bind it, and what do papers say about them?"
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="ask the agent about a built-in human promoter (embedded model, starter knowledge, offline)",
        description="Is the human GLUT5 promoter a promoter, what binds it, what do papers say? "
        "Prediction, JASPAR motif scan and paper search, with sources.",
    )
    p.add_argument("--model", type=Path, help="checkpoint folder (default: the embedded dnahlm-tiny)")
    p.add_argument("--index", type=Path, help="knowledge index (default: the built-in starter index)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from dnahlm.agents import ask
    from dnahlm.cli.ask import source_lines
    from dnahlm.examples import GLUT5_PROMOTER_300, GLUT5_SOURCE
    from dnahlm.index.starter import has_starter_pack, starter_index

    t0 = time.perf_counter()
    index = args.index or (starter_index() if has_starter_pack() else None)
    ready = time.perf_counter()
    if index is None:
        print("(no knowledge index: predictions come from the checkpoint's task heads and the literature from "
              "JASPAR's profile annotations; build the starter pack with scripts/build_starter_pack.py, or "
              "pass --index DIR)")  # fmt: skip
    print(f"Question: {DEMO_QUESTION}")
    print(f"Sequence: human GLUT5 promoter, 300 bp ({GLUT5_SOURCE}): {GLUT5_PROMOTER_300[:50]}...")
    answer = ask(DEMO_QUESTION, [GLUT5_PROMOTER_300], index=index, model=args.model)
    print(f"\n{answer.text}\n\nSources:")
    for line in source_lines(answer):
        print(line)
    print(
        f"\nanswered in {time.perf_counter() - ready:.1f} s (index ready after {ready - t0:.1f} s; index {index})"
    )
    return 0
