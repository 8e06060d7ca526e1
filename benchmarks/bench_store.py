"""Knowledge-store speed: query overhead against raw FAISS, and IVF-PQ at a million vectors.

    python benchmarks/bench_store.py [--data ../shared/data] [--n 1000000] [--queries 2000] [--threads N] [--quick]

1. **Overhead.** 50,000 clustered vectors (a Gaussian mixture, dimension 384, L2-normalised) in an exact
   (``flat``) collection. The same single-vector queries (k=10) go, alternately, to the collection's own
   FAISS index object (``store.collections[name].index.search``) and to ``KnowledgeStore.search``,
   which also reads texts and metadata from SQLite; per-query p50/p99 of each and their ratio
   (goal: store <= 1.2x raw FAISS). A filtered search (``{"task": "t3"}``, 10% of the rows) is shown for
   information, beside raw FAISS with the same id selector built once.
2. **IVF-PQ at scale.** ``--n`` vectors (default 1,000,000 x 384) added through the store in 50,000-vector
   chunks, generated from a seed so the build never holds them all: the first 100,000 are committed
   first (the store trains IVF-PQ on them), then the rest are added and committed. Reported: build
   time (train + add + commit to disk; goal < 5 min), then a fresh process opens the saved index and
   times single-vector queries through the store (k=10, the store's nprobe; goal p50 < 5 ms) and its
   resident memory (goal < 200 MB), with recall@10 against exact search for information.

``--data`` is accepted for ``run_all.py`` and not used. Everything is written to a temporary folder on
/tmp, removed at the end. Prints markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from dnahlm.index.store import KnowledgeStore

DIM = 384
K = 10
CLUSTERS = 1000
CHUNK = 50_000
TRAIN_AT = 100_000
EMBEDDER = {"name": "bench-gaussian-mixture", "params": {"dimension": DIM}}


# ----------------------------------------------------------------------------------- data and measures
def centres(seed: int = 0) -> np.ndarray:
    """(CLUSTERS, DIM) unit-length cluster centres."""
    c = np.random.default_rng(seed).standard_normal((CLUSTERS, DIM), dtype=np.float32)
    return c / np.linalg.norm(c, axis=1, keepdims=True)


def mixture(n: int, seed: int, c: np.ndarray, spread: float = 0.6) -> np.ndarray:
    """(n, DIM) float32 unit vectors: a random centre plus Gaussian noise of norm about ``spread``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, DIM), dtype=np.float32)
    x *= spread / np.sqrt(DIM)
    x += c[rng.integers(0, len(c), n)]
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def chunks(n: int, c: np.ndarray, cut: int, seed: int = 1) -> Iterator[tuple[int, np.ndarray]]:
    """``(start, vectors)`` for rows ``0..n`` in pieces of at most CHUNK, one ending at ``cut``; seeded."""
    starts = [*range(0, min(cut, n), CHUNK), *range(cut, n, CHUNK)]
    for start, end in zip(starts, [*starts[1:], n], strict=True):
        yield start, mixture(end - start, seed * 1_000_003 + start, c)


def memory_mb() -> dict[str, float]:
    """Resident memory now (VmRSS) and at its peak (VmHWM) in MB, from /proc/self/status."""
    status = Path("/proc/self/status").read_text()
    return {k: int(re.search(rf"{k}:\s+(\d+) kB", status).group(1)) / 1024 for k in ("VmRSS", "VmHWM")}


def p50_p99(ns: list[int]) -> tuple[float, float]:
    """Median and 99th percentile of per-query times in nanoseconds, as milliseconds."""
    p50, p99 = np.percentile(np.asarray(ns, dtype=np.float64), [50, 99]) / 1e6
    return float(p50), float(p99)


