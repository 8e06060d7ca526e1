"""``dnahlm eval``: score a prediction method on a labelled test CSV (accuracy, macro-F1, MCC)."""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from dnahlm.cli.options import whole
from dnahlm.errors import ConfigError
from dnahlm.settings import get_settings
from dnahlm.tasks import Task, get_task, infer_kind, parse_labels, read_pool


def register(sub: argparse._SubParsersAction) -> None:
    from dnahlm.evaluate import METHOD_NAMES
    from dnahlm.tasks import KINDS

    p = sub.add_parser(
        "eval",
        help="evaluate a prediction method on a labelled CSV",
        description="Score METHOD on TEST.csv; --train is the pool a method may consult (never the test).",
    )
    p.add_argument("--train", type=Path, help="labelled pool CSV a method may consult at query time")
    p.add_argument("--test", type=Path, required=True, help="labelled CSV to score (sequence,label)")
    p.add_argument("--labels", help='label names, e.g. "0=non-promoter,1=promoter"')
    p.add_argument("--tasks-json", type=Path, help="tasks.json with label names (instead of --labels)")
    p.add_argument("--task", help="task name (in --tasks-json; with --labels it names the task's head)")
    p.add_argument("--kind", choices=KINDS, help="task kind (default: from tasks.json, else generic)")
    p.add_argument("--instruction", help="free instruction for a generic task")
    p.add_argument("--model", type=Path, help="checkpoint folder (default: the embedded dnahlm-tiny)")
    p.add_argument("--method", default="instruct", choices=METHOD_NAMES)
    p.add_argument("--k", type=whole(1, 100_000), help="neighbours in the kNN vote (knn, fused; default 16)")
    p.add_argument(
        "--shots", type=whole(0, 64), help="examples in a few-shot prompt (few-shot, fused; default 4)"
    )
    p.add_argument(
        "--no-cnn", dest="motif_cnn", action="store_false", default=None,
        help="leave the motif CNN out of 'fused' (a quicker fit on a large pool)",
    )  # fmt: skip
    p.add_argument("--limit", type=whole(1), help="score a seeded random sample of N test rows")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--batch-size",
        type=whole(1, 4096),
        help="sequences per forward pass (default: DNAHLM_BATCH_SIZE or 32)",
    )
    p.add_argument("--device", help="cpu, cuda, ... (default: auto)")
    p.add_argument("--json", type=Path, help="write the result JSON here ('-' for stdout)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def with_overrides(task: Task, args: argparse.Namespace) -> Task:
    """``task`` with ``--kind`` / ``--instruction`` applied when given."""
    if args.kind or args.instruction:
        return Task(task.name, args.kind or task.kind, task.labels, args.instruction or task.instruction)
    return task


def resolve_task(args: argparse.Namespace, default_name: str | None = None) -> Task:
    """The task named by ``--tasks-json FILE --task NAME``, or built from ``--labels`` (and ``--kind``,
    ``--instruction``); ``default_name`` names a ``--labels`` task given no ``--task`` (default: the test
    file's folder)."""
    if args.tasks_json is not None:
        if not args.task:
            raise ConfigError("--tasks-json needs --task NAME")
        return with_overrides(get_task(args.tasks_json, args.task), args)
    if not args.labels:
        raise ConfigError('give the label names with --labels "0=...,1=..." or --tasks-json FILE --task NAME')
    name = args.task or default_name or args.test.resolve().parent.name
    return Task(name, args.kind or infer_kind(name), parse_labels(args.labels), args.instruction)


def run(args: argparse.Namespace) -> int:
    import dnahlm.retrieval.predictor  # noqa: F401 - registers the knn, few-shot and fused methods
    from dnahlm.evaluate import EvalContext, evaluate
    from dnahlm.files import write_json_atomic

    task = resolve_task(args)
    test = read_pool(args.test, task)
    if args.limit is not None and args.limit < len(test):
        keep = set(random.Random(args.seed).sample(range(len(test)), args.limit))
        test = [e for i, e in enumerate(test) if i in keep]
    pool = read_pool(args.train, task) if args.train is not None else []
    overlap = len({e.sequence for e in pool} & {e.sequence for e in test})
    if overlap:
        print(
            f"dnahlm eval: warning: {overlap} test sequence(s) also occur in the pool {args.train}",
            file=sys.stderr,
        )
    batch_size = args.batch_size or get_settings().batch_size
    ctx = EvalContext(
        task=task,
        pool=pool,
        test=test,
        model_path=args.model,
        batch_size=batch_size,
        seed=args.seed,
        progress=not args.quiet,
        device=args.device,
        options={k: v for k in ("k", "shots", "motif_cnn") if (v := getattr(args, k)) is not None},
    )
    result = evaluate(ctx, args.method)
    print(
        f"{result['task']} {result['method']}: n={result['n']} accuracy={result['accuracy']:.3f} "
        f"macro_f1={result['macro_f1']:.3f} mcc={result['mcc']:.3f} lenient={result['lenient_accuracy']:.3f} "
        f"({result['seconds']:.1f} s)",
        file=sys.stderr if str(args.json) == "-" else sys.stdout,
    )
    if args.json is not None:
        if str(args.json) == "-":
            json.dump(result, sys.stdout, indent=2)
            print()
        else:
            write_json_atomic(args.json, result)
    return 0
