"""Retriever speed and a sanity check of quality: BM25 vs MiniLM text vs RRF hybrid over real abstracts.

    python benchmarks/bench_retrievers.py [--data ../shared/data] [--limit 1000] [--queries 100] [--k 4] [--threads N]

Indexes the first ``--limit`` abstracts of ``papers/genia_bionlp_abstracts.jsonl`` (MiniLM, in a temporary
folder), then asks ``--queries`` questions made of abstract titles and reports per-query latency (p50, p95)
and how often the abstract the title belongs to comes back in the top k (hit@k). Titles inferred from the
first sentence are skipped as queries (they are a verbatim piece of the text). Skips when the data is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from dnahlm.index.embed import TextEmbeddings
from dnahlm.index.ingest import add_files
from dnahlm.index.store import KnowledgeStore
from dnahlm.retrieval.retrievers import BM25Retriever, HybridRetriever, TextRetriever


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--limit", type=int, default=1000, help="abstracts indexed (0: all)")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch.set_num_threads")
    args, _ = ap.parse_known_args()  # run_all.py forwards the same flags to every script
    source = args.data / "papers" / "genia_bionlp_abstracts.jsonl"
    if not source.is_file():
        print(f"skipped: {source} not found")
        return
    with open(source, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    rows = rows[: args.limit] if args.limit else rows
    rng = random.Random(0)
    titled = [r for r in rows if r.get("title") and not r.get("title_inferred")]
    queries = rng.sample(titled, min(args.queries, len(titled)))

    import torch

    torch.set_num_threads(args.threads)  # on a busy machine, 1 thread beats oversubscribed OpenMP by far
    emb = TextEmbeddings()
    with tempfile.TemporaryDirectory(prefix="dnahlm-bench-") as tmp:
        corpus = Path(tmp, "abstracts.jsonl")
        corpus.write_text(
            "".join(json.dumps({k: r[k] for k in ("id", "pmid", "abstract")}) + "\n" for r in rows)
        )
        started = time.perf_counter()
        add_files(
            Path(tmp, "ix"), [corpus], embedder=emb
        )  # titles left out, so a title query is a paraphrase
        ingest_s = time.perf_counter() - started
        store = KnowledgeStore(Path(tmp, "ix"))
        bm25 = BM25Retriever(store=store, k=args.k)
        started = time.perf_counter()
        bm25.invoke("warm up")  # builds the in-memory BM25 index
        build_s = time.perf_counter() - started
        text = TextRetriever(store=store, k=args.k, embedding=emb)
        text.invoke("warm up")
        hybrid = HybridRetriever(retrievers=[bm25, text], names=["bm25", "text"], k=args.k)
        print(
            f"{len(rows):,} abstracts -> {store.count('papers'):,} passages; ingest (MiniLM) {ingest_s:.1f} s, "
            f"BM25 index build {build_s * 1000:.0f} ms; {len(queries)} title queries, k={args.k}; "
            f"torch {args.threads} thread(s), {os.cpu_count()} CPUs\n"
        )
        print("| retriever | p50 ms | p95 ms | hit@k |\n|---|---:|---:|---:|")
        for name, retriever in (("bm25", bm25), ("text (MiniLM)", text), ("hybrid (RRF)", hybrid)):
            times, hits = [], 0
            for row in queries:
                started = time.perf_counter()
                docs = retriever.invoke(row["title"])
                times.append((time.perf_counter() - started) * 1000)
                hits += any(d.metadata.get("pmid") == str(row["pmid"]) for d in docs)
            p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
            print(f"| {name} | {statistics.median(times):.1f} | {p95:.1f} | {hits / len(queries):.2f} |")
        store.close()


if __name__ == "__main__":
    main()