def alternate(fns: list[Callable[[np.ndarray], Any]], queries: np.ndarray, warmup: int) -> list[list[int]]:
    """Per-query times (ns) of each function on each query, the order rotated query by query (A B, B A...)."""
    for q in queries[:warmup]:
        for fn in fns:
            fn(q[None, :])
    times: list[list[int]] = [[] for _ in fns]
    for j, q in enumerate(queries):
        q = q[None, :]
        order = range(len(fns)) if j % 2 == 0 else reversed(range(len(fns)))
        for i in order:
            t = time.perf_counter_ns()
            fns[i](q)
            times[i].append(time.perf_counter_ns() - t)
    return times


def fetch_times(store: KnowledgeStore, index: Any, queries: np.ndarray) -> list[int]:
    """Per-query times (ns) of ``store.get`` on the ids FAISS found: the SQLite half of ``store.search``."""
    found = index.search(queries, K)[1]
    times = []
    for ids in found:
        ids = ids[ids >= 0].tolist()
        t = time.perf_counter_ns()
        store.get(ids)
        times.append(time.perf_counter_ns() - t)
    return times


def recall(found: list[np.ndarray], truth: np.ndarray) -> float:
    """Mean fraction of the exact top-k found, over queries."""
    return float(np.mean([len(set(f[f >= 0]) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)]))


def fmt(x: float, unit: str = "") -> str:
    return f"{x:,.3f}{unit}" if x < 10 else f"{x:,.1f}{unit}"


def met(ok: bool) -> str:
    return "yes" if ok else "**no**"


# ----------------------------------------------------------------------------------- 1. overhead
def bench_overhead(tmp: Path, n: int, n_queries: int) -> list[str]:
    c = centres()
    vectors = mixture(n, 1, c)
    texts = [f"v{i}" for i in range(n)]
    metas = [{"task": f"t{i % 10}"} for i in range(n)]
    path = tmp / "overhead"
    with KnowledgeStore(path, create=True) as store:
        store.add("bench", vectors, texts, metas, texts, embedder=EMBEDDER, index_type="flat")
        store.commit()
    del vectors
    store = KnowledgeStore(path)  # reopened from disk, as a reader would
    index = store.collections["bench"].index
    queries = mixture(n_queries, 2, c)
    allowed = np.asarray(store.ids("bench", {"task": "t3"}), dtype=np.int64)
    params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
    (raw, via_store, filtered, raw_filtered) = alternate(
        [
            lambda q: index.search(q, K),
            lambda q: store.search("bench", q, K),
            lambda q: store.search("bench", q, K, filter={"task": "t3"}),
            lambda q: index.search(q, K, params=params),
        ],
        queries,
        warmup=min(100, n_queries),
    )
    # the hits agree: the store returns the FAISS ids in FAISS's order
    q = queries[:1]
    assert [h.id for h in store.search("bench", q, K)[0]] == index.search(q, K)[1][0].tolist()
    g_50, g_99 = p50_p99(fetch_times(store, index, queries))
    store.close()
    r50, r99 = p50_p99(raw)
    s50, s99 = p50_p99(via_store)
    f50, f99 = p50_p99(filtered)
    g50, g99 = p50_p99(raw_filtered)
    paired = float(np.median(np.asarray(via_store) / np.asarray(raw)))
    head = f"{n:,} x {DIM} vectors, exact inner product (IndexIDMap2 + IndexFlatIP), k={K}, {n_queries:,} single-vector queries"
    return [
        f"### Query overhead: store vs raw FAISS ({head})",
        "",
        "| search | p50 ms/query | p99 ms/query | ratio to raw FAISS (p50) | goal | met? |",
        "|---|---:|---:|---:|---|---|",
        f"| raw FAISS: `index.search(q, {K})` | {r50:.3f} | {r99:.3f} | 1.00 | | |",
        f"| `store.search(name, q, {K})` (FAISS + SQLite texts/metadata) | {s50:.3f} | {s99:.3f} | "
        f"{s50 / r50:.3f} (median of paired ratios {paired:.3f}) | <= 1.2x | {met(s50 / r50 <= 1.2)} |",
        f"| `store.search(..., filter={{'task': 't3'}})` ({len(allowed):,} rows, 10%) | {f50:.3f} | {f99:.3f} | "
        f"{f50 / r50:.3f} | (information) | |",
        f"| raw FAISS with the same `IDSelectorBatch`, built once | {g50:.3f} | {g99:.3f} | {g50 / r50:.3f} "
        "| (information) | |",
        f"| reading the {K} hits' records from SQLite alone (`store.get(ids)`) | {g_50:.3f} | {g_99:.3f} | "
        f"{g_50 / r50:.3f} | (information) | |",
        "",
        f"Store overhead per query at p50: {(s50 - r50) * 1000:.0f} us unfiltered; with the filter "
        f"{(f50 - g50) * 1000:.0f} us over raw FAISS with the same selector (the store builds the selector "
        "from SQLite on the first filtered call and reuses it until the collection changes).",
    ]


