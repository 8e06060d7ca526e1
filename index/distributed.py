"""Ingestion on Ray: the same parsers, windows and embedders as :mod:`~dnahlm.index.ingest`, as a Ray Data
pipeline, for inputs that outgrow one process (whole genomes, large paper corpora).

``dnahlm index add INDEX FILE... --ray [--address auto|local] [--workers N]`` calls :func:`add_files_ray`:

1. The driver does what the single-machine path does before parsing: file hashes, files already in the
   collection skipped, the embedder chosen and checked against the collection's.
2. Ray Data ``map_batches`` runs :func:`~dnahlm.index.ingest.iter_records` and
   :func:`~dnahlm.index.ingest.windowed` over the files (one task per file, files in parallel), then an
   actor pool of ``workers`` embedders, each holding its model loaded once, embeds blocks of rows.
3. The driver takes the embedded blocks in input order and merges each into the knowledge store
   (``KnowledgeStore.add``: one SQLite metadata store, FAISS row ids assigned in input order) and writes
   the block's vectors, under those ids, as one FAISS shard (:mod:`~dnahlm.index.sharded`). Each file is
   one transaction, committed as a store generation, as on one machine.

Since rows arrive in the order one process would make them and each row's vector does not depend on the
rows around it, the store holds the same ids and the same vectors as ``dnahlm index add`` without
``--ray``. A file with an error commits nothing; files fully merged before it stay committed (with Ray a
later file's error can surface while an earlier file is merging: that file is rolled back too, and adding
the same files again finishes the job, skipping the files already in).

Ray is imported only here and only when called, so the other commands do not pay for it. Workers must be
able to import ``dnahlm`` (the same environment on every node of a cluster) and to read the input files.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from dnahlm import errors
from dnahlm.errors import ConfigError, DataFormatError, DnahlmError

from .embed import EMBEDDERS, SEQUENCE_EMBEDDERS, embedder_spec
from .ingest import (
    IngestReport,
    WindowConfig,
    _suffix,
    default_collection,
    file_sha256,
    get_embedder,
    iter_records,
    resolve_task,
    windowed,
)
from .sharded import ShardWriter
from .store import KnowledgeStore

logger = logging.getLogger("dnahlm.index")

COLUMNS = ("file", "text", "meta", "key", "error")


@dataclass
class RayOptions:
    """Where and how wide the pipeline runs.

    Attributes:
        address: ``None`` or ``"local"`` starts a private local Ray; ``"auto"`` joins the running cluster;
            ``"ray://host:10001"`` connects a client. A Ray already initialised in this process is reused.
        workers: embedding actors (each holds one embedder; one CPU each).
        block_rows: rows per block, which is also one shard of the sharded index.
        threads: torch/BLAS threads per actor.
    """

    address: str | None = None
    workers: int = 2
    block_rows: int = 4096
    threads: int = 1


def require_ray() -> Any:
    """The ``ray`` module, or a one-line :class:`ConfigError` saying how to install it."""
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise ConfigError(
            "--ray needs Ray Data, which is not installed: pip install 'dnahlm[scale]' (or 'ray[data]')"
        ) from exc
    return ray


@contextmanager
def ray_session(address: str | None = None, workers: int = 2, *, progress: bool = False) -> Iterator[Any]:
    """Ray, initialised for the pipeline (and shut down after, when this call started it)."""
    ray = require_ray()
    started = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "logging_level": "WARNING",
        }
        if address in (None, "local"):
            kwargs["num_cpus"] = workers + 1  # the actors plus two parsing tasks
        else:
            kwargs["address"] = address
        try:
            ray.init(**kwargs)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ConfigError(f"--address {address}: cannot start or join Ray ({exc})") from exc
        started = True
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True  # rows reach the store in the order of one process
    ctx.enable_progress_bars = progress
    logging.getLogger("ray.data").setLevel(logging.ERROR)  # no notes on progress bars and block sizes
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


@dataclass
class _FileJob:
    path: str
    source: str
    sha: str
    task: Any = None


def _parse(
    batch: dict[str, np.ndarray],
    jobs: list[_FileJob],
    collection: str,
    window: WindowConfig,
    fasta: str | None,
    errors_mode: str,
    block_rows: int,
) -> Iterator[dict[str, np.ndarray]]:
    """Ray Data stage: one file -> blocks of ``(text, metadata JSON, key)`` rows, in file order.

    A user error (bad line, bad record) becomes one row with ``error`` set, so the driver meets it at
    its place in the stream and raises it as itself.
    """
    i = int(batch["file"][0])
    job = jobs[i]
    rows: list[tuple[str, str, str]] = []
    try:
        records = iter_records(job.path, collection, task=job.task, fasta=fasta, errors=errors_mode)
        for text, meta, key in windowed(records, window):
            meta["source"] = job.source
            rows.append((text, json.dumps(meta, sort_keys=True, default=str), key))
            if len(rows) >= block_rows:
                yield _block(i, rows)
                rows = []
        if rows:
            yield _block(i, rows)
    except DnahlmError as exc:
        if rows:
            yield _block(i, rows)
        yield _block(i, [("", "{}", "")], error=f"{type(exc).__name__}\t{exc}")


def _block(file: int, rows: list[tuple[str, str, str]], error: str = "") -> dict[str, np.ndarray]:
    n = len(rows)
    return {
        "file": np.full(n, file, dtype=np.int64),
        "text": np.array([r[0] for r in rows], dtype=object),
        "meta": np.array([r[1] for r in rows], dtype=object),
        "key": np.array([r[2] for r in rows], dtype=object),
        "error": np.array([error] * n, dtype=object),
    }


class _EmbedWorker:
    """Ray Data actor: holds one embedder (its model loaded once) and adds a ``vector`` column."""

    def __init__(self, embedder: Embeddings, threads: int = 1) -> None:
        if threads:
            for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ[var] = str(threads)
        self.embedder = embedder
        self.threads = threads
        self.dimension: int | None = None

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if self.threads and getattr(self.embedder, "model_path", None) is not None:
            import torch

            torch.set_num_threads(self.threads)
        texts = [str(t) for t in batch["text"]]
        ok = np.array([not e for e in batch["error"]], dtype=bool)
        emb = self.embedder
        good = [t for t, keep in zip(texts, ok, strict=True) if keep]
        vectors = (
            emb.embed_array(good) if hasattr(emb, "embed_array") else np.asarray(emb.embed_documents(good))
        )
        if self.dimension is None:
            self.dimension = vectors.shape[1] if len(good) else _dimension(emb)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)  # error rows: zeros, never stored
        out[ok] = vectors
        return {**batch, "vector": out, "worker": np.full(len(texts), os.getpid(), dtype=np.int64)}


def _dimension(embedder: Embeddings) -> int:
    dim = getattr(embedder, "dimension", None)
    return int(dim) if dim is not None else len(embedder.embed_query("ACGT"))


def _shippable(embedder: Embeddings) -> Embeddings:
    """A copy of a known embedder without its loaded model (each actor loads its own); others as they are."""
    if type(embedder) in EMBEDDERS.values():
        return type(embedder).model_validate(embedder.model_dump())
    return embedder


def _raise_row_error(error: str) -> None:
    """Raise the user error a parse task reported (its class, or the nearest one built from a message)."""
    name, _, message = error.partition("\t")
    cls = getattr(errors, name, None)
    for base in cls.__mro__ if isinstance(cls, type) else ():
        if issubclass(base, DnahlmError):
            try:
                exc = base(message)
            except TypeError:  # e.g. InvalidSequenceError takes its parts, not a message
                continue
            raise exc
    raise DataFormatError(message)


def add_files_ray(
    index_dir: str | Path,
    files: Sequence[str | Path],
    *,
    collection: str | None = None,
    embedder: str | Embeddings | None = None,
    task: str | None = None,
    labels: str | None = None,
    tasks_json: str | Path | None = None,
    window: WindowConfig | None = None,
    fasta: str | Path | None = None,
    index_type: str = "auto",
    errors: str = "raise",
    options: RayOptions | None = None,
    shards: bool = True,
    progress: bool = False,
) -> list[IngestReport]:
    """Ingest ``files`` into the index at ``index_dir`` with a Ray Data pipeline; one commit per file.

    Takes the arguments of :func:`dnahlm.index.ingest.add_files` plus ``options`` (where Ray runs, how many
    embedding workers) and ``shards`` (also write each block as a FAISS shard under ``shards/``, for
    :class:`~dnahlm.index.sharded.ShardedSearcher`). The result equals the single-machine path's.

    Raises:
        ConfigError: Ray is not installed, or cannot be started or reached.
        DnahlmError: the first file with an error, after the files merged before it were committed.
    """
    opts = options or RayOptions()
    if opts.workers < 1 or opts.block_rows < 1:
        raise ConfigError(f"--workers {opts.workers}: need at least one worker and one row per block")
    window = window or WindowConfig()
    reports: list[IngestReport] = []
    with KnowledgeStore(index_dir, create=True) as store:
        groups = _plan(store, files, collection, embedder, task, labels, tasks_json, reports)
        if not groups:
            return reports
        with ray_session(opts.address, opts.workers, progress=progress) as ray:
            for coll, emb, jobs, job_reports in groups:
                _run_group(
                    ray, store, coll, emb, jobs, job_reports, window, fasta, index_type, errors, opts, shards
                )
    return reports


def _plan(store, files, collection, embedder, task, labels, tasks_json, reports):
    """Group the files to ingest by (collection, embedder), skipping files already in; fills ``reports``."""
    groups: list[tuple[str, Embeddings, list[_FileJob], list[IngestReport]]] = []
    seen: set[tuple[str, str]] = set()
    for f in files:
        p = Path(f)
        coll = collection or default_collection(p)
        t = resolve_task(p, task, labels, tasks_json) if _suffix(p) == ".csv" else None
        emb = get_embedder(embedder, coll, store)
        spec = embedder_spec(emb)
        if coll in store.collections:
            store.ensure_collection(coll, spec, store.collections[coll].dimension)
        report = IngestReport(str(p), coll)
        reports.append(report)
        sha = file_sha256(p)
        if store.has_source(coll, sha) or (coll, sha) in seen:
            report.skipped = True
            continue
        seen.add((coll, sha))
        job = _FileJob(str(p), str(p.resolve()), sha, t)
        if groups and groups[-1][0] == coll and embedder_spec(groups[-1][1]) == spec:
            groups[-1][2].append(job)
            groups[-1][3].append(report)
        else:
            groups.append((coll, emb, [job], [report]))
    return groups


def build_pipeline(
    ray: Any,
    jobs: Sequence[_FileJob],
    collection: str,
    embedder: Embeddings,
    window: WindowConfig,
    options: RayOptions,
    *,
    fasta: str | Path | None = None,
    errors: str = "raise",
) -> Any:
    """The Ray Dataset of embedded rows of ``jobs``' files, in input order (nothing is stored).

    Columns: ``file`` (index into ``jobs``), ``text``, ``meta`` (JSON), ``key``, ``error``, ``vector``,
    ``worker`` (the embedding process).
    """
    ds = ray.data.from_items([{"file": i} for i in range(len(jobs))], override_num_blocks=len(jobs))
    ds = ds.map_batches(
        _parse,
        batch_size=1,
        num_cpus=0.5,  # not fused into the embedding actors: files are parsed apart from embedding
        fn_kwargs={
            "jobs": list(jobs),
            "collection": collection,
            "window": window,
            "fasta": str(fasta) if fasta else None,
            "errors_mode": errors,
            "block_rows": options.block_rows,
        },
    )
    # blocks of block_rows rows, streamed (the parse tasks' output is otherwise one block per file)
    ds = ds.repartition(target_num_rows_per_block=options.block_rows)
    return ds.map_batches(
        _EmbedWorker,
        fn_constructor_kwargs={"embedder": _shippable(embedder), "threads": options.threads},
        batch_size=options.block_rows,
        num_cpus=1,
        compute=ray.data.ActorPoolStrategy(size=options.workers),
    )


def file_jobs(files: Sequence[str | Path], task: Any = None) -> list[_FileJob]:
    """Pipeline inputs for ``files`` (hashed; ``task`` for labelled CSVs), for :func:`build_pipeline`."""
    return [_FileJob(str(f), str(Path(f).resolve()), file_sha256(Path(f)), task) for f in files]


def _run_group(
    ray, store, collection, emb, jobs, reports, window, fasta, index_type, errors_mode, opts, write_shards
) -> None:
    """One pipeline over files sharing a collection and embedder; merges blocks as they arrive."""
    ds = build_pipeline(ray, jobs, collection, emb, window, opts, fasta=fasta, errors=errors_mode)
    merger = _Merger(store, collection, embedder_spec(emb), index_type, jobs, reports, write_shards)
    try:
        for batch in _iter_blocks(ds):
            merger.merge(batch)
        merger.finish_until(len(jobs))
    except BaseException:
        merger.rollback()
        raise


class _Merger:
    """The driver's side: merges embedded blocks into the store in order, one commit per file."""

    def __init__(self, store, collection, spec, index_type, jobs, reports, write_shards) -> None:
        self.store, self.collection, self.spec, self.index_type = store, collection, spec, index_type
        self.is_sequence = spec["name"] in SEQUENCE_EMBEDDERS
        self.jobs, self.reports = jobs, reports
        self.writer = ShardWriter(store.path, collection) if write_shards else None
        self.current = 0  # the file being merged; files before it are committed
        self.workers: dict[int, set[int]] = {}  # file -> worker processes that embedded its rows
        self.started = time.perf_counter()

    def merge(self, batch: dict[str, np.ndarray]) -> None:
        files = batch["file"]
        for i in np.unique(files):  # each file's rows are contiguous, files in order
            i = int(i)
            self.finish_until(i)
            sel = files == i
            self.workers.setdefault(i, set()).update(int(w) for w in np.unique(batch["worker"][sel]))
            failed = [e for e in batch["error"][sel] if e]
            self._add(i, batch, sel & np.array([not e for e in batch["error"]], dtype=bool))
            if failed:
                _raise_row_error(failed[0])

    def finish_until(self, stop: int) -> None:
        """Commit every file before ``stop`` (each has been merged whole)."""
        while self.current < stop:
            i, job, report = self.current, self.jobs[self.current], self.reports[self.current]
            if report.added + report.duplicates == 0:
                raise DataFormatError(f"{job.path}: no records found")
            self.store.record_source(self.collection, job.sha, job.source, report.added)
            self.store.commit()
            if self.writer is not None:
                report.notes.append(f"ray: {len(self.writer.pending)} shard(s) in {self.writer.folder}")
                self.writer.commit(self.store)
            report.notes.append(f"ray: embedded by {len(self.workers.pop(i, ()))} worker(s)")
            report.seconds = time.perf_counter() - self.started
            self.started = time.perf_counter()
            self.current += 1

    def rollback(self) -> None:
        self.store.rollback()
        if self.writer is not None:
            self.writer.rollback()

    def _add(self, i: int, batch: dict[str, np.ndarray], keep: np.ndarray) -> None:
        """Add one block's rows of file ``i`` to the store (and a shard), as ``ingest._flush`` does."""
        if not keep.any():
            return
        texts = [str(t) for t in batch["text"][keep]]
        metas = [json.loads(m) for m in batch["meta"][keep]]
        for m in metas:
            if (m.get("kind") == "passage") == self.is_sequence:
                raise ConfigError(
                    f"{self.jobs[i].path}: {m.get('kind')} records cannot go into collection "
                    f"{self.collection!r} built with the {self.spec['name']} embedder; choose --embedder "
                    f"{'text' if not self.is_sequence else 'kmer'} or another collection"
                )
        vectors = np.ascontiguousarray(batch["vector"][keep], dtype=np.float32)
        keys = [str(k) for k in batch["key"][keep]]
        ids = self.store.add(
            self.collection, vectors, texts, metas, keys, embedder=self.spec, index_type=self.index_type
        )
        new = np.array([i is not None for i in ids], dtype=bool)
        report = self.reports[i]
        report.added += int(new.sum())
        report.duplicates += int((~new).sum())
        if self.writer is not None and new.any():
            ids_new = np.array([i for i in ids if i is not None], dtype=np.int64)
            self.writer.write(vectors[new], ids_new, generation=self.store.generation + 1)


def _iter_blocks(ds: Any) -> Iterator[dict[str, np.ndarray]]:
    """The pipeline's output blocks in order; a failure inside Ray surfaces as a one-line DnahlmError."""
    it = iter(ds.iter_batches(batch_size=None, batch_format="numpy"))
    while True:
        try:
            batch = next(it)
        except StopIteration:
            return
        except DnahlmError:
            raise
        except Exception as exc:  # Ray wraps worker exceptions; find ours in the chain
            cause: BaseException | None = exc
            while cause is not None and not isinstance(cause, DnahlmError):
                cause = cause.__cause__
            if cause is not None:
                raise cause from exc
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DnahlmError(f"the Ray pipeline failed: {first}") from exc
        yield batch


__all__ = ["RayOptions", "add_files_ray", "build_pipeline", "file_jobs", "ray_session", "require_ray"]
