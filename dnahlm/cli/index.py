"""``dnahlm index add|fit|stats|search|remove|repair``: build and query a knowledge index folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dnahlm.cli.options import whole
from dnahlm.cli.output import say, terminal_safe
from dnahlm.errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("index", help="build and search a knowledge index (sequences, examples, papers)")
    isub = p.add_subparsers(dest="index_command", metavar="ACTION", required=True)

    add = isub.add_parser(
        "add",
        help="ingest files (FASTA, GenBank/EMBL, GFF3, labelled CSV, JSONL/text/PDF/MEDLINE papers)",
        description="Ingest FILEs into INDEX_DIR (created when missing). Each file is one transaction: "
        "a file with an error adds nothing; files already ingested are skipped.",
    )
    add.add_argument("index_dir", type=Path)
    add.add_argument("files", type=Path, nargs="+", metavar="FILE")
    add.add_argument("--collection", help="sequences, examples or papers (default: by file kind)")
    add.add_argument(
        "--embedder", choices=("kmer", "dnahlm", "text"), help="default: kmer for DNA, text for papers"
    )
    add.add_argument("--model", type=Path, help="checkpoint for --embedder dnahlm (default: embedded)")
    add.add_argument("--k", type=whole(1, 12), help="k-mer length for --embedder kmer (default 5, canonical)")
    add.add_argument("--fasta", type=Path, help="FASTA with the sequences of a GFF3 file")
    add.add_argument("--task", help="task name of a labelled CSV (default: its folder name)")
    add.add_argument("--labels", help='label names of a labelled CSV, e.g. "0=background,1=binding site"')
    add.add_argument(
        "--tasks-json", type=Path, help="tasks.json with label names (default: found beside the CSV)"
    )
    add.add_argument("--window", type=whole(8), default=500, help="window length for long sequences (bp)")
    add.add_argument("--stride", type=whole(1), default=250, help="step between windows (bp)")
    add.add_argument("--reverse", action="store_true", help="also index reverse-strand windows")
    add.add_argument("--index-type", default="auto", choices=("auto", "flat", "hnsw", "ivfpq"))
    add.add_argument("--skip-bad-lines", action="store_true", help="papers JSONL: skip and report bad lines")
    add.add_argument("--json", action="store_true", help="print the reports as JSON")
    add.add_argument("--quiet", action="store_true", help="no progress bar")
    add.add_argument(
        "--no-fit", action="store_true",
        help="do not fit 'fused' for a labelled CSV's task now (questions then answer with knn until "
        "`dnahlm index fit`)",
    )  # fmt: skip
    add.add_argument(
        "--fit-model",
        type=Path,
        help="checkpoint the 'fused' fit is for (default: DNAHLM_MODEL or the embedded one)",
    )
    scale = add.add_argument_group(
        "scale-out (Ray)",
        "parse, window and embed as a Ray Data pipeline (pip install 'dnahlm[scale]'); same result as without",
    )
    scale.add_argument("--ray", action="store_true", help="run ingestion on Ray")
    scale.add_argument(
        "--address",
        metavar="auto|local|ray://HOST:PORT",
        help="with --ray: 'local' (default) starts a private Ray, 'auto' joins the running cluster",
    )
    scale.add_argument(
        "--workers", type=whole(1, 256), metavar="N", help="with --ray: embedding workers (default 2)"
    )
    scale.add_argument(
        "--block-rows", type=whole(1), metavar="N", help="with --ray: rows per block and shard (default 4096)"
    )
    scale.add_argument(
        "--no-shards", action="store_true", help="with --ray: do not keep the per-block FAISS shards"
    )
    add.set_defaults(handler=run_add)

    fit = isub.add_parser(
        "fit",
        help="fit 'fused' for the labelled pools in an index (once; questions then never wait for a fit)",
        description="Fit (or refit) the 'fused' combination of each task's labelled pool in INDEX_DIR, for "
        "one checkpoint; the fit is kept under DNAHLM_HOME/fits, keyed by the pool, the model and the settings.",
    )
    fit.add_argument("index_dir", type=Path)
    fit.add_argument("--task", action="append", help="only this task (repeatable; default: every task)")
    fit.add_argument("--model", type=Path, help="checkpoint (default: DNAHLM_MODEL or the embedded one)")
    fit.add_argument("--refit", action="store_true", help="fit again even when a fit is kept")
    fit.add_argument("--quiet", action="store_true", help="no progress bar")
    fit.set_defaults(handler=run_fit)

    stats = isub.add_parser("stats", help="collections, counts and embedders of an index")
    stats.add_argument("index_dir", type=Path)
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=run_stats)

    search = isub.add_parser(
        "search",
        help="search an index",
        description="A DNA query is embedded as a sequence, anything else as text.",
    )
    search.add_argument("index_dir", type=Path)
    search.add_argument("query")
    search.add_argument("--k", type=whole(1, 1000), default=5)
    search.add_argument("--collection", action="append", help="search only this collection (repeatable)")
    search.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE", help="metadata filter")
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=run_search)

    remove = isub.add_parser("remove", help="delete every record that came from a file")
    remove.add_argument("index_dir", type=Path)
    remove.add_argument("--source", type=Path, required=True, help="the file, as it was added")
    remove.add_argument("--collection")
    remove.set_defaults(handler=run_remove)

    repair = isub.add_parser(
        "repair",
        help="restore a whole index: a lost manifest, vectors rebuilt from the metadata; says what it keeps",
    )
    repair.add_argument("index_dir", type=Path)
    repair.add_argument(
        "--force",
        action="store_true",
        help="accept dropping records that cannot be restored (see the report)",
    )
    repair.set_defaults(handler=run_repair)


def _embedder(args: argparse.Namespace):
    from dnahlm.index.embed import DNAHLMEmbeddings, KmerEmbeddings

    if args.embedder == "dnahlm":
        return DNAHLMEmbeddings(model_path=str(args.model or ""))
    if args.model:
        raise ConfigError("--model is only used with --embedder dnahlm")
    if args.k is not None:
        if args.embedder not in (None, "kmer"):
            raise ConfigError("--k is only used with --embedder kmer")
        return KmerEmbeddings(k=args.k, canonical=True)
    return args.embedder


def _ray_kwargs(args: argparse.Namespace) -> dict:
    """The Ray-only arguments of ``index add``: empty without --ray (where giving one is an error)."""
    given = [
        flag
        for flag, value in (
            ("--address", args.address),
            ("--workers", args.workers),
            ("--block-rows", args.block_rows),
            ("--no-shards", args.no_shards or None),
        )
        if value is not None
    ]
    if not args.ray:
        if given:
            raise ConfigError(f"{' '.join(given)} only apply with --ray")
        return {}
    from dnahlm.index.distributed import RayOptions, require_ray

    require_ray()  # one clear line when Ray is not installed, before any work
    opts = RayOptions(address=args.address)
    if args.workers is not None:
        if args.workers < 1:
            raise ConfigError(f"--workers {args.workers}: need at least 1")
        opts.workers = args.workers
    if args.block_rows is not None:
        if args.block_rows < 1:
            raise ConfigError(f"--block-rows {args.block_rows}: need at least 1")
        opts.block_rows = args.block_rows
    return {"options": opts, "shards": not args.no_shards}


def run_add(args: argparse.Namespace) -> int:
    from dnahlm.index.ingest import WindowConfig

    if args.stride <= 0 or args.window <= 0 or args.stride > args.window:
        raise ConfigError(f"--window {args.window} --stride {args.stride}: need 0 < stride <= window")
    ray_kwargs = _ray_kwargs(args)
    if not args.no_fit:  # a pool the fit would refuse is refused before anything is added
        from dnahlm.index.ingest import check_pools

        check_pools(
            args.index_dir,
            args.files,
            collection=args.collection,
            task=args.task,
            labels=args.labels,
            tasks_json=args.tasks_json,
        )
    if ray_kwargs:
        from dnahlm.index.distributed import add_files_ray as add
    else:
        from dnahlm.index.ingest import add_files as add
    reports = add(
        args.index_dir,
        args.files,
        collection=args.collection,
        embedder=_embedder(args),
        task=args.task,
        labels=args.labels,
        tasks_json=args.tasks_json,
        window=WindowConfig(args.window, args.stride, args.reverse),
        fasta=args.fasta,
        index_type=args.index_type,
        errors="skip" if args.skip_bad_lines else "raise",
        progress=not args.quiet,
        **ray_kwargs,
    )
    tasks = sorted({r.task for r in reports if r.task and r.collection == "examples"})
    fits = (
        {} if args.no_fit or not tasks else fit_tasks(args.index_dir, tasks, args.fit_model, quiet=args.quiet)
    )
    if args.json:
        print(
            json.dumps(
                [r.__dict__ | ({"fit": fits[r.task]} if r.task in fits else {}) for r in reports], indent=2
            )
        )
        return 0
    for r in reports:
        if r.skipped:
            say(f"{r.path}: already in {r.collection}, skipped")
        else:
            dup = f", {r.duplicates} duplicates skipped" if r.duplicates else ""
            say(f"{r.path}: {r.added} records added to {r.collection}{dup} ({r.seconds:.1f} s)")
        for note in r.notes:
            say(f"  {note}")
    for task, fit in fits.items():
        say(_fit_line(task, fit))
    return 0


def _fit_line(task: str, fit: dict) -> str:
    return (
        f"task {task}: 'fused' fitted for its pool of {fit['rows']:,} rows "
        f"(combines {', '.join(fit['inputs'])}; {fit['seconds']:.1f} s)"
    )


def fit_tasks(
    index_dir: Path, tasks: list[str] | None, model: Path | None, *, refit: bool = False, quiet: bool = False
) -> dict:
    """Fit 'fused' for each task's pool in the index (all tasks when None); what each fit combines."""
    import time

    from tqdm import tqdm

    from dnahlm.retrieval.service import PredictionService

    service = PredictionService(index_dir, model=model)
    names = tasks or service.index_tasks()
    if not names:
        raise ConfigError(f"{index_dir}: no labelled pools to fit (add a labelled CSV first)")
    out = {}
    for name in names:
        t0 = time.perf_counter()
        desc = terminal_safe(f"fitting fused for {name}")  # a task name may come from a folder name
        with tqdm(desc=desc, disable=quiet, leave=False, bar_format="{desc} ({elapsed})") as bar:
            p = service.fit(
                name,
                refit=refit,
                progress=lambda stage, d=desc, b=bar: b.set_description_str(f"{d}: {terminal_safe(stage)}"),
            )
        out[name] = {
            "rows": len(p.pool),
            "inputs": p.fused_inputs,
            "seconds": round(time.perf_counter() - t0, 2),
        }
    return out