# ----------------------------------------------------------------------------------- 2. IVF-PQ at scale
def build_ivfpq(path: Path, n: int, gt_queries: np.ndarray) -> dict[str, Any]:
    """Build the ``n``-vector IVF-PQ collection; timings of the store calls only, and exact top-k ids."""
    c = centres()
    train_at = min(TRAIN_AT, max(n // 10, 10_000))
    timed = {"first_add": 0.0, "train_commit": 0.0, "add": 0.0, "final_commit": 0.0}
    best_s = np.full((len(gt_queries), K), -np.inf, dtype=np.float32)
    best_i = np.full((len(gt_queries), K), -1, dtype=np.int64)
    wall = time.perf_counter()
    store = KnowledgeStore(path, create=True)
    for start, x in chunks(n, c, train_at):
        texts = [f"v{i}" for i in range(start, start + len(x))]
        metas = [{"task": f"t{i % 10}"} for i in range(start, start + len(x))]
        t = time.perf_counter()
        ids = store.add("bench", x, texts, metas, texts, embedder=EMBEDDER, index_type="ivfpq")
        timed["first_add" if start < train_at else "add"] += time.perf_counter() - t
        # exact top-k so far (not timed): merge this chunk's best into the running best
        s = gt_queries @ x.T
        top = np.argpartition(-s, K - 1, axis=1)[:, :K]
        cand_s = np.concatenate([best_s, np.take_along_axis(s, top, axis=1)], axis=1)
        cand_i = np.concatenate([best_i, np.asarray(ids, dtype=np.int64)[top]], axis=1)
        keep = np.argsort(-cand_s, axis=1)[:, :K]
        best_s, best_i = np.take_along_axis(cand_s, keep, axis=1), np.take_along_axis(cand_i, keep, axis=1)
        if start + len(x) == train_at:
            t = time.perf_counter()
            store.commit()  # trains IVF-PQ on the first batch (store.convert_if_due)
            timed["train_commit"] = time.perf_counter() - t
    t = time.perf_counter()
    store.commit()
    timed["final_commit"] = time.perf_counter() - t
    inner = faiss.downcast_index(store.collections["bench"].index)
    info = {"nlist": inner.nlist, "nprobe": inner.nprobe, "m": inner.pq.M, "type": type(inner).__name__}
    store.close()
    return {
        **timed,
        **info,
        "train_at": train_at,
        "build": sum(timed.values()),
        "wall": time.perf_counter() - wall,
        "truth": best_i,
        "memory": memory_mb(),
    }


def query_child(path: Path, queries_file: Path, truth_file: Path) -> None:
    """In a fresh process: open the index, time single-vector queries; print one JSON line."""
    before = memory_mb()
    t = time.perf_counter()
    store = KnowledgeStore(path)
    opened = time.perf_counter() - t
    after_open = memory_mb()
    queries = np.load(queries_file)
    index = store.collections["bench"].index
    raw, via_store = alternate(
        [lambda q: index.search(q, K), lambda q: store.search("bench", q, K)], queries, warmup=50
    )
    fetch = p50_p99(fetch_times(store, index, queries))
    truth = np.load(truth_file)
    found = [np.array([h.id for h in store.search("bench", q[None, :], K)[0]]) for q in queries[: len(truth)]]
    ivf = faiss.extract_index_ivf(index)
    ivf.nprobe *= 4  # is recall limited by the lists probed or by the PQ codes?
    wide = recall(index.search(queries[: len(truth)], K)[1], truth)
    ivf.nprobe //= 4
    n_filtered = min(200, len(queries))
    filtered, lookup = alternate(
        [
            lambda q: store.search("bench", q, K, filter={"task": "t3"}),
            lambda q: store.ids("bench", {"task": "t3"}),
        ],
        queries[:n_filtered],
        warmup=5,
    )
    hits = np.mean(
        [len(store.search("bench", q[None, :], K, filter={"task": "t3"})[0]) for q in queries[:50]]
    )
    store.close()
    print(
        json.dumps(
            {
                "open_s": opened,
                "before": before,
                "after_open": after_open,
                "end": memory_mb(),
                "raw": p50_p99(raw),
                "store": p50_p99(via_store),
                "filtered": p50_p99(filtered),
                "lookup": p50_p99(lookup),
                "fetch": fetch,
                "filtered_hits": float(hits),
                "recall_wide": wide,
                "nprobe_wide": ivf.nprobe * 4,
                "n_filtered": n_filtered,
                "recall": recall(found, truth),
                "n_recall": len(truth),
            }
        )
    )


def bench_ivfpq(tmp: Path, n: int, n_queries: int, threads: int) -> list[str]:
    path = tmp / "ivfpq"
    c = centres()
    queries = mixture(n_queries, 3, c)
    gt = queries[: min(200, n_queries)]
    built = build_ivfpq(path, n, gt)
    np.save(tmp / "queries.npy", queries)
    np.save(tmp / "truth.npy", built["truth"])
    sizes = {f.name: f.stat().st_size for f in path.iterdir() if f.suffix in (".faiss", ".sqlite")}
    cmd = [sys.executable, __file__, "--child", str(path), str(tmp / "queries.npy"), str(tmp / "truth.npy")]
    out = subprocess.run([*cmd, "--threads", str(threads)], check=True, capture_output=True, text=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    # an update at this size: one record added and committed (copies SQLite, rewrites the FAISS file)
    with KnowledgeStore(path) as store:
        t = time.perf_counter()
        store.add("bench", queries[:1], ["update"], [{"task": "t0"}], ["update"])
        store.commit()
        update = time.perf_counter() - t
    build_mem = built["memory"]["VmHWM"]
    query_mem = r["end"]["VmHWM"]
    s50, s99 = r["store"]
    r50, r99 = r["raw"]
    f50, f99 = r["filtered"]
    faiss_mb = sum(v for k, v in sizes.items() if k.endswith(".faiss")) / 2**20
    sqlite_mb = sum(v for k, v in sizes.items() if k.endswith(".sqlite")) / 2**20
    minutes = built["build"] / 60
    return [
        f"### IVF-PQ through the store: {n:,} x {DIM} vectors",
        "",
        f"{built['type']}: nlist {built['nlist']} (chosen from the {built['train_at']:,} vectors it was trained on), "
        f"m {built['m']} x 8 bits, nprobe {built['nprobe']} (as set by the store). On disk: FAISS {faiss_mb:,.1f} MB, "
        f"SQLite {sqlite_mb:,.1f} MB.",
        "",
        "| measure | value | goal | met? |",
        "|---|---:|---|---|",
        f"| build: add first {built['train_at']:,} (exact, staged) | {built['first_add']:.1f} s | | |",
        f"| build: commit #1 (train IVF-PQ, add, write to disk) | {built['train_commit']:.1f} s | | |",
        f"| build: add the other {n - built['train_at']:,} (SQLite rows + IVF-PQ encoding) | {built['add']:.1f} s | | |",
        f"| build: commit #2 (write to disk) | {built['final_commit']:.1f} s | | |",
        f"| **build total** (train + add + commit) | {built['build']:.1f} s ({minutes:.1f} min) | < 5 min "
        f"| {met(minutes < 5)} |",
        f"| build process peak resident memory (VmHWM) | {build_mem:,.0f} MB | (information) | |",
        f"| fresh process: open the index (SHA-256 check of every file) | {r['open_s']:.2f} s | | |",
        f"| `store.search`, k={K}, {n_queries:,} single-vector queries: p50 | {s50:.3f} ms | < 5 ms "
        f"| {met(s50 < 5)} |",
        f"| `store.search`: p99 | {s99:.3f} ms | | |",
        f"| raw FAISS on the same index: p50 / p99 | {r50:.3f} / {r99:.3f} ms | (information) | |",
        f"| reading the {K} hits' records from SQLite alone (`store.get(ids)`): p50 / p99 "
        f"| {r['fetch'][0]:.3f} / {r['fetch'][1]:.3f} ms | (information) | |",
        f"| `store.search(..., filter={{'task': 't3'}})` (10% of rows), {r['n_filtered']} queries: p50 / p99 "
        f"| {f50:.1f} / {f99:.1f} ms | (information) | |",
        f"| of which `store.ids(...)`: the allowed ids read from SQLite, on every query: p50 / p99 "
        f"| {r['lookup'][0]:.1f} / {r['lookup'][1]:.1f} ms | (information) | |",
        f"| filtered search: mean hits returned (k={K}) | {r['filtered_hits']:.2f} | (information) | |",
        f"| recall@{K} against exact search ({r['n_recall']} queries), store (nprobe {built['nprobe']}) "
        f"| {r['recall']:.3f} | (information) | |",
        f"| recall@{K}, raw FAISS with nprobe {r['nprobe_wide']} | {r['recall_wide']:.3f} | (information) | |",
        f"| query process resident memory: after imports / after open / peak (VmHWM) "
        f"| {r['before']['VmRSS']:.0f} / {r['after_open']['VmRSS']:.0f} / {query_mem:.0f} MB | < 200 MB (peak) "
        f"| {met(query_mem < 200)} |",
        f"| update: add 1 record + commit at this size | {update:.1f} s | (information) | |",
        "",
        f"Build wall time including data generation and the exact top-k for recall: {built['wall']:.1f} s.",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--data", type=Path, default=Path("../shared/data"), help="accepted for run_all.py; unused"
    )
    ap.add_argument("--n", type=int, default=1_000_000, help="vectors in the IVF-PQ build")
    ap.add_argument("--overhead-n", type=int, default=50_000, help="vectors in the overhead comparison")
    ap.add_argument("--queries", type=int, default=2_000, help="single-vector queries timed")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="faiss.omp_set_num_threads")
    ap.add_argument("--quick", action="store_true", help="small smoke run (5,000 / 20,000 vectors)")
    ap.add_argument("--child", nargs=3, type=Path, help=argparse.SUPPRESS)
    args, _ = ap.parse_known_args()  # run_all.py forwards every script's flags
    faiss.omp_set_num_threads(args.threads)
    if args.child:
        query_child(*args.child)
        return
    if args.quick:
        args.n, args.overhead_n, args.queries = 20_000, 5_000, 300
    print(
        f"machine: {os.cpu_count()} CPUs (os.cpu_count()); faiss {faiss.__version__} with "
        f"omp_set_num_threads({args.threads}) in every process (a single-vector query runs on one thread); "
        f"numpy {np.__version__}.\n"
    )
    tmp = Path(tempfile.mkdtemp(prefix="dnahlm-bench-store-", dir="/tmp"))
    try:
        print("\n".join(bench_overhead(tmp, args.overhead_n, args.queries)), "\n", flush=True)
        print("\n".join(bench_ivfpq(tmp, args.n, args.queries, args.threads)), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
