"""The first question about an indexed task: how long it waits, before and after fits moved to index time.

    python benchmarks/bench_first_question.py [--data ../shared/data] [--task tf_0] [--rows 30000] [--runs 5]

Builds a scratch index (a temporary folder, deleted after) holding ``--rows`` rows of the task's GUE
``train.csv`` with ``dnahlm index add --no-fit``, then times, each in a new process (start to exit,
median of ``--runs``):

- ``before``: what the first question used to cost: ``dnahlm index fit`` of the pool (the fit a question
  made there and then, with today's default inputs);
- ``first question, unfitted``: ``dnahlm predict SEQ --index IDX --task TASK`` before any fit (answered
  with ``knn``, with a note);
- ``first question, fitted``: the same after ``dnahlm index fit`` (``fused`` read from the kept fit).

Also prints the warm ``fused`` p50 over 50 single-query calls in one process. Goal: the first question
under 2 s. Skips with a message without the shared data. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def timed(argv: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "dnahlm.cli.main", *argv], env=env, check=True, capture_output=True
        )
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--task", default="tf_0")
    ap.add_argument("--rows", type=int, default=30_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    source = args.data / "gue" / args.task / "train.csv"
    if not source.is_file():
        print(f"skipped: no {source} (pass --data ../shared/data)")
        return
    with tempfile.TemporaryDirectory(prefix="dnahlm-bench-") as tmp:
        tmp = Path(tmp)
        with source.open() as f, (tmp / "train.csv").open("w") as out:
            rows = list(csv.reader(f))
            csv.writer(out).writerows(rows[: args.rows + 1])
        query = rows[-1][0]
        env = {**os.environ, "DNAHLM_HOME": str(tmp / "home")}
        idx = str(tmp / "idx")
        tasks_json = str(args.data / "gue" / "tasks.json")
        add = ["index", "add", idx, str(tmp / "train.csv"), "--task", args.task, "--tasks-json", tasks_json]
        subprocess.run(
            [sys.executable, "-m", "dnahlm.cli.main", *add, "--no-fit", "--quiet"], env=env, check=True
        )
        ask = ["predict", query, "--index", idx, "--task", args.task]
        unfitted = timed(ask, env, args.runs)
        fit = timed(["index", "fit", idx, "--refit", "--quiet"], env, 1)
        fitted = timed(ask, env, args.runs)

        os.environ["DNAHLM_HOME"] = env["DNAHLM_HOME"]
        from dnahlm.retrieval.service import PredictionService

        service = PredictionService(idx)
        service.predict(args.task, [query])
        warm = []
        for seq in [r[0] for r in rows[1:51]]:
            t = time.perf_counter()
            p = service.predict(args.task, [seq])[0]
            warm.append(time.perf_counter() - t)
        method = p.method
    print(f"{args.task}: pool of {args.rows:,} rows, median of {args.runs} new processes\n")
    print("| case | seconds |\n|---|---:|")
    print(f"| before: the fit a first question waited for (`index fit`) | {fit:.1f} |")
    print(f"| first question, unfitted pool (knn, with a note) | {unfitted:.2f} |")
    print(f"| first question, fitted at index time ({method}) | {fitted:.2f} |")
    print(f"| warm {method}, p50 of 50 single queries | {statistics.median(warm):.3f} |")


if __name__ == "__main__":
    main()
