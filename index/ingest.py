"""Ingestion: files -> records -> vectors -> the knowledge store, one file per transaction.

:func:`add_files` is what ``dnahlm index add`` calls. For each file it

1. hashes the bytes: a file already ingested into the collection is skipped (re-adding is a no-op).
   Only regular files are read (a FIFO, device, socket or folder is refused before anything is
   written), and the bytes parsed must be the bytes hashed (:func:`dnahlm.reading.watch_reads`);
2. parses it lazily into records (:mod:`~dnahlm.index.annotated` for FASTA/GenBank/EMBL/GFF3,
   :mod:`~dnahlm.index.papers` for JSONL/text/Markdown/PDF/MEDLINE, labelled CSV through the model
   layer's :func:`dnahlm.tasks.read_pool`);
3. cuts long sequences into overlapping windows that point back to their record or feature
   (``parent``), so a few-hundred-bp fragment finds the gene it comes from;
4. embeds in batches and stages the rows; records already in the collection (same content key) are
   skipped;
5. commits. A file with an error anywhere commits nothing (the index keeps its state before that file;
   files before it stay committed), and the error names the file and the line or record.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from dnahlm import reading
from dnahlm.errors import ConfigError, DataFormatError
from dnahlm.sequences import reverse_complement, windows
from dnahlm.tasks import Task, define_task, read_pool

from .annotated import ANNOTATED_SUFFIXES, parse_annotated
from .embed import SEQUENCE_EMBEDDERS, embedder_spec, make_embedder
from .papers import PAPER_SUFFIXES, parse_papers
from .records import Example, Passage, Record, SequenceRecord, content_key, record_text, to_metadata
from .store import KnowledgeStore

logger = logging.getLogger("dnahlm.index")

DEFAULT_EMBEDDER = {"sequences": "kmer", "examples": "kmer", "papers": "text"}
DEFAULT_PARAMS: dict[str, dict[str, Any]] = {"kmer": {"k": 5, "canonical": True}}


@dataclass
class WindowConfig:
    """How long sequences are cut for the index: ``size`` bp every ``stride`` bp, optionally both strands."""

    size: int = 500
    stride: int = 250
    reverse: bool = False


@dataclass
class IngestReport:
    """What happened to one file."""

    path: str
    collection: str
    added: int = 0
    duplicates: int = 0
    skipped: bool = False  # the same file (by content) was already in the collection
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    task: str | None = None  # the task of a labelled CSV


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def default_collection(path: str | Path) -> str:
    """The collection a file goes to by its kind: labelled CSV -> examples, papers -> papers, else sequences."""
    suffix = _suffix(Path(path))
    if suffix == ".csv":
        return "examples"
    if suffix in PAPER_SUFFIXES:
        return "papers"
    if suffix in ANNOTATED_SUFFIXES:
        return "sequences"
    known = sorted({".csv", *PAPER_SUFFIXES, *ANNOTATED_SUFFIXES})
    raise DataFormatError(f"{path}: cannot tell what kind of file this is; known suffixes: {' '.join(known)}")


def resolve_task(
    path: str | Path, task: str | None = None, labels: str | None = None, tasks_json: str | Path | None = None
) -> Task:
    """The task a labelled CSV belongs to (:func:`dnahlm.tasks.define_task`): ``labels`` name it (as
    ``task`` or the CSV's folder name), else ``tasks_json`` or a ``tasks.json`` one or two folders up."""
    return define_task(task or Path(path).parent.name, labels=labels, tasks_json=tasks_json, near=path)


def task_metadata(task: Task, label: int) -> dict[str, str]:
    """What an example row records of its task, so :func:`dnahlm.retrieval.pool.task_from_store` can
    rebuild the task (kind, label names, instruction) from an index alone."""
    meta = {"label_name": task.labels[label], "task_kind": task.kind}
    if task.instruction:
        meta["instruction"] = task.instruction
    return meta


def iter_records(
    path: str | Path,
    collection: str,
    *,
    task: Task | None = None,
    fasta: str | Path | None = None,
    max_tokens: int = 150,
    overlap: int = 30,
    errors: str = "raise",
) -> Iterator[Record]:
    """Parse one file lazily into records for ``collection``."""
    p = Path(path)
    suffix = _suffix(p)
    if suffix == ".csv":
        task = task or resolve_task(p)
        for e in read_pool(p, task, iupac=True):  # the task travels with each row: the index can rebuild it
            yield replace(e, meta={**e.meta, **task_metadata(task, e.label)})
    elif suffix in PAPER_SUFFIXES:
        yield from parse_papers(p, max_tokens=max_tokens, overlap=overlap, errors=errors)
    elif suffix in ANNOTATED_SUFFIXES:
        yield from parse_annotated(p, fasta=fasta)
    else:
        default_collection(p)  # raises the "unknown kind" error


def windowed(records: Iterable[Record], config: WindowConfig) -> Iterator[tuple[str, dict[str, Any], str]]:
    """``(text, metadata, key)`` rows for the store; sequence records longer than a window are cut."""
    for rec in records:
        meta = to_metadata(rec)
        if not isinstance(rec, SequenceRecord):
            meta.setdefault("parent", meta.get("doc_id") or meta.get("id"))
            yield record_text(rec), meta, content_key(rec)
            continue
        if not rec.sequence:
            raise DataFormatError(f"{rec.source}: record {rec.id} has no sequence (truncated file?)")
        key = content_key(rec)
        for offset, window in windows(rec.sequence, config.size, config.stride):
            w = {**meta, "parent": rec.id, "offset": offset, "length": len(window)}
            yield window, w, f"{key}:{offset}"
            if config.reverse:
                yield reverse_complement(window), {**w, "window_strand": -1}, f"{key}:{offset}:rc"


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a regular file's bytes (a FIFO, device, socket or folder is refused, never read)."""
    h = hashlib.sha256()
    try:
        with reading.open_regular(path) as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise DataFormatError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return h.hexdigest()


def get_embedder(
    name: str | Embeddings | None, collection: str, store: KnowledgeStore | None = None
) -> Embeddings:
    """The embedder for a collection: the one it was built with, else ``name``, else the default."""
    if isinstance(name, Embeddings):
        return name
    if store is not None and collection in store.collections:
        spec = store.collections[collection].embedder
        if name is None or name == spec["name"]:
            return make_embedder(spec["name"], **spec["params"])
    name = name or DEFAULT_EMBEDDER.get(collection, "kmer")
    return make_embedder(name, **DEFAULT_PARAMS.get(name, {}))


def add_file(
    store: KnowledgeStore,
    path: str | Path,
    *,
    collection: str | None = None,
    embedder: str | Embeddings | None = None,
    window: WindowConfig | None = None,
    task: Task | None = None,
    fasta: str | Path | None = None,
    batch_size: int = 2048,
    index_type: str = "auto",
    errors: str = "raise",
    progress: bool = False,
) -> IngestReport:
    """Ingest one file into ``store`` and commit; see the module docstring for the rules.

    The file is hashed, then parsed: every read of it is hashed too (:func:`dnahlm.reading.watch_reads`),
    and a file whose parsed bytes differ from the hashed ones (rewritten meanwhile) adds nothing.
    """
    p = Path(path)
    collection = collection or default_collection(p)
    with _watching(p) as watch:  # the bytes parsed must be the bytes hashed
        return _add_file(
            store,
            p,
            watch,
            collection,
            embedder,
            window,
            task,
            fasta,
            batch_size,
            index_type,
            errors,
            progress,
        )


@contextlib.contextmanager
def _watching(path: Path) -> Iterator[reading.ReadWatch]:
    try:
        with reading.watch_reads(path) as watch:
            yield watch
    except OSError as exc:
        raise DataFormatError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def _add_file(
    store: KnowledgeStore,
    p: Path,
    watch: reading.ReadWatch,
    collection: str,
    embedder: str | Embeddings | None,
    window: WindowConfig | None,
    task: Task | None,
    fasta: str | Path | None,
    batch_size: int,
    index_type: str,
    errors: str,
    progress: bool,
) -> IngestReport:
    from tqdm.auto import tqdm

    report = IngestReport(str(p), collection)
    started = time.perf_counter()
    sha = file_sha256(p)
    source = str(p.resolve())
    emb = get_embedder(embedder, collection, store)
    spec = embedder_spec(emb)
    if collection in store.collections:  # a mismatched embedder is an error even for a file already in
        store.ensure_collection(collection, spec, store.collections[collection].dimension)
    if store.has_source(collection, sha):
        report.skipped = True
        return report
    store.begin()  # the lock, and the newest state: another process may have committed meanwhile
    if store.has_source(collection, sha):  # ... this very file
        store.rollback()
        report.skipped = True
        return report
    is_sequence = spec["name"] in SEQUENCE_EMBEDDERS
    rows = windowed(
        iter_records(p, collection, task=task, fasta=fasta, errors=errors), window or WindowConfig()
    )
    bar = tqdm(desc=reading.printable(p.name), unit=" rows", disable=not progress, leave=False)
    try:
        batch: list[tuple[str, dict[str, Any], str]] = []
        for row in rows:
            if (row[1].get("kind") == "passage") == is_sequence:
                fits = "text" if is_sequence else "kmer"  # an embedder that reads what this file holds
                raise ConfigError(
                    f"{p}: {row[1].get('kind')} records cannot go into collection {collection!r} built with "
                    f"the {spec['name']} embedder; put them in another collection "
                    f"(--collection NAME --embedder {fits})"
                )
            row[1]["source"] = source
            batch.append(row)
            if len(batch) >= batch_size:
                _flush(store, collection, emb, spec, batch, report, index_type)
                bar.update(len(batch))
                batch = []
        _flush(store, collection, emb, spec, batch, report, index_type)
        bar.update(len(batch))
        if report.added + report.duplicates == 0:
            raise DataFormatError(f"{p}: no records found")
        watch.check(sha)
        store.record_source(collection, sha, source, report.added)
        store.commit()
    except BaseException:
        store.rollback()
        raise
    finally:
        bar.close()
    report.seconds = time.perf_counter() - started
    return report


def _flush(
    store: KnowledgeStore,
    collection: str,
    emb: Embeddings,
    spec: dict[str, Any],
    batch: Sequence[tuple[str, dict[str, Any], str]],
    report: IngestReport,
    index_type: str,
) -> None:
    if not batch:
        return
    texts = [t for t, _, _ in batch]
    vectors = emb.embed_array(texts) if hasattr(emb, "embed_array") else emb.embed_documents(texts)
    ids = store.add(
        collection,
        vectors,
        texts,
        [m for _, m, _ in batch],
        [k for _, _, k in batch],
        embedder=spec,
        index_type=index_type,
    )
    new = sum(i is not None for i in ids)
    report.added += new
    report.duplicates += len(ids) - new


def add_files(
    index_dir: str | Path,
    files: Sequence[str | Path],
    *,
    collection: str | None = None,
    embedder: str | Embeddings | None = None,
    task: str | None = None,
    labels: str | None = None,
    tasks_json: str | Path | None = None,
    **kwargs: Any,
) -> list[IngestReport]:
    """Ingest ``files`` into the index at ``index_dir`` (created when missing), one commit per file.

    Keyword arguments are passed to :func:`add_file` (``window``, ``fasta``, ``batch_size``,
    ``index_type``, ``errors``, ``progress``). Before anything is written, every file (and ``fasta``) must
    be a regular file and every labelled CSV's task must resolve. Raises on the first file with an error,
    after the files before it were committed; when that was the first file and the folder was new, the
    folder is removed again.
    """
    tasks = _preflight(files, kwargs.get("fasta"), task, labels, tasks_json)
    folder = Path(index_dir)
    existed = folder.exists()
    reports = []
    try:
        with KnowledgeStore(folder, create=True) as store:
            for f, t in zip(files, tasks, strict=True):
                report = add_file(store, f, collection=collection, embedder=embedder, task=t, **kwargs)
                report.task = t.name if t is not None else None
                reports.append(report)
    except BaseException:
        if not existed:
            _remove_if_empty(folder)
        raise
    return reports


def _preflight(
    files: Sequence[str | Path],
    fasta: str | Path | None,
    task: str | None,
    labels: str | None,
    tasks_json: str | Path | None,
) -> list[Task | None]:
    """Refuse a FIFO, device, socket or folder among the inputs, and resolve each labelled CSV's task,
    before the first commit; the task of each file (None when it is not a labelled CSV)."""
    for f in [*files, *([fasta] if fasta is not None else [])]:
        reading.check_regular(f)
    return [resolve_task(f, task, labels, tasks_json) if _suffix(Path(f)) == ".csv" else None for f in files]


def _remove_if_empty(folder: Path) -> None:
    """Remove a folder this add created when nothing was committed to it (it holds only the lock file)."""
    try:
        if {c.name for c in folder.iterdir()} <= {".lock"}:
            (folder / ".lock").unlink(missing_ok=True)
            folder.rmdir()
    except OSError:
        pass


def check_pools(
    index_dir: str | Path,
    files: Sequence[str | Path],
    *,
    collection: str | None = None,
    task: str | None = None,
    labels: str | None = None,
    tasks_json: str | Path | None = None,
) -> dict[str, set[int]]:
    """Check, before anything is added, that each labelled CSV's task will have a pool 'fused' can be
    fitted on: rows of at least two labels, counting those the index already holds for the task.

    Reads every labelled CSV among ``files`` (so a bad row is found before the first commit) and returns
    the label ids of each task's pool after the add.

    Raises:
        DataFormatError: a task's pool would hold one label only (names the files and the label).
    """
    pools: dict[str, set[int]] = {}
    named: dict[str, Task] = {}
    sources: dict[str, list[str]] = {}
    csvs = [f for f in files if _suffix(Path(f)) == ".csv" and default_collection(f) == "examples"]
    for f, t in zip(csvs, _preflight(csvs, None, task, labels, tasks_json), strict=True):
        if t is None:
            continue
        named[t.name] = t
        pools.setdefault(t.name, set()).update(e.label for e in read_pool(f, t, iupac=True))
        sources.setdefault(t.name, []).append(str(f))
    if pools and (Path(index_dir) / "manifest.json").is_file():
        with KnowledgeStore(index_dir) as store:
            coll = collection or "examples"
            if coll in store.collections:
                for name, ids in pools.items():
                    ids.update(int(v) for v, _ in store.values(coll, "label", {"task": name}))
    for name, ids in pools.items():
        if len(ids) < 2:
            (only,) = ids
            raise DataFormatError(
                f"{', '.join(sources[name])}: every row of task {name} has label {only}={named[name].labels[only]}; "
                "fitting 'fused' needs rows of at least two labels: add rows of another label, or pass --no-fit"
            )
    return pools


def remove_source(index_dir: str | Path, source: str | Path, collection: str | None = None) -> int:
    """Delete every record that came from ``source`` (as it was given when added); returns the count."""
    with KnowledgeStore(index_dir) as store:
        if collection is not None and collection not in store.collections:
            raise ConfigError(
                f"{index_dir}: no collection {collection!r} (collections: {', '.join(store.collections) or 'none'})"
            )
        n = store.delete_source(str(Path(source).resolve()), collection) or store.delete_source(
            str(source), collection
        )
        store.commit()
    return n


__all__ = [
    "DEFAULT_EMBEDDER",
    "Example",
    "IngestReport",
    "Passage",
    "WindowConfig",
    "add_file",
    "add_files",
    "check_pools",
    "default_collection",
    "get_embedder",
    "iter_records",
    "remove_source",
    "resolve_task",
    "windowed",
]
