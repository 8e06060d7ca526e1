"""Few-shot prediction speed: predictions/s per method (batched) and warm single-query latency.

    python benchmarks/bench_predict.py [--data ../shared/data] [--task tf_0] [--pool-size 5000]
        [--queries 256] [--singles 50] [--model CHECKPOINT] [--threads N]

The pool is the first ``--pool-size`` rows of the task's GUE ``train.csv`` and the queries its ``dev.csv``
(without ``--data``, or when the files are missing, a synthetic GC-rich/AT-rich task of 101 bp). The
predictor (embedded dnahlm-tiny unless ``--model``) is built and ``fused`` fitted once (timed apart);
then, per method, ``--queries`` sequences in one ``predict`` call (predictions/s) and ``--singles`` one-query
calls (p50/p99 latency, warm; goal for ``few-shot``: p50 < 300 ms). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def load_rows(data: Path | None, task_name: str, pool_size: int, queries: int):
    from dnahlm.tasks import Example, Task, get_task

    gue = data / "gue" if data else None
    if gue is not None and (gue / task_name / "train.csv").is_file():
        task = get_task(gue / "tasks.json", task_name)

        def rows(name: str, n: int) -> list[Example]:
            with open(gue / task_name / name, newline="") as fh:
                it = csv.DictReader(fh)
                return [
                    Example(f"{name}:{i}", r["sequence"], int(r["label"]), task_name)
                    for i, r in zip(range(n), it, strict=False)
                ]

        dev = gue / task_name / ("dev.csv" if (gue / task_name / "dev.csv").is_file() else "train.csv")
        return task, rows("train.csv", pool_size), rows(dev.name, queries), f"GUE {task_name}"
    rng = random.Random(0)
    task = Task("synthetic", "generic", {0: "at-rich", 1: "gc-rich"})

    def synth(n: int, tag: str) -> list[Example]:
        out = []
        for i in range(n):
            w = [1, 3, 3, 1] if i % 2 else [3, 1, 1, 3]
            out.append(
                Example(f"{tag}:{i}", "".join(rng.choices("ACGT", weights=w, k=101)), i % 2, "synthetic")
            )
        return out

    return task, synth(pool_size, "pool"), synth(queries, "query"), "synthetic 101 bp"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--task", default="tf_0")
    ap.add_argument("--pool-size", type=int, default=5000)
    ap.add_argument("--queries", type=int, default=256)
    ap.add_argument("--singles", type=int, default=50)
    ap.add_argument("--model", type=Path)
    ap.add_argument(
        "--inputs", choices=("fast", "full", "auto"), default="fast", help="PredictorConfig.inputs for fused"
    )
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args, _ = ap.parse_known_args()

    import torch

    torch.set_num_threads(args.threads)
    from dnahlm.retrieval import FewShotPredictor
    from dnahlm.retrieval.predictor import METHODS, PredictorConfig

    task, pool, queries, source = load_rows(args.data, args.task, args.pool_size, args.queries)
    t0 = time.perf_counter()
    config = PredictorConfig(inputs=args.inputs)
    predictor = FewShotPredictor(task, pool, model_path=args.model, config=config)
    predictor.model  # noqa: B018 - load now, not inside the first timing
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    predictor.fit()
    fit = time.perf_counter() - t0
    seqs = [e.sequence for e in queries]
    rows = []
    for method in METHODS:
        predictor.predict(seqs[:8], method=method)  # warm-up
        t0 = time.perf_counter()
        predictor.predict(seqs, method=method)
        rate = len(seqs) / (time.perf_counter() - t0)
        times = []
        for s in seqs[: args.singles]:
            t = time.perf_counter()
            predictor.predict([s], method=method)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
        rows.append((method, rate, statistics.median(times), p99))

    print(
        f"pool: {len(pool):,} rows of {source} ({len(queries[0].sequence)} bp queries); torch threads "
        f"{args.threads}; predictor built in {build:.2f} s, fused fitted in {fit:.1f} s "
        f"({predictor.config.calibration} calibration rows; it combines {', '.join(predictor.fused_inputs)})\n"
    )
    print(f"| method | predictions/s (batch of {len(seqs)}) | single query p50 ms | p99 ms | goal |")
    print("|---|---:|---:|---:|---|")
    for method, rate, p50, p99 in rows:
        goal = f"p50 < 300 ms: {'met' if p50 < 300 else 'NOT met'}" if method == "few-shot" else ""
        print(f"| {method} | {rate:,.1f} | {p50:.1f} | {p99:.1f} | {goal} |")


if __name__ == "__main__":
    main()
