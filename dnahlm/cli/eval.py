"""``dnahlm eval``: score a prediction method on a labelled test CSV (accuracy, macro-F1, MCC)."""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from dnahlm.cli.options import whole
from dnahlm.settings import get_settings
from dnahlm.tasks import Task, define_task, read_pool


def register(sub: argparse._SubParsersAction) -> None:
    from dnahlm.tasks import KINDS
    from dnahlm.types import METHODS

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
    p.add_argument("--method", default="instruct", choices=METHODS)
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


def resolve_task(args: argparse.Namespace, default_name: str | None = None) -> Task:
    """The task named by ``--tasks-json FILE --task NAME``, or built from ``--labels`` (and ``--kind``,
    ``--instruction``); ``default_name`` names a ``--labels`` task given no ``--task`` (default: the test
    file's folder)."""
    name = args.task or (None if args.tasks_json else default_name or args.test.resolve().parent.name)
    return define_task(
        name, labels=args.labels, tasks_json=args.tasks_json, kind=args.kind, instruction=args.instruction
    )


def run(args: argparse.Namespace) -> int:
    import time

    from tqdm import tqdm

    from dnahlm.evaluate import generated_answers, report
    from dnahlm.files import write_json_atomic
    from dnahlm.retrieval.service import PredictionService

    task = resolve_task(args)
    test = read_pool(args.test, task)
    if args.limit is not None and args.limit < len(test):
        keep = set(random.Random(args.seed).sample(range(len(test)), args.limit))
        test = [e for i, e in enumerate(test) if i in keep]
    pool = read_pool(args.train, task) if args.train is not None else None
    overlap = len({e.sequence for e in pool or ()} & {e.sequence for e in test})
    if overlap:
        print(
            f"dnahlm eval: warning: {overlap} test sequence(s) also occur in the pool {args.train}",
            file=sys.stderr,
        )
    settings = get_settings().with_prediction(k=args.k, shots=args.shots, motif_cnn=args.motif_cnn)
    if args.batch_size:
        settings = settings.model_copy(update={"batch_size": args.batch_size})
    service = PredictionService(model=args.model, settings=settings, device=args.device)
    seqs = [e.sequence for e in test]
    service.loaded  # noqa: B018 - a missing or damaged checkpoint is one line, before any progress bar
    t0 = time.perf_counter()
    with tqdm(total=len(test), desc=args.method, unit="seq", disable=args.quiet, leave=False) as bar:
        preds = service.predict(
            task, seqs, pool=pool, method=args.method, window=False,
            progress=lambda done, _: bar.update(done - bar.n),
        )  # fmt: skip
    if args.method == "instruct":  # free text too, for the original work's lenient substring score
        texts = generated_answers(service.loaded, task, seqs)
        preds = [p.model_copy(update={"text": t}) for p, t in zip(preds, texts, strict=True)]
    seconds = time.perf_counter() - t0
    result = report(task, test, preds, method=args.method, model=args.model, seconds=seconds)
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
