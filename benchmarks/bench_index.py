"""Index-layer speed: k-mer embedding throughput on 70 bp sequences (goal >= 200,000 sequences/s on 2 cores).

    python benchmarks/bench_index.py [--data ../shared/data] [--n 200000] [--repeats 3]

Uses GUE's 70 bp core-promoter rows when the shared data is there, random sequences otherwise.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import time
from pathlib import Path

from dnahlm.index.embed import KmerEmbeddings


def sequences(data: Path, n: int) -> tuple[list[str], str]:
    f = data / "gue" / "prom_core_all" / "train.csv"
    if f.is_file():
        with open(f, encoding="utf-8", newline="") as fh:
            rows = [r["sequence"] for r in csv.DictReader(fh)]
        return (rows * (n // len(rows) + 1))[:n], "GUE prom_core_all rows (70 bp)"
    rng = random.Random(0)
    return ["".join(rng.choice("ACGT") for _ in range(70)) for _ in range(n)], "random 70 bp"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=3)
    args, _ = ap.parse_known_args()  # run_all.py forwards the same flags to every script
    seqs, what = sequences(args.data, args.n)
    print(f"{len(seqs):,} sequences: {what}\n")
    print("| embedder | dimension | sequences/s |\n|---|---:|---:|")
    for k, canonical in ((4, False), (4, True), (6, True)):
        emb = KmerEmbeddings(k=k, canonical=canonical)
        emb.embed_array(seqs[:1000])
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            emb.embed_array(seqs)
            times.append(time.perf_counter() - t)
        rate = len(seqs) / statistics.median(times)
        print(f"| k-mer k={k}{' canonical' if canonical else ''} | {emb.dimension} | {rate:,.0f} |")


if __name__ == "__main__":
    main()