def run_fit(args: argparse.Namespace) -> int:
    fits = fit_tasks(args.index_dir, args.task, args.model, refit=args.refit, quiet=args.quiet)
    for task, fit in fits.items():
        say(_fit_line(task, fit))
    return 0


def run_stats(args: argparse.Namespace) -> int:
    from dnahlm.index.search import format_table
    from dnahlm.index.store import KnowledgeStore

    with KnowledgeStore(args.index_dir) as store:
        stats = store.stats()
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    say(f"{stats['path']} (generation {stats['generation']})")
    rows = [{"collection": name, **c} for name, c in stats["collections"].items()]
    say(format_table(rows, ["collection", "records", "sources", "embedder", "dimension", "index"]))
    return 0


def _filters(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--filter {item!r}: expected KEY=VALUE, e.g. --filter task=tf_0")
        out[key] = value
    return out


def run_search(args: argparse.Namespace) -> int:
    from dnahlm.index.search import describe_hit, format_table, hits_json, search
    from dnahlm.index.store import KnowledgeStore

    if args.k <= 0:
        raise ConfigError(f"--k {args.k}: must be positive")
    with KnowledgeStore(args.index_dir) as store:
        hits = search(store, args.query, args.k, collections=args.collection, filter=_filters(args.filter))
    if args.json:
        print(hits_json(hits))
        return 0
    if not hits:
        say("no hits", file=sys.stderr)
        return 0
    rows = [{"#": i + 1, **describe_hit(h)} for i, h in enumerate(hits)]
    say(format_table(rows, ["#", "score", "collection", "what", "where", "snippet"]))
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from dnahlm.index.ingest import remove_source

    n = remove_source(args.index_dir, args.source, args.collection)
    if n == 0:
        raise ConfigError(f"{args.index_dir}: no records from {args.source} (see `dnahlm index stats`)")
    say(f"removed {n} records from {args.source}")
    return 0


def run_repair(args: argparse.Namespace) -> int:
    from dnahlm.index.repair import repair

    report = repair(args.index_dir, force=args.force, progress=lambda line: print(line, file=sys.stderr))
    say("\n".join(report.lines()))
    return 0
