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

from dnahlm.cli.options import fraction, whole
from dnahlm.cli.output import say
from dnahlm.errors import ConfigError
from dnahlm.settings import get_settings


def register(sub: argparse._SubParsersAction) -> None:
    from dnahlm.tasks import KINDS
    from dnahlm.types import METHODS

    defaults = get_settings().prediction
    p = sub.add_parser(
        "predict",
        help="predict a task's label for sequences from a labelled pool (few-shot, kNN, fused)",
        description="Predict labels for SEQUENCE or the records of --fasta, retrieving from a labelled pool "
        "(--pool CSV, or the examples of --task in --index). A sequence much longer than the pool's examples "
        "is scored in windows of their length; the window most likely to be the positive label is reported.",
    )
    p.add_argument("sequence", nargs="?", help="a DNA sequence (or use --fasta)")
    p.add_argument("--fasta", type=Path, help="FASTA/GenBank/EMBL file of query sequences")
    p.add_argument("--pool", type=Path, help="labelled pool CSV (sequence,label)")
    p.add_argument("--index", type=Path, help="knowledge index whose 'examples' collection holds the pool")
    p.add_argument("--labels", help='label names, e.g. "0=non-promoter,1=promoter"')
    p.add_argument("--tasks-json", type=Path, help="tasks.json with label names (instead of --labels)")
    p.add_argument(
        "--task", help="task name or kind (in --tasks-json / --index, or one the checkpoint was tuned on)"
    )
    p.add_argument(
        "--kind", choices=KINDS, help="task kind (default: from tasks.json or the name, else generic)"
    )
    p.add_argument("--instruction", help="free instruction for a generic task")
    p.add_argument("--method", default=defaults.method, choices=METHODS, help=f"default {defaults.method}")
    p.add_argument("--model", type=Path, help="checkpoint folder (default: the embedded dnahlm-tiny)")
    p.add_argument(
        "--k",
        type=whole(1, 100_000),
        default=defaults.k,
        help=f"neighbours in the kNN vote (default {defaults.k})",
    )
    p.add_argument(
        "--shots", type=whole(0, 64), default=defaults.shots,
        help=f"examples in a few-shot prompt (default {defaults.shots})",
    )  # fmt: skip
    p.add_argument(
        "--evidence", type=whole(0, 100), default=defaults.evidence,
        help=f"evidence rows shown per prediction (default {defaults.evidence})",
    )  # fmt: skip
    p.add_argument("--device", help="cpu, cuda, ... (default: auto)")
    p.add_argument(
        "--no-cnn", dest="motif_cnn", action="store_false", default=defaults.motif_cnn,
        help="leave the motif CNN out of 'fused' (a quicker fit on a large pool)",
    )  # fmt: skip
    p.add_argument(
        "--inputs", choices=("fast", "full", "auto"), default=defaults.fused_inputs,
        help="what 'fused' combines: fast = the pool-trained inputs (kNN, tuned k-mer kNN, k-mer probe, "
        "one-hot LR, motif CNN), full = "
        "also the language model's scores, auto = whichever cross-validates better on the pool "
        f"(default {defaults.fused_inputs}; see the README)",
    )  # fmt: skip
    p.add_argument(
        "--whole", action="store_true", help="score each query as one sequence, however long (no windows)"
    )
    p.add_argument(
        "--mutagenesis", action="store_true",
        help="in-silico mutagenesis of the (one) query: for every position and alternative base, the change "
        "in the probability of --label; the most important positions, or everything with --json",
    )  # fmt: skip
    p.add_argument("--label", help="with --mutagenesis: the class followed (default: the positive label)")
    p.add_argument("--plot", type=Path, help="with --mutagenesis: save the track as an HTML chart here")
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="refit 'fused' instead of reusing a fit kept in DNAHLM_HOME/fits",
    )
    p.add_argument(
        "--coverage",
        type=fraction,
        help="also give each prediction's conformal set at this coverage, e.g. 0.9 (needs held-out rows: "
        "'fused' on a fitted pool, or a head with a calibration record)",
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


def run(args: argparse.Namespace) -> int:
    from dnahlm.retrieval.service import PredictionService
    from dnahlm.tasks import define_task, read_pool

    queries = _queries(args)
    if args.pool is not None and args.index is not None:
        raise ConfigError("give one labelled pool: --pool POOL.csv or --index DIR (with --task)")
    settings = get_settings().with_prediction(
        k=args.k, shots=args.shots, evidence=args.evidence, motif_cnn=args.motif_cnn,
        fused_inputs=args.inputs, cache_fits=not args.no_cache,
    )  # fmt: skip
    service = PredictionService(args.index, model=args.model, settings=settings, device=args.device)
    pool = None
    if args.pool is not None:  # the task is what the user says it is; the pool is the CSV
        task = define_task(
            args.task or args.pool.stem, labels=args.labels, tasks_json=args.tasks_json, kind=args.kind,
            instruction=args.instruction,
        )  # fmt: skip
        pool = read_pool(args.pool, task)
    elif args.labels or args.tasks_json:
        raise ConfigError("--labels and --tasks-json describe a --pool CSV; an index's task has its own")
    elif not args.task:
        raise ConfigError("name the task: --task NAME (in --index, or one the checkpoint was tuned on)")
    else:
        task = args.task
    if args.mutagenesis:
        return _mutagenesis(args, service, task, pool, queries)
    if args.label or args.plot:
        raise ConfigError("--label and --plot go with --mutagenesis")
    preds = service.predict(
        task, [s for _, s in queries], pool=pool, method=args.method, window=not args.whole,
        coverage=args.coverage,
    )  # fmt: skip
    if args.json:
        for (qid, seq), p in zip(queries, preds, strict=True):
            print(json.dumps({"query": qid, "length": len(seq), **p.model_dump()}))
        return 0
    for (qid, seq), p in zip(queries, preds, strict=True):
        probs = "  ".join(f"{label}={prob:.3f}" for label, prob in p.probs.items())
        where = f"; best of {p.windows} windows: {p.window[0] + 1}..{p.window[1]}" if p.window else ""
        called = p.label_name if p.call else f"no call (best guess {p.label_name})"
        say(f"{qid} ({len(seq)} bp{where}): {called}  [{p.method}: {probs}]")
        if p.caveat:
            say(f"    caveat: {p.caveat}")
        if p.set_text:
            say(f"    prediction set: {p.set_text}")
        for e in p.evidence:
            say(f"    evidence {e.id}  label={e.label}  similarity={e.score:.3f}")
    for line in dict.fromkeys(p.reliability for p in preds if p.reliability):
        say(f"reliability: {line}")
    for note in sorted({p.note for p in preds if p.note}):
        say(f"note: {note}", file=sys.stderr)
    predictor = service.predictor(task, pool)
    if predictor is not None:
        t = predictor.task
        say(f"task {t.name}: {len(predictor.pool)} pool examples; labels {t.labels}", file=sys.stderr)
        if preds and preds[0].method == "fused":  # which inputs the combination kept
            say(f"fused combines: {', '.join(predictor.fused_inputs)}", file=sys.stderr)
    return 0


def _mutagenesis(args: argparse.Namespace, service, task, pool, queries: list[tuple[str, str]]) -> int:
    """``--mutagenesis``: the probability change of every single-base substitution of the query."""
    if len(queries) != 1:
        raise ConfigError(f"--mutagenesis takes one query; {args.fasta} has {len(queries)} records")
    qid, seq = queries[0]
    plot_format = _plot_format(args.plot) if args.plot is not None else None  # refused before the work
    result = service.mutagenesis(task, seq, pool=pool, method=args.method, label=args.label)
    if args.plot is not None:
        _save_plot(result, args.plot, plot_format)
    if args.json:
        print(json.dumps({"query": qid, "length": len(seq), "method": args.method, **result.model_dump()}))
        return 0
    say(f"{qid} ({len(seq)} bp): P({result.label}) = {result.reference:.3f} [{args.method}]; "
        f"{result.variants:,} single-base variants scored")  # fmt: skip
    say("most important positions (the substitution that changes the probability most):")
    for e in result.top(10):
        say(
            f"  {e.position:>5} {e.base}>{e.alternative}  {e.delta:+.3f}  (mean of the three {e.mean_delta:+.3f})"
        )
    if args.plot is not None:
        say(f"track saved to {args.plot}", file=sys.stderr)
    return 0


PLOT_FORMATS = {"": "html", ".html": "html", ".htm": "html", ".json": "json"}
"""``--plot`` file suffixes: an HTML page (the default), or the Vega-Lite JSON of the chart."""


def _plot_format(path: Path) -> str:
    """The format ``--plot PATH`` is written in; a path that cannot be a new file there is refused now,
    in one line, before the mutagenesis runs."""
    if path.is_dir():
        raise ConfigError(f"--plot {path}: is a folder; give a file name, e.g. {path / 'track.html'}")
    parent = path.parent
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise ConfigError(f"--plot {path}: the folder {parent} {what}")
    fmt = PLOT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ConfigError(f"--plot {path}: write the chart to a .html (or .json) file")
    return fmt


def _save_plot(result, path: Path, fmt: str) -> None:
    """Write the mutagenesis chart; a write that fails (no permission, a full disk) is one line."""
    from dnahlm.ui.charts import mutagenesis_chart

    chart = mutagenesis_chart(result)
    try:
        with open(path, "w", encoding="utf-8") as fh:
            chart.save(fh, format=fmt)
    except OSError as exc:
        raise ConfigError(f"--plot {path}: cannot write the chart ({exc.strerror or exc})") from None
