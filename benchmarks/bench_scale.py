"""Scale-out: embedding throughput and index build time, one process vs Ray with 1 and 2 local workers.

    python benchmarks/bench_scale.py [--data ../shared/data] [--genome PATH] [--parts 4]
                                     [--dnahlm-rows 2000] [--abstracts 400] [--train-steps 3]

Input: the 401-bp human windows (``<data>/genome/human_401bp_windows_motifanalysis.fa.gz``, 89,594
records, or ``--genome PATH``), cut into ``--parts`` plain FASTA files on /tmp the way a genome comes as
one file per chromosome (the Ray pipeline parses files in parallel, one task per file). Ray runs locally
(``ray.init(num_cpus=workers + 1)``, started once; its start-up is reported on its own).

Tables printed (markdown):

1. Stages of the single-machine path (k-mer k=5 canonical, 500/250 windows): parse + window, embed,
   store merge (SQLite rows + FAISS add), commit; rows/s of each, one process.
2. Embedding throughput: rows/s of the embedder alone in this process (one thread) and of the Ray
   pipeline (parse + window + embed, end to end, actors started inside) with 1 and 2 workers, for the
   k-mer embedder on all windows, DNAHLM (embedded dnahlm-tiny, mean pooling) on ``--dnahlm-rows``
   windows, and MiniLM on the passages of the first ``--abstracts`` GENIA abstracts.
3. Index build (``add_files`` vs ``add_files_ray``): seconds, rows/s, sizes of FAISS, SQLite and shards.
4. Training throughput on this CPU (fp32, batch 4 x 256 tokens, forward + backward + AdamW step): tokens/s
   of the ``tiny`` and ``small`` presets, median of ``--train-steps`` steps after one warm-up step.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from dnahlm.index.distributed import RayOptions, add_files_ray, build_pipeline, file_jobs
from dnahlm.index.embed import DNAHLMEmbeddings, KmerEmbeddings, TextEmbeddings, embedder_spec
from dnahlm.index.ingest import WindowConfig, add_files, iter_records, windowed
from dnahlm.index.search import format_table
from dnahlm.index.store import KnowledgeStore

GENOME = Path("genome/human_401bp_windows_motifanalysis.fa.gz")
ABSTRACTS = Path("papers/genia_bionlp_abstracts.jsonl")
DEFAULT_DATA = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data").resolve()
BLOCK = 4096


def split_fasta(path: Path, parts: int, dest: Path, limit: int | None = None) -> list[Path]:
    """Cut a FASTA into ``parts`` plain files of consecutive records (at most ``limit`` records in all)."""
    records: list[str] = []
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as fh:
        for line in fh:
            if line.startswith(">"):
                if limit is not None and len(records) == limit:
                    break
                records.append(line)
            else:
                records[-1] += line
    size = -(-len(records) // parts)
    out = []
    for i in range(parts):
        chunk = records[i * size : (i + 1) * size]
        if chunk:
            f = dest / f"part{i}.fa"
            f.write_text("".join(chunk))
            out.append(f)
    return out


def head_jsonl(path: Path, n: int, dest: Path) -> Path:
    out = dest / "abstracts.jsonl"
    with open(path, encoding="utf-8") as fh, open(out, "w", encoding="utf-8") as w:
        for i, line in enumerate(fh):
            if i == n:
                break
            w.write(line)
    return out


def rows_of(files: list[Path], collection: str) -> list[tuple[str, dict, str]]:
    return [row for f in files for row in windowed(iter_records(f, collection), WindowConfig())]


def embed_rates(emb, files: list[Path], collection: str) -> tuple[int, float, float]:
    """Rows, rows/s of ``emb.embed_array`` alone and of parse + window + embed, in this process."""
    emb.embed_array(["ACGT" * 20])  # the model loads here, untimed
    t = time.perf_counter()
    texts = [r[0] for r in rows_of(files, collection)]
    parse = time.perf_counter() - t
    t = time.perf_counter()
    for i in range(0, len(texts), BLOCK):
        emb.embed_array(texts[i : i + BLOCK])
    embed = time.perf_counter() - t
    return len(texts), len(texts) / embed, len(texts) / (parse + embed)


def ray_rate(ray, files: list[Path], collection: str, emb, workers: int, block: int) -> tuple[float, int]:
    """Rows/s of the Ray pipeline (parse + window + embed) consumed by this process; workers used."""
    ds = build_pipeline(
        ray, file_jobs(files), collection, emb, WindowConfig(), RayOptions(workers=workers, block_rows=block)
    )
    t, n, used = time.perf_counter(), 0, set()
    for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
        n += len(batch["text"])
        used.update(np.unique(batch["worker"]).tolist())
    return n / (time.perf_counter() - t), len(used)


def stage_table(files: list[Path]) -> list[dict]:
    t = time.perf_counter()
    rows = rows_of(files, "sequences")
    s_parse = time.perf_counter() - t
    emb = KmerEmbeddings(k=5, canonical=True)
    t = time.perf_counter()
    vectors = np.vstack(
        [emb.embed_array([r[0] for r in rows[i : i + BLOCK]]) for i in range(0, len(rows), BLOCK)]
    )
    s_embed = time.perf_counter() - t
    folder = Path(tempfile.mkdtemp(prefix="dnahlm-bench-scale-", dir="/tmp"))
    try:
        store = KnowledgeStore(folder / "ix", create=True)
        spec = embedder_spec(emb)
        t = time.perf_counter()
        for i in range(0, len(rows), BLOCK):
            b = rows[i : i + BLOCK]
            store.add(
                "sequences",
                vectors[i : i + BLOCK],
                [r[0] for r in b],
                [r[1] for r in b],
                [r[2] for r in b],
                embedder=spec,
            )
        s_add = time.perf_counter() - t
        t = time.perf_counter()
        store.commit()
        s_commit = time.perf_counter() - t
        store.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    n = len(rows)
    return [
        {"stage": "parse + window", "rows": n, "seconds": f"{s_parse:.1f}", "rows/s": f"{n / s_parse:,.0f}"},
        {"stage": "embed (k-mer)", "rows": n, "seconds": f"{s_embed:.1f}", "rows/s": f"{n / s_embed:,.0f}"},
        {"stage": "store merge", "rows": n, "seconds": f"{s_add:.1f}", "rows/s": f"{n / s_add:,.0f}"},
        {"stage": "commit", "rows": n, "seconds": f"{s_commit:.1f}", "rows/s": f"{n / s_commit:,.0f}"},
    ]


def embedding_table(ray, inputs: dict[str, tuple[list[Path], str, object]]) -> list[dict]:
    out = []
    for name, (files, collection, emb) in inputs.items():
        n, alone, whole = embed_rates(emb, files, collection)
        row = {"embedder": name, "rows": n, "embed only, 1 process": f"{alone:,.0f}"}
        row["parse+embed, 1 process"] = f"{whole:,.0f}"
        block = max(32, min(BLOCK, n // 8))  # enough blocks for both workers on small inputs
        for workers in (1, 2):
            rate, used = ray_rate(ray, files, collection, emb, workers, block)
            row[f"parse+embed, Ray {workers}"] = f"{rate:,.0f}" + (
                "" if used == workers else f" ({used} used)"
            )
        out.append(row)
    return out


def size_mb(folder: Path, pattern: str) -> float:
    return sum(f.stat().st_size for f in folder.rglob(pattern)) / 1e6


def store_mb(folder: Path) -> tuple[float, float]:
    """MB of the current generation's FAISS files and SQLite file (the previous one is kept until the next
    commit, for readers that still have it open)."""
    manifest = json.loads((folder / "manifest.json").read_text())
    faiss_mb = sum((folder / c["file"]).stat().st_size for c in manifest["collections"].values()) / 1e6
    return faiss_mb, (folder / manifest["sqlite"]["file"]).stat().st_size / 1e6


def build_table(files: list[Path]) -> list[dict]:
    out = []
    for label, workers in (("one process", 0), ("Ray, 1 worker", 1), ("Ray, 2 workers", 2)):
        folder = Path(tempfile.mkdtemp(prefix="dnahlm-bench-scale-", dir="/tmp"))
        try:
            t = time.perf_counter()
            if workers:
                reports = add_files_ray(folder, files, options=RayOptions(workers=workers, block_rows=BLOCK))
            else:
                reports = add_files(folder, files)
            seconds = time.perf_counter() - t
            n = sum(r.added for r in reports)
            faiss_mb, sqlite_mb = store_mb(folder)
            out.append(
                {
                    "path": label,
                    "rows": n,
                    "seconds": f"{seconds:.1f}",
                    "rows/s": f"{n / seconds:,.0f}",
                    "FAISS MB": f"{faiss_mb:.0f}",
                    "SQLite MB": f"{sqlite_mb:.0f}",
                    "shards MB": f"{size_mb(folder / 'shards', '*.faiss'):.0f}" if workers else "-",
                }
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return out


def train_table(steps: int) -> list[dict]:
    import torch

    from dnahlm.model import build_model, count_parameters, load_model
    from dnahlm.train.common import make_optimizer, optimizer_step

    tok = load_model().tokenizer
    out = []
    for preset in ("tiny", "small"):
        model = build_model(preset, tok)
        model.train()
        opt = make_optimizer(model, 1e-4, 0.1, (0.9, 0.95))
        x = torch.randint(0, len(tok), (4, 257))
        times = []
        for i in range(steps + 1):
            t = time.perf_counter()
            loss = model(input_ids=x[:, :-1], labels=x[:, :-1]).loss
            loss.backward()
            optimizer_step(model, opt, 1.0)
            if i:
                times.append(time.perf_counter() - t)
        tokens = 4 * 256
        out.append(
            {
                "preset": preset,
                "parameters": f"{count_parameters(model) / 1e6:.1f} M",
                "vocabulary": len(tok),
                "tokens/step": tokens,
                "s/step": f"{statistics.median(times):.2f}",
                "tokens/s": f"{tokens / statistics.median(times):,.0f}",
                "threads": torch.get_num_threads(),
            }
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--genome", type=Path, help="FASTA to index (default: the 401-bp human windows)")
    ap.add_argument("--parts", type=int, default=4)
    ap.add_argument("--dnahlm-rows", type=int, default=2000)
    ap.add_argument("--abstracts", type=int, default=200)
    ap.add_argument("--train-steps", type=int, default=3)
    args, _ = ap.parse_known_args()  # run_all.py passes its own arguments to every script
    genome = args.genome or args.data / GENOME
    if not genome.is_file():
        print(f"skipped: {genome} not found (pass --data or --genome)")
        return
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import ray

    tmp = Path(tempfile.mkdtemp(prefix="dnahlm-bench-scale-", dir="/tmp"))
    try:
        parts = split_fasta(genome, args.parts, tmp)
        (tmp / "small").mkdir()
        few = split_fasta(genome, 1, tmp / "small", limit=args.dnahlm_rows)
        print(f"input: {genome} in {len(parts)} files; {os.cpu_count()} CPU cores")
        print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
        print("### Single-machine path, by stage (one process)\n")
        print(format_table(stage_table(parts), ["stage", "rows", "seconds", "rows/s"]) + "\n")

        t = time.perf_counter()
        ray.init(num_cpus=3, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
        ray.data.DataContext.get_current().execution_options.preserve_order = True
        ray.data.DataContext.get_current().enable_progress_bars = False
        print(f"Ray local start-up: {time.perf_counter() - t:.1f} s\n")

        inputs: dict[str, tuple[list[Path], str, object]] = {
            "k-mer (k=5, 512 dims)": (parts, "sequences", KmerEmbeddings(k=5, canonical=True)),
            "DNAHLM tiny (192 dims)": (few, "sequences", DNAHLMEmbeddings()),
        }
        abstracts = args.data / ABSTRACTS
        if abstracts.is_file():
            inputs["MiniLM (384 dims)"] = (
                [head_jsonl(abstracts, args.abstracts, tmp)],
                "papers",
                TextEmbeddings(),
            )
        print("### Embedding throughput, rows/s\n")
        emb_rows = embedding_table(ray, inputs)
        print(format_table(emb_rows, list(emb_rows[0])) + "\n")

        print("### Index build (add), k-mer\n")
        build_rows = build_table(parts)
        print(format_table(build_rows, list(build_rows[0])) + "\n")
        ray.shutdown()

        print("### Training throughput on this CPU (fp32)\n")
        train_rows = train_table(args.train_steps)
        print(format_table(train_rows, list(train_rows[0])))
        print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
