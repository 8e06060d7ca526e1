"""``dnahlm ask``: answer a question about a sequence with the agent's tools, with numbered sources.

dnahlm ask "Is there a promoter here and which transcription factors could bind it?" --seq ACGT...
dnahlm ask "Which E. coli genes is this similar to?" --fasta query.fa --index my-index --json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from dnahlm.cli.output import say
from dnahlm.errors import ConfigError
from dnahlm.settings import get_settings

if TYPE_CHECKING:
    from dnahlm.agents import Step
    from dnahlm.types import Answer


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ask",
        help="answer a question about a sequence (tools: statistics, ORFs, motifs, prediction, search)",
        description="Answer QUESTION with the offline agent; sources are listed after the answer.",
    )
    p.add_argument("question")
    p.add_argument(
        "--seq",
        action="append",
        help="a DNA sequence the question is about; give it twice for two (a template and an insert, two to align)",
    )
    p.add_argument(
        "--fasta",
        type=Path,
        help="FASTA/GenBank/EMBL file with the sequence(s), after any --seq (at most 3 used)",
    )
    p.add_argument(
        "--index", type=Path, help="knowledge index (default: DNAHLM_INDEX, else the built-in starter index)"
    )
    p.add_argument("--model", type=Path, help="checkpoint folder (default: the embedded dnahlm-tiny)")
    p.add_argument(
        "--llm",
        metavar="PROVIDER:MODEL",
        help="a chat model to plan and write the answer, e.g. ollama:qwen2.5:7b (default: DNAHLM_LLM; "
        "without one the offline planner answers); see docs/llm.md",
    )
    p.add_argument("--json", action="store_true", help="the full structured result on stdout")
    p.add_argument("--steps", action="store_true", help="print each step as it runs (stderr)")
    p.set_defaults(handler=run)


def _sequences(args: argparse.Namespace) -> list[str]:
    """The ``--seq`` sequences in the order given, then the records of ``--fasta``."""
    from dnahlm.sequences import normalize, parse

    out = []
    for i, raw in enumerate(args.seq or [], 1):
        name = f"--seq {i}" if len(args.seq) > 1 else "--seq"
        seq = normalize(raw, record_id=name, iupac=True)
        if not seq:
            raise ConfigError(f"{name} is empty")
        out.append(seq)
    if args.fasta is not None:
        seqs = [r.sequence for r in parse(args.fasta, iupac=True)]
        if not seqs or not all(seqs):
            raise ConfigError(f"{args.fasta}: no sequence (or an empty record)")
        out += seqs
    return out


def source_lines(answer: Answer) -> list[str]:
    """One line per citation: ``  [n] tool NAME`` for a tool result, ``  [n] ID  LABEL`` for a source."""
    lines = []
    for n, c in enumerate(answer.citations, 1):
        if c.kind == "tool":
            lines.append(f"  [{n}] tool {c.source}  ")
        else:
            lines.append(f"  [{n}] {c.id}  {c.label or c.kind}")
    return lines


def print_step(step: Step) -> None:
    """``--steps``: one line on stderr as each tool step ends."""
    if step.status in ("done", "failed"):
        status = "ok" if step.status == "done" else f"failed: {step.error}"
        say(f"  step {step.tool} ({step.seconds or 0.0:.2f} s) {status}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from dnahlm.agents import ask

    started = time.perf_counter()
    sequences = _sequences(args)
    index = args.index or get_settings().index
    if index is None:  # the starter knowledge, indexed on first use, when its pack was built
        from dnahlm.index.starter import has_starter_pack, starter_index

        index = starter_index() if has_starter_pack() else None
    store = None
    if index is not None:  # a missing or damaged index is the user's error: one line, exit 2, before asking
        from dnahlm.index.store import KnowledgeStore

        store = KnowledgeStore(index)
    if args.model is not None:  # a damaged --model is the user's error too: one line, before asking
        from dnahlm.checkfiles import check_checkpoint

        check_checkpoint(args.model, heads=True)
    answer = ask(
        args.question,
        sequences,
        on_step=print_step if args.steps else None,
        index=index,
        model=args.model,
        store=store,
        llm=args.llm or get_settings().llm or None,  # PROVIDER:MODEL, made by dnahlm.agents.chat
    )
    if args.json:
        print(json.dumps(answer.model_dump(mode="json"), indent=2, default=str))
        return 0
    say(answer.text)
    if answer.citations:
        say("\nSources:")
        for line in source_lines(answer):
            say(line)
    if answer.note:
        say(f"\n({answer.note})", file=sys.stderr)
    say(f"\n({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0
