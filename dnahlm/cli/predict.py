"""``dnahlm predict``: label, class probabilities and evidence for sequences, from a labelled pool.

dnahlm predict ACGT... --pool pool.csv --labels "0=background,1=bound" [--method fused] [--json]
dnahlm predict --fasta queries.fa --tasks-json tasks.json --task tf_0 --pool train.csv
dnahlm predict ACGT... --index my-index --task tf_0 --labels "0=non-binding,1=binding"
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dnahlm.cli.options import whole
from dnahlm.cli.output import say
from dnahlm.errors import ConfigError
from dnahlm.settings import get_settings


def register(sub: argparse._SubParsersAction) -> None:
    from dnahlm.tasks import KINDS

    p = sub.add_parser(
        "predict",
        help="predict a task's label for sequences from a labelled pool (few-shot, kNN, fused)",
        description="Predict labels for SEQUENCE or the records of --fasta, retrieving from a labelled pool "
        "(--pool CSV, or the examples of --task in --index).",
    )
    p.add_argument("sequence", nargs="?", help="a DNA sequence (or use --fasta)")
    p.add_argument("--fasta", type=Path, help="FASTA/GenBank/EMBL file of query sequences")
    p.add_argument("--pool", type=Path, help="labelled pool CSV (sequence,label)")
    p.add_argument("--index", type=Path, help="knowledge index whose 'examples' collection holds the pool")
    p.add_argument("--labels", help='label names, e.g. "0=non-promoter,1=promoter"')
    p.add_argument("--tasks-json", type=Path, help="tasks.json with label names (instead of --labels)")
    p.add_argument("--task", help="task name (in --tasks-json / --index; names the classification head)")
    p.add_argument(
        "--kind", choices=KINDS, help="task kind (default: from tasks.json or the name, else generic)"
    )
    p.add_argument("--instruction", help="free instruction for a generic task")
    p.add_argument("--method", default="fused", choices=("instruct", "knn", "few-shot", "fused"))
    p.add_argument("--model", type=Path, help="checkpoint folder (default: the embedded dnahlm-tiny)")
    p.add_argument("--k", type=whole(1, 100_000), default=16, help="neighbours in the kNN vote (default 16)")
    p.add_argument("--shots", type=whole(0, 64), default=4, help="examples in a few-shot prompt (default 4)")
    p.add_argument(
        "--evidence", type=whole(0, 100), default=3, help="evidence rows shown per prediction (default 3)"
    )
    p.add_argument("--device", help="cpu, cuda, ... (default: auto)")
    p.add_argument(
        "--no-cnn", dest="motif_cnn", action="store_false",
        help="leave the motif CNN out of 'fused' (a quicker fit on a large pool)",
    )  # fmt: skip
    p.add_argument(
        "--select-inputs", action="store_true",
        help="let 'fused' leave the model's scores out when the pool's own inputs do as well by "
        "cross-validation on the calibration rows (much faster then; see docs/model-card.md)",
    )  # fmt: skip
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="refit 'fused' instead of reusing a fit kept in DNAHLM_HOME/fits",
    )
    p.add_argument("--json", action="store_true", help="JSON lines on stdout: one prediction per query")
    p.set_defaults(handler=run)


def _queries(args: argparse.Namespace) -> list[tuple[str, str]]:
    from dnahlm.sequences import normalize, parse

    if (args.sequence is None) == (args.fasta is None):
        raise ConfigError("give one query: a SEQUENCE argument or --fasta FILE")
    if args.sequence is not None:
        seq = normalize(args.sequence, record_id="the query sequence", iupac=True)
        if not seq:
            raise ConfigError("the query sequence is empty")
        return [("query", seq)]
    queries = [(r.id, r.sequence) for r in parse(args.fasta, iupac=True)]
    if not queries:
        raise ConfigError(f"{args.fasta}: no sequence records")
    empty = [i for i, s in queries if not s]
    if empty:
        raise ConfigError(f"{args.fasta}: record {empty[0]} has an empty sequence")
    return queries


def _task(args: argparse.Namespace):
    from dnahlm.cli.eval import resolve_task, with_overrides

    if args.index is not None and args.tasks_json is None and not args.labels:
        if not args.task:
            raise ConfigError("--index needs --task NAME (the task whose examples form the pool)")
        from dnahlm.index.store import KnowledgeStore
        from dnahlm.retrieval.pool import task_from_store

        with KnowledgeStore(args.index) as store:
            return with_overrides(task_from_store(store, args.task), args)
    return resolve_task(args, default_name=args.pool.stem if args.pool else "task")


def _pool(args: argparse.Namespace, task):
    from dnahlm.tasks import read_pool

    if (args.pool is None) == (args.index is None):
        raise ConfigError("give the labelled pool: --pool POOL.csv or --index DIR (with --task)")
    if args.pool is not None:
        return read_pool(args.pool, task)
    from dnahlm.index.store import KnowledgeStore
    from dnahlm.retrieval.pool import examples_from_store

    if not args.task:
        raise ConfigError("--index needs --task NAME (the task whose examples form the pool)")
    with KnowledgeStore(args.index) as store:
        return examples_from_store(store, task)


LONG = 4
"""A query this many times longer than the pool's longest example gets a warning."""


def _warn_long(queries: list[tuple[str, str]], pool: list) -> None:
    """Say so when a query is far longer than what the task classifies (a 5 Mbp genome for a 70 bp
    task): it is classified as one sequence, which is rarely what was meant."""
    longest = max((len(e.sequence) for e in pool), default=0)
    for qid, seq in queries:
        if longest and len(seq) > LONG * longest:
            say(
                f"warning: {qid} is {len(seq):,} bp, {len(seq) / longest:.0f}x the pool's longest example "
                f"({longest:,} bp); it is classified as one sequence. To classify its parts, cut it into "
                f"windows of about {longest:,} bp (dnahlm ask does this for the tasks it knows).",
                file=sys.stderr,
            )


def run(args: argparse.Namespace) -> int:
    from dnahlm.retrieval.predictor import FewShotPredictor, PredictorConfig

    queries = _queries(args)
    task = _task(args)
    pool = _pool(args, task)
    _warn_long(queries, pool)
    settings = get_settings()
    config = PredictorConfig(
        k=args.k,
        shots=args.shots,
        evidence=args.evidence,
        motif_cnn=args.motif_cnn,
        select_inputs=args.select_inputs,
        batch_size=settings.batch_size,
        cache_dir=None if args.no_cache else str(settings.home / "fits"),
    )
    predictor = FewShotPredictor(task, pool, model_path=args.model, config=config, device=args.device)
    preds = predictor.predict([s for _, s in queries], method=args.method)
    if args.json:
        for (qid, seq), p in zip(queries, preds, strict=True):
            print(json.dumps({"query": qid, "length": len(seq), "task": task.name, **p.model_dump()}))
        return 0
    for (qid, seq), p in zip(queries, preds, strict=True):
        probs = "  ".join(f"{name}={prob:.3f}" for name, prob in p.probs.items())
        say(f"{qid} ({len(seq)} bp): {p.label_name}  [{p.method}: {probs}]")
        for e in p.evidence:
            say(f"    evidence {e.id}  label={e.label}  similarity={e.score:.3f}")
    say(f"task {task.name}: {len(pool)} pool examples; labels {task.labels}", file=sys.stderr)
    if args.method == "fused":  # which inputs the combination kept (the model's are left out when they hurt)
        say(f"fused combines: {', '.join(predictor.fused_inputs)}", file=sys.stderr)
    return 0
