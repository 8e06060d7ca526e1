"""In-silico mutagenesis speed: every single-base variant of one 300 bp promoter, scored by a predictor.

    python benchmarks/bench_mutagenesis.py [--data ../shared/data] [--task prom_300_all] [--pool-size 5000]
        [--methods knn,fused] [--batch-size 256] [--no-motif-cnn] [--calibration 1000] [--model CHECKPOINT]
        [--threads N] [--seed 0] [--cache-dir DIR]

The pool is ``--pool-size`` rows of the task's GUE pool (``train.csv`` where there is one, else
``dev.csv``), sampled with ``--seed``; the query is the first promoter row left out of the pool. For each
method a :class:`dnahlm.retrieval.predictor.FewShotPredictor` scores the reference and its ``3 x 300``
variants through :func:`dnahlm.retrieval.mutagenesis.mutagenesis`, in batches of ``--batch-size``.
``fused`` is fitted first, with only the pool-trained inputs (kNN, k-mer probe, motif CNN: no
language-model pass); its fit is timed apart, as a service fits once and then serves many queries (with
``--cache-dir`` a rerun reads it back). Prints a markdown table (method, fit, variants, seconds,
variants/s) and the five positions that matter most. Without the shared data it prints why and exits 0.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import random
import sys
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def load(data: Path, task_name: str, pool_size: int, seed: int):
    """(task, pool, query): a seeded sample of the task's pool and the first promoter row outside it."""
    from dnahlm.tasks import Example, get_task

    folder = data / "gue" / task_name
    task = get_task(data / "gue" / "tasks.json", task_name)
    path = folder / "train.csv" if (folder / "train.csv").is_file() else folder / "dev.csv"
    with open(path, newline="") as fh:
        rows = [(r["sequence"], int(r["label"])) for r in csv.DictReader(fh)]
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    chosen = set(order[:pool_size])
    pool = [Example(f"{path.name}:{i}", rows[i][0], rows[i][1], task_name) for i in sorted(chosen)]
    positive = max(task.labels)  # 1: promoter
    query = next(rows[i][0] for i in order[pool_size:] if rows[i][1] == positive)
    return task, pool, query, path


def fast_config(**kwargs):
    """A ``PredictorConfig`` whose ``fused`` combines only the pool-trained inputs (no model pass)."""
    from dnahlm.retrieval.predictor import PredictorConfig

    names = {f.name for f in dataclasses.fields(PredictorConfig)}
    if "inputs" in names:  # PredictorConfig(inputs="fast")
        kwargs["inputs"] = "fast"
    elif "select_inputs" in names:  # older form: drop the model's inputs when they do not help
        kwargs["select_inputs"] = True
    return PredictorConfig(**kwargs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--task", default="prom_300_all")
    ap.add_argument("--pool-size", type=int, default=5000)
    ap.add_argument("--methods", default="knn,fused")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--calibration", type=int, default=1000)
    ap.add_argument("--no-motif-cnn", action="store_true", help="fused without the motif CNN")
    ap.add_argument("--model", type=Path)
    ap.add_argument("--cache-dir", help="keep the fused fit here (JSON) so that a rerun skips it")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=0)
    args, _ = ap.parse_known_args()  # run_all.py passes its own arguments to every script

    if not (args.data / "gue" / args.task).is_dir():
        print(f"skipped: GUE task {args.task} not found under {args.data / 'gue'} (give --data)")
        return 0
    import torch

    torch.set_num_threads(args.threads)
    from dnahlm.retrieval.mutagenesis import mutagenesis
    from dnahlm.retrieval.predictor import FewShotPredictor

    task, pool, query, path = load(args.data, args.task, args.pool_size, args.seed)
    config = fast_config(
        calibration=args.calibration,
        motif_cnn=not args.no_motif_cnn,
        batch_size=32,
        seed=args.seed,
        cache_dir=args.cache_dir,
    )
    t0 = time.perf_counter()
    predictor = FewShotPredictor(task, pool, model_path=args.model, config=config)
    build = time.perf_counter() - t0
    column = task.label_ids.index(max(task.labels))
    rows, notes = [], []
    for method in args.methods.split(","):
        fit = ""
        if method == "fused":
            print(f"fitting fused on {len(pool):,} rows ...", file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            predictor.fit()
            fit = f"{time.perf_counter() - t0:.1f} s"
            notes.append(f"fused combines {', '.join(predictor.fused_inputs)}")

        def probs(seqs, m=method):
            return predictor.method_probs(seqs, [m])[0][m]

        probs([query])  # warm-up (first call of a method loads what it needs)
        t0 = time.perf_counter()
        result = mutagenesis(query, probs, column, labels=task.label_names, batch_size=args.batch_size)
        seconds = time.perf_counter() - t0
        top = ", ".join(f"{e.position}{e.base}>{e.alternative} {e.delta:+.3f}" for e in result.top(5))
        rows.append((method, fit, result.variants, seconds, result.reference, top))

    print(
        f"pool: {len(pool):,} rows sampled (seed {args.seed}) from {path}; query: a {len(query)} bp "
        f"{task.labels[max(task.labels)]} row outside the pool; torch threads {args.threads}; batches of "
        f"{args.batch_size}; predictor built in {build:.2f} s"
        + (f"; {'; '.join(notes)}" if notes else "")
        + "\n"
    )
    print(
        f"| method | fit | variants | seconds | variants/s | P({task.label_names[column]}) | top 5 positions |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    for method, fit, n, seconds, ref, top in rows:
        print(f"| {method} | {fit or '-'} | {n:,} | {seconds:.2f} | {n / seconds:,.0f} | {ref:.3f} | {top} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
