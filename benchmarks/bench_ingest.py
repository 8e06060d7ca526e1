"""Ingest speed: the E. coli K-12 GenBank record and GUE ``prom_core_all`` through ``add_files``.

    python benchmarks/bench_ingest.py [--data ../shared/data] [--repeats 3]

E. coli K-12 MG1655 (``<data>/annotated/ecoli_K12_MG1655_NC_000913.3.gbff.gz``) is ingested with the
defaults of ``dnahlm index add`` (k-mer embedder k=5 canonical, 500 bp windows every 250 bp, exact index)
into a fresh index on /tmp. To show where the time goes, the same work is also timed in stages, each
including the ones before it: parsing only (:func:`dnahlm.index.annotated.parse_genbank`), parsing and
windowing, parsing, windowing and embedding (no store), and the whole ``add_files`` (hash, parse, window,
embed, SQLite rows, FAISS, commit to disk). Features are the ``SequenceRecord`` s parsed; windows are
the rows stored. GUE ``prom_core_all/train.csv`` (70 bp labelled rows) is timed the same way: reading
the CSV, then ``add_files``. Rows whose data are absent are skipped with a message. Figures are medians
of ``--repeats`` runs. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path

import faiss

from dnahlm.index.annotated import parse_genbank
from dnahlm.index.ingest import WindowConfig, add_files, get_embedder, iter_records, resolve_task, windowed
from dnahlm.tasks import read_pool

ECOLI = Path("annotated/ecoli_K12_MG1655_NC_000913.3.gbff.gz")
GUE = Path("gue/prom_core_all/train.csv")
DEFAULT_DATA = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data").resolve()
BATCH = 2048  # add_file's default batch size


def timed(fn: Callable[[], dict[str, int]], repeats: int) -> tuple[float, dict[str, int]]:
    """Median seconds of ``repeats`` calls, and the counts the last call returned."""
    times, counts = [], {}
    for _ in range(repeats):
        t = time.perf_counter()
        counts = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), counts


def ingest(path: Path) -> dict[str, int]:
    """``add_files`` into a fresh index on /tmp; rows added and duplicates skipped."""
    folder = Path(tempfile.mkdtemp(prefix="dnahlm-bench-ingest-", dir="/tmp"))
    try:
        (report,) = add_files(folder / "index", [path])
        return {"windows": report.added, "duplicates": report.duplicates}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def ecoli_rows(path: Path, repeats: int) -> list[str]:
    emb = get_embedder(None, "sequences")

    def parse() -> dict[str, int]:
        return {"features": sum(1 for _ in parse_genbank(path))}

    def window() -> dict[str, int]:
        return {"windows": sum(1 for _ in windowed(iter_records(path, "sequences"), WindowConfig()))}

    def embed() -> dict[str, int]:
        rows, n = windowed(iter_records(path, "sequences"), WindowConfig()), 0
        while batch := [text for text, _, _ in islice(rows, BATCH)]:
            emb.embed_array(batch)
            n += len(batch)
        return {"windows": n}

    s_parse, c = timed(parse, repeats)
    features = c["features"]
    s_window, c = timed(window, repeats)
    windows = c["windows"]
    s_embed, _ = timed(embed, repeats)
    s_all, c = timed(lambda: ingest(path), repeats)
    what = f"E. coli K-12 GenBank ({path.stat().st_size / 2**20:.1f} MB gz)"

    def row(stage: str, seconds: float, n_windows: int | None) -> str:
        count, rate = (f"{n_windows:,}", f"{n_windows / seconds:,.0f}") if n_windows else ("", "")
        return f"| {what}: {stage} | {features:,} | {count} | {seconds:.2f} | {features / seconds:,.0f} | {rate} |"

    return [
        row("parse only (`parse_genbank`)", s_parse, None),
        row("parse + 500/250 bp windows", s_window, windows),
        row(f"parse + windows + embed ({emb.__class__.__name__} k={emb.k}, no store)", s_embed, windows),
        row(
            f"**`add_files`** (everything, commit to disk; {c['windows']:,} rows stored, "
            f"{c['duplicates']:,} duplicate windows skipped)",
            s_all,
            c["windows"],
        ),
    ]


def gue_rows(path: Path, repeats: int) -> list[str]:
    task = resolve_task(path)
    s_read, c = timed(lambda: {"examples": len(read_pool(path, task, iupac=True))}, repeats)
    s_all, c2 = timed(lambda: ingest(path), repeats)
    n = c["examples"]
    return [
        f"| GUE prom_core_all train.csv: read CSV (`read_pool`) | {n:,} | | {s_read:.2f} | {n / s_read:,.0f} | |",
        f"| GUE prom_core_all train.csv: **`add_files`** ({c2['windows']:,} rows stored, "
        f"{c2['duplicates']:,} duplicates skipped) | {n:,} | {c2['windows']:,} | {s_all:.2f} "
        f"| {n / s_all:,.0f} | {c2['windows'] / s_all:,.0f} |",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per row; the median is shown")
    args, _ = ap.parse_known_args()  # run_all.py forwards every script's flags
    threads = faiss.omp_get_max_threads()
    print(
        f"machine: {os.cpu_count()} CPUs (os.cpu_count()); faiss {faiss.__version__}, {threads} threads "
        f"(its default); median of {args.repeats} run(s) per row. No speed goal is set for ingest.\n"
    )
    print(
        "| what | features (or examples) | windows (rows stored) | seconds | features (or examples)/s | windows/s |\n"
        "|---|---:|---:|---:|---:|---:|"
    )
    ecoli, gue = args.data / ECOLI, args.data / GUE
    if ecoli.is_file():
        print("\n".join(ecoli_rows(ecoli, args.repeats)), flush=True)
    else:
        print(f"| E. coli K-12 GenBank: skipped, {ecoli} is absent (give --data) | | | | | |")
    if gue.is_file():
        print("\n".join(gue_rows(gue, args.repeats)), flush=True)
    else:
        print(f"| GUE prom_core_all: skipped, {gue} is absent (give --data) | | | | | |")


if __name__ == "__main__":
    main()
