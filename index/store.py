"""The knowledge store: one FAISS index per collection, metadata and texts in SQLite, a manifest.

Layout of an index folder::

    manifest.json               which files make up the current state, with their SHA-256; embedders
    meta.<gen>.sqlite           every record: text, metadata columns, JSON metadata; ingested sources
    <collection>.<gen>.faiss    one FAISS index per collection; FAISS ids are the SQLite row ids
    .lock                       held (flock) by the one process writing

Writes are staged: the first change copies the current SQLite file to a new generation and changes it
there; FAISS indexes change in memory. :meth:`KnowledgeStore.commit` writes every changed file under a
new name (temporary name, fsync, rename) and only then replaces ``manifest.json`` the same way, so a
crash at any point leaves the previous state whole, and a reader sees the old or the new state, never
a mix. Files of older generations are removed after the next commit (a reader that opened generation
*n* keeps working while generation *n+1* is written). No pickle: FAISS's own format, SQLite and JSON.

Deleted records leave FAISS at commit (``remove_ids``; HNSW, which cannot remove, is rebuilt from its
stored vectors). Row ids are never reused.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dnahlm.errors import ConfigError, DataFormatError, UserInputError
from dnahlm.files import fsync_path, sha256_file, write_json_atomic

from .folder import (
    check_collection,
    check_sqlite,
    checksum,
    file_name,
    generation_file,
    lock,
    plain_file,
    read_manifest,
    remove,
    shown,
    write_refused,
)

FORMAT_VERSION = 1
COLLECTIONS = ("sequences", "examples", "papers")
"""The usual collection names; others matching ``[a-z][a-z0-9_-]*`` are allowed."""
FILTER_COLUMNS = ("source", "kind", "task", "label", "organism", "feature_type", "parent")
"""Metadata keys kept in their own indexed columns (any other key is filtered through the JSON)."""
INDEX_TYPES = ("auto", "flat", "hnsw", "ivfpq")
AUTO_IVFPQ_AT = 200_000
"""``auto`` collections switch from exact search to IVF-PQ when they grow past this many vectors."""
MIN_IVFPQ_TRAIN = 256 * 39
"""Vectors needed to train the 256 codes of each PQ sub-quantiser; ``ivfpq`` collections stay exact below."""
IVFPQ_TRAIN_SAMPLE = 100_000
"""IVF-PQ is trained on a random sample of at most this many vectors."""
LOCK_TIMEOUT = 600.0
"""Seconds a writer waits for another process's write to the same index to finish."""

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_REPAIR = "run `dnahlm index repair` on the folder to restore it from its newest whole generation"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL,
    key TEXT NOT NULL,
    text TEXT NOT NULL,
    {", ".join(FILTER_COLUMNS)},
    meta TEXT NOT NULL,
    UNIQUE (collection, key)
);
CREATE INDEX IF NOT EXISTS records_source ON records (collection, source);
CREATE INDEX IF NOT EXISTS records_task ON records (collection, task, label);
CREATE INDEX IF NOT EXISTS records_parent ON records (parent);
CREATE TABLE IF NOT EXISTS sources (
    collection TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    records INTEGER NOT NULL,
    PRIMARY KEY (collection, sha256)
);
CREATE TABLE IF NOT EXISTS manifest (json TEXT NOT NULL);
"""


@dataclass
class Hit:
    """One search result: the record's row id, its score (inner product), text, metadata and content key."""

    id: int
    score: float
    text: str
    metadata: dict[str, Any]
    collection: str
    key: str = ""


@dataclass
class Collection:
    """A collection's manifest entry and, once loaded, its FAISS index."""

    name: str
    embedder: dict[str, Any]
    dimension: int
    index_type: str = "auto"
    count: int = 0
    file: str | None = None
    sha256: str | None = None
    index: Any = field(default=None, repr=False)
    dirty: bool = False

    def manifest(self) -> dict[str, Any]:
        return {
            "embedder": self.embedder,
            "dimension": self.dimension,
            "index_type": self.index_type,
            "faiss": _describe(self.index),
            "count": self.count,
            "file": self.file,
            "sha256": self.sha256,
        }


def _describe(index: Any) -> str | None:
    if index is None:
        return None
    faiss = _faiss()
    inner = faiss.downcast_index(index.index) if hasattr(index, "id_map") else faiss.downcast_index(index)
    return type(inner).__name__


def _faiss() -> Any:
    import faiss

    return faiss


def new_faiss_index(index_type: str, dimension: int, n_hint: int = 0) -> Any:
    """An empty FAISS index for inner-product search with user-chosen int64 ids.

    ``flat`` is exact; ``hnsw`` is a graph (32 links); ``ivfpq`` needs training (see :func:`train_ivfpq`).
    """
    faiss = _faiss()
    if index_type in ("flat", "auto"):
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
    if index_type == "hnsw":
        hnsw = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efSearch = 64
        return faiss.IndexIDMap2(hnsw)
    raise ConfigError(f"index type {index_type!r} cannot be created empty; choose one of {INDEX_TYPES}")


def train_ivfpq(sample: np.ndarray, n_total: int | None = None, *, m: int | None = None) -> Any:
    """An IVF-PQ index (inner product) trained on ``sample``, sized for ``n_total`` vectors.

    Lists: about ``4 * sqrt(n_total)`` (at most 4096, and at most ``len(sample) / 39`` so each list's
    centroid sees enough points); ``m`` 8-bit sub-quantisers, by default the largest divisor of the
    dimension that is at most ``dimension / 8`` (48 for 384), so a vector is stored in ``m`` bytes.
    """
    faiss = _faiss()
    n, d = sample.shape
    if n < MIN_IVFPQ_TRAIN:
        raise UserInputError(f"IVF-PQ needs at least {MIN_IVFPQ_TRAIN} vectors to train; got {n}")
    nlist = int(min(4096, max(16, 4 * np.sqrt(n_total or n)), n // 39))
    if m is None:
        m = max(x for x in range(1, max(1, d // 8) + 1) if d % x == 0)
    index = faiss.IndexIVFPQ(faiss.IndexFlatIP(d), d, nlist, m, 8, faiss.METRIC_INNER_PRODUCT)
    index.train(np.ascontiguousarray(sample, dtype=np.float32))
    index.nprobe = min(nlist, 16)
    return index


def convert_if_due(col: Collection) -> None:
    """Train IVF-PQ for ``ivfpq`` collections, and for ``auto`` ones that outgrew exact search.

    Trains on a sample of at most :data:`IVFPQ_TRAIN_SAMPLE` vectors and encodes the exact index's
    vectors in chunks, so the conversion needs little memory beyond the exact index itself.
    """
    faiss = _faiss()
    if col.index is None or isinstance(faiss.downcast_index(col.index), faiss.IndexIVF):
        return
    wanted = col.index_type == "ivfpq" or (col.index_type == "auto" and col.count > AUTO_IVFPQ_AT)
    if not wanted or col.count < MIN_IVFPQ_TRAIN:
        return
    exact, n = col.index.index, col.index.ntotal
    ids = faiss.vector_to_array(col.index.id_map)
    rows = np.sort(np.random.default_rng(0).permutation(n)[: min(n, IVFPQ_TRAIN_SAMPLE)])
    index = train_ivfpq(exact.reconstruct_batch(rows.astype(np.int64)), n)
    for start in range(0, n, 50_000):
        stop = min(n, start + 50_000)
        index.add_with_ids(exact.reconstruct_n(start, stop - start), ids[start:stop])
    col.index, col.dirty = index, True


class KnowledgeStore:
    """Collections of embedded records in one folder; see the module docstring for the on-disk format.

    Example:
        .. code-block:: python

            from dnahlm.index.store import KnowledgeStore

            store = KnowledgeStore("my-index", create=True)
            store.add("examples", vectors, texts, metadatas, keys, embedder={"name": "kmer", "params": {}})
            store.commit()
            hits = store.search("examples", query_vectors, k=5, filter={"task": "tf_0"})
    """

    def __init__(
        self,
        path: str | Path,
        *,
        create: bool = False,
        verify: bool = True,
        lock_timeout: float = LOCK_TIMEOUT,
    ) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._verify = verify
        self._lock: int | None = None
        self._pending: Path | None = None  # SQLite file of the staged generation
        self._pending_generation = 0
        self._version = 0  # bumped by every change, staged or committed (invalidates cached selectors)
        self._selectors: dict[tuple[str, str, int], Any] = {}
        self.generation = 0
        self.collections: dict[str, Collection] = {}
        self._retired: set[str] = set()  # files an earlier generation used, deleted at the next commit
        manifest = self.path / "manifest.json"
        if os.path.lexists(manifest):  # whatever it is (a link, a folder): _load says what is wrong
            self._load(manifest)
        elif self.path.is_dir() and any(self.path.glob("meta.*.sqlite")):
            raise DataFormatError(
                f"{manifest}: missing, but the folder holds index data; nothing was changed. "
                f"Run `dnahlm index repair {self.path}` to restore the manifest from the newest complete generation"
            )
        elif create:
            try:
                self.path.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError) as exc:  # a file where the folder should be
                raise DataFormatError(f"{self.path}: not a folder, so it cannot hold an index") from exc
            except OSError as exc:
                raise DataFormatError(
                    f"{self.path}: cannot create the index folder ({exc.strerror})"
                ) from exc
            self._db = self._connect(None)
        else:
            raise DataFormatError(f"{self.path}: no index here (no manifest.json); add files to create one")

    # ----------------------------------------------------------------------------------- reading
    def _load(self, manifest: Path) -> None:
        """Read the committed state; every name, checksum and setting is checked before any file is read."""
        data = read_manifest(manifest)
        if not isinstance(data, dict):
            raise DataFormatError(
                f"{manifest}: not an index manifest (a JSON {type(data).__name__}); {_REPAIR}"
            )
        if data.get("format_version") != FORMAT_VERSION:
            raise DataFormatError(
                f"{manifest}: index format {shown(data.get('format_version'))}, this dnahlm reads {FORMAT_VERSION}"
            )
        try:
            generation = int(data["generation"])
            meta_file, sqlite_sha = data["sqlite"]["file"], data["sqlite"]["sha256"]
            entries = [(n, dict(c)) for n, c in data["collections"].items()]
            retired = list(data.get("retired", []))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataFormatError(
                f"{manifest}: missing or bad entry ({type(exc).__name__}: {exc}); {_REPAIR}"
            ) from exc
        cols = self._entries(manifest, entries)
        meta_file = file_name(meta_file, f"{manifest}, sqlite.file")
        sqlite_sha = checksum(sqlite_sha, f"{manifest}, sqlite.sha256")
        bad = [r for r in retired if not generation_file(r)]
        if bad:
            file_name(bad[0], f"{manifest}, retired")  # raises, naming the entry
        # the names are safe; now the files: checksums first, then the SQLite's own check and schema
        meta = self._check(meta_file, sqlite_sha)
        check_sqlite(meta, FILTER_COLUMNS)
        faiss = _faiss()
        for col in cols:
            file = self._check(col.file, col.sha256)
            try:
                col.index = faiss.read_index(str(file))
            except (RuntimeError, MemoryError) as exc:  # FAISS's message may quote the file's bytes
                raise DataFormatError(
                    f"{file}: not a readable FAISS index (FAISS could not parse it); {_REPAIR}"
                ) from exc
            if col.index.d != col.dimension or col.index.ntotal != col.count:
                raise DataFormatError(
                    f"{file}: holds {col.index.ntotal} vectors of dimension {col.index.d}, "
                    f"the manifest says {col.count} of {col.dimension}"
                )
        self._db = self._connect(meta)
        self.generation, self._meta_file, self._retired = generation, meta_file, set(retired)
        self.collections.update((col.name, col) for col in cols)

    def _entries(self, manifest: Path, entries: list[tuple[Any, dict[str, Any]]]) -> list[Collection]:
        """The manifest's collections, their names, files, checksums and settings checked."""
        cols = []
        for name, entry in entries:
            check_collection(name, entry, manifest, INDEX_TYPES)
            try:
                cols.append(Collection(name=name, **{k: v for k, v in entry.items() if k != "faiss"}))
            except TypeError as exc:
                raise DataFormatError(
                    f"{manifest}, collection {name!r}: unexpected entry; {_REPAIR}"
                ) from exc
        return cols

    def _check(self, name: str, expected: str) -> Path:
        """The file ``name`` of the folder, a regular file whose SHA-256 is ``expected``."""
        file = plain_file(self.path, name, self.path / "manifest.json")
        if self._verify and sha256_file(file) != expected:
            raise DataFormatError(
                f"{file}: checksum differs from the manifest (corrupted or truncated); "
                f"restore the folder from a backup or run `dnahlm index repair {self.path}`"
            )
        return file

    def _connect(self, file: Path | None) -> sqlite3.Connection:
        if file is None:
            db = sqlite3.connect(":memory:", check_same_thread=False)
        else:
            db = sqlite3.connect(f"file:{file}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        try:
            db.executescript(_SCHEMA) if file is None else db.execute("SELECT 1 FROM records LIMIT 1")
        except sqlite3.DatabaseError as exc:
            raise DataFormatError(f"{file}: not a dnahlm metadata database ({exc})") from exc
        return db

    def __enter__(self) -> KnowledgeStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Discard uncommitted changes and release the write lock."""
        self.rollback()
        self._db.close()

    def count(self, collection: str | None = None, filter: dict[str, Any] | None = None) -> int:
        where, args = _where(collection, filter)
        return int(self._db.execute(f"SELECT COUNT(*) FROM records {where}", args).fetchone()[0])

    def has_source(self, collection: str, sha256: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM sources WHERE collection = ? AND sha256 = ?", (collection, sha256)
        ).fetchone()
        return row is not None

    def sources(self) -> list[tuple[str, str, int]]:
        """``(collection, path, records)`` for every ingested file."""
        return self._db.execute("SELECT collection, path, records FROM sources ORDER BY rowid").fetchall()

    def get(self, ids: Sequence[int]) -> list[Hit]:
        """Records by row id (missing ids are left out), in the order asked."""
        rows = self._rows(ids)
        return [Hit(i, 0.0, *rows[i]) for i in ids if i in rows]

    def get_by_keys(self, collection: str, keys: Sequence[str]) -> list[Hit]:
        """Records of a collection by content key (missing keys are left out), in the order asked."""
        found: dict[str, int] = {}
        for start in range(0, len(keys), 900):
            chunk = list(keys[start : start + 900])
            found.update(
                (k, i)
                for k, i in self._db.execute(
                    f"SELECT key, id FROM records WHERE collection = ? AND key IN ({','.join('?' * len(chunk))})",
                    [collection, *chunk],
                )
            )
        return self.get([found[k] for k in keys if k in found])

    def _rows(self, ids: Iterable[int]) -> dict[int, tuple[str, dict[str, Any], str, str]]:
        ids = [int(i) for i in ids]
        out: dict[int, tuple[str, dict[str, Any], str, str]] = {}
        for start in range(0, len(ids), 900):  # SQLite's limit on bound parameters
            chunk = ids[start : start + 900]
            marks = ",".join("?" * len(chunk))
            for rid, text, meta, coll, key in self._db.execute(
                f"SELECT id, text, meta, collection, key FROM records WHERE id IN ({marks})", chunk
            ):
                out[rid] = (text, json.loads(meta), coll, key)
        return out

    def values(
        self, collection: str | None, key: str, filter: dict[str, Any] | None = None
    ) -> list[tuple[Any, int]]:
        """Distinct values of metadata ``key`` with their row counts, most frequent first (None excluded)."""
        where, args = _where(collection, filter)
        rows = self._db.execute(
            f"SELECT {_column(key)} AS v, COUNT(*) FROM records {where} GROUP BY v ORDER BY COUNT(*) DESC, v",
            args,
        ).fetchall()
        return [(v, n) for v, n in rows if v is not None]

    def ids(self, collection: str | None = None, filter: dict[str, Any] | None = None) -> list[int]:
        where, args = _where(collection, filter)
        return [r[0] for r in self._db.execute(f"SELECT id FROM records {where} ORDER BY id", args)]

    def search(
        self,
        collection: str,
        vectors: np.ndarray,
        k: int = 5,
        *,
        filter: dict[str, Any] | None = None,
    ) -> list[list[Hit]]:
        """The ``k`` nearest records to each query vector (inner product, higher is closer).

        Args:
            collection: which collection to search.
            vectors: (Q, dimension) float32 queries, embedded with the collection's embedder.
            k: results per query (fewer when the collection, or the filter, has fewer records).
            filter: metadata equalities (a list value means "any of"), e.g. ``{"task": "tf_0"}``.
        """
        col = self._collection(collection)
        q = self._as_vectors(col, vectors)
        if col.index is None or col.index.ntotal == 0 or k <= 0:
            return [[] for _ in range(len(q))]
        params = None
        if filter:
            selector = self._selector(collection, filter)
            if selector is None:
                return [[] for _ in range(len(q))]
            params = self._search_params(col, selector)
        scores, found = col.index.search(q, k, params=params)
        rows = self._rows(found[found >= 0])
        return [
            [Hit(int(i), float(s), *rows[int(i)]) for s, i in zip(srow, irow, strict=True) if i in rows]
            for srow, irow in zip(scores, found, strict=True)
        ]

    def _selector(self, collection: str, filter: dict[str, Any]) -> Any:
        """A FAISS selector of the rows matching ``filter`` (None when none match), cached until a change."""
        key = (collection, json.dumps(filter, sort_keys=True, default=str), self._version)
        if key not in self._selectors:
            where, args = _where(collection, filter)
            cursor = self._db.execute(f"SELECT id FROM records {where}", args)
            allowed = np.fromiter((r[0] for r in cursor), dtype=np.int64)
            self._selectors = {k: v for k, v in self._selectors.items() if k[2] == self._version}
            self._selectors[key] = _faiss().IDSelectorBatch(allowed) if len(allowed) else None
        return self._selectors[key]

    @staticmethod
    def _search_params(col: Collection, selector: Any) -> Any:
        faiss = _faiss()
        inner = faiss.downcast_index(col.index.index) if hasattr(col.index, "id_map") else col.index
        if isinstance(inner, faiss.IndexHNSW):
            return faiss.SearchParametersHNSW(sel=selector, efSearch=max(64, inner.hnsw.efSearch))
        if isinstance(inner, faiss.IndexIVF):
            return faiss.SearchParametersIVF(sel=selector, nprobe=inner.nprobe)
        return faiss.SearchParameters(sel=selector)

    def _collection(self, name: str) -> Collection:
        if name not in self.collections:
            have = ", ".join(self.collections) or "none yet"
            raise UserInputError(f"{self.path}: no collection {name!r} (collections: {have})")
        return self.collections[name]

    def _as_vectors(self, col: Collection, vectors: Any) -> np.ndarray:
        v = np.asarray(vectors, dtype=np.float32)
        if v.ndim == 1:
            v = v[None, :]
        if v.ndim != 2 or v.shape[1] != col.dimension:
            raise UserInputError(
                f"collection {col.name!r} in {self.path} holds vectors of dimension {col.dimension} "
                f"({_embedder_name(col.embedder)}); got shape {tuple(v.shape)}"
            )
        return np.ascontiguousarray(v)

    # ----------------------------------------------------------------------------------- writing
    def begin(self, timeout: float | None = None) -> None:
        """Take the write lock and stage a new generation on top of the newest committed one.

        Another process may have committed since this store was opened: the state is read again under
        the lock, so staged changes always build on the latest generation and no writer commits over
        another's records. Called by every write; call it first yourself when a decision (such as "is
        this file already in?") must see the state the write will build on.

        Args:
            timeout: seconds to wait for another writer to finish (default: the store's ``lock_timeout``).

        Raises:
            UserInputError: the lock was still held by another process after ``timeout`` seconds.
        """
        if self._pending is not None:
            return
        fd = lock(self.path, self.lock_timeout if timeout is None else timeout)
        try:
            self._refresh()
        except BaseException:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
            raise
        self._lock = fd
        pending, db = None, None
        try:
            self._remove_partials()
            self._pending_generation = self._next_generation()
            pending = self.path / f"meta.{self._pending_generation}.sqlite.partial"
            db = sqlite3.connect(pending, check_same_thread=False)
            self._db.backup(db)  # also turns the in-memory database of a new index into a file
            db.executescript(_SCHEMA)
        except (OSError, sqlite3.OperationalError) as exc:  # a read-only folder, a full disk
            if db is not None:
                db.close()
            remove([pending] if pending is not None else [])
            self._release()
            raise self._cannot_write(exc) from exc
        self._db.close()
        self._db, self._pending = db, pending

    _begin = begin

    def _refresh(self) -> None:
        """Read the committed state again if another process committed since it was read."""
        manifest = self.path / "manifest.json"
        if not os.path.lexists(manifest):
            return
        try:
            generation = read_manifest(manifest).get("generation")
        except (DataFormatError, AttributeError):
            generation = None  # _load below reports what is wrong with it
        if generation == self.generation and self.generation:
            return
        self._db.close()
        self.collections.clear()
        self._selectors.clear()
        self._version += 1
        self._load(manifest)

    def _next_generation(self) -> int:
        return max(self.generation, self.next_generation(self.path) - 1) + 1

    @staticmethod
    def next_generation(folder: Path) -> int:
        """One past every generation whose files are in ``folder`` (so that a restored older manifest never
        leads a commit to overwrite the files of a newer generation)."""
        found = [
            int(m.group(1))
            for f in folder.iterdir()
            if (m := re.fullmatch(r"[a-z][a-z0-9_-]*\.(\d+)\.(?:sqlite|faiss)", f.name))
        ]
        return max(found, default=0) + 1

    @staticmethod
    @contextlib.contextmanager
    def writing(folder: str | Path, timeout: float | None = None) -> Iterator[None]:
        """Hold ``folder``'s write lock (as a writing store does) for work outside a store, e.g. a repair."""
        fd = lock(Path(folder), LOCK_TIMEOUT if timeout is None else timeout)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _remove_partials(self) -> None:
        for stale in self.path.glob("*.partial"):  # only the store's own: <generation file>.partial
            if generation_file(stale.name.removesuffix(".partial")):
                stale.unlink(missing_ok=True)

    def ensure_collection(
        self, name: str, embedder: dict[str, Any], dimension: int, index_type: str = "auto"
    ):
        """The collection ``name``, created if new; raises if it exists with another embedder/dimension."""
        if not _NAME.match(name):
            raise ConfigError(f"collection name {name!r}: use lower-case letters, digits, '-' and '_'")
        if index_type not in INDEX_TYPES:
            raise ConfigError(f"index type {index_type!r}: choose one of {', '.join(INDEX_TYPES)}")
        if name not in self.collections:
            self._begin()  # reads the newest state: another writer may have created it meanwhile
        col = self.collections.get(name)
        if col is None:
            col = Collection(name=name, embedder=embedder, dimension=dimension, index_type=index_type)
            if index_type != "ivfpq":
                col.index = new_faiss_index(index_type, dimension)
            col.dirty = True
            self.collections[name] = col
        elif col.embedder != embedder or col.dimension != dimension:
            raise ConfigError(
                f"collection {name!r} in {self.path} was built with {_embedder_name(col.embedder)} "
                f"(dimension {col.dimension}); got {_embedder_name(embedder)} (dimension {dimension}). "
                "Use the same embedder, or another collection or index"
            )
        return col

    def add(
        self,
        collection: str,
        vectors: np.ndarray,
        texts: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
        keys: Sequence[str] | None = None,
        *,
        embedder: dict[str, Any] | None = None,
        index_type: str = "auto",
        replace: bool = False,
    ) -> list[int | None]:
        """Stage records; returns each one's row id, or None where the key was already there (a duplicate).

        ``keys`` identify content (see :func:`dnahlm.index.records.content_key`); by default the text's
        hash. With ``replace``, a record whose key is already there is replaced instead of skipped.
        ``embedder`` is required when the collection is new.
        """
        if not (len(vectors) == len(texts) == len(metadatas)) or (
            keys is not None and len(keys) != len(texts)
        ):
            raise UserInputError("add(): vectors, texts, metadatas (and keys) must have the same length")
        self._begin()
        if collection not in self.collections:
            if embedder is None:
                raise ConfigError(f"collection {collection!r} is new: say which embedder made the vectors")
            self.ensure_collection(collection, embedder, np.asarray(vectors).shape[-1], index_type)
        col = self._collection(collection)
        if embedder is not None:
            self.ensure_collection(collection, embedder, col.dimension)
        v = self._as_vectors(col, vectors) if len(texts) else np.zeros((0, col.dimension), np.float32)
        keys = keys or [hashlib.sha256(t.encode()).hexdigest()[:32] for t in texts]
        if replace:
            self.delete([h.id for h in self.get_by_keys(collection, keys)])
        out: list[int | None] = []
        sql = (
            f"INSERT OR IGNORE INTO records (collection, key, text, {', '.join(FILTER_COLUMNS)}, meta) "
            f"VALUES (?, ?, ?, {', '.join('?' * len(FILTER_COLUMNS))}, ?)"
        )
        for text, meta, key in zip(texts, metadatas, keys, strict=True):
            columns = [meta.get(c) for c in FILTER_COLUMNS]
            cur = self._write(
                sql, [collection, key, text, *columns, json.dumps(meta, sort_keys=True, default=str)]
            )
            out.append(cur.lastrowid if cur.rowcount == 1 else None)
        new = np.array([i is not None for i in out], dtype=bool)
        if new.any():
            self._add_vectors(col, v[new], np.array([i for i in out if i is not None], dtype=np.int64))
        return out

    def _add_vectors(self, col: Collection, v: np.ndarray, ids: np.ndarray) -> None:
        if col.index is None:  # ivfpq not trained yet: keep the first batch exact until commit
            col.index = new_faiss_index("flat", col.dimension)
        col.index.add_with_ids(v, ids)
        col.count = int(col.index.ntotal)
        col.dirty = True
        self._version += 1

    def record_source(self, collection: str, sha256: str, path: str, records: int) -> None:
        """Remember that a file (by content hash) was ingested, so adding it again is a no-op."""
        self._begin()
        self._write(
            "INSERT OR REPLACE INTO sources (collection, sha256, path, records) VALUES (?, ?, ?, ?)",
            (collection, sha256, path, records),
        )

    def delete(self, ids: Sequence[int]) -> int:
        """Stage the deletion of records by row id; returns how many existed."""
        if not self._rows(ids):
            return 0
        self._begin()
        rows = self._rows(ids)  # again: begin() may have read a newer generation
        by_collection: dict[str, list[int]] = {}
        for rid, (_, _, coll, _) in rows.items():
            by_collection.setdefault(coll, []).append(rid)
        for coll, rids in by_collection.items():
            for start in range(0, len(rids), 900):
                chunk = rids[start : start + 900]
                self._write(f"DELETE FROM records WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            col = self.collections[coll]
            self._remove_vectors(col, np.asarray(rids, dtype=np.int64))
        return len(rows)

    def delete_source(self, source: str, collection: str | None = None) -> int:
        """Stage the deletion of every record that came from the file ``source``; returns the count."""
        if self.count(collection, {"source": source}):
            self._begin()
        ids = self.ids(collection, {"source": source})
        n = self.delete(ids)
        where, args = ("AND collection = ?", [collection]) if collection else ("", [])
        if (
            self._pending is not None
            or self._db.execute(f"SELECT 1 FROM sources WHERE path = ? {where}", [source, *args]).fetchone()
        ):
            self._begin()
            self._write(f"DELETE FROM sources WHERE path = ? {where}", [source, *args])
        return n

    def _remove_vectors(self, col: Collection, ids: np.ndarray) -> None:
        faiss = _faiss()
        inner = faiss.downcast_index(col.index.index) if hasattr(col.index, "id_map") else col.index
        if isinstance(inner, faiss.IndexHNSW):  # HNSW cannot remove: rebuild from the stored vectors
            keep_ids = faiss.vector_to_array(col.index.id_map)
            keep_ids = keep_ids[~np.isin(keep_ids, ids)]
            vectors = np.vstack([col.index.reconstruct(int(i)) for i in keep_ids]) if len(keep_ids) else None
            col.index = new_faiss_index("hnsw", col.dimension)
            if vectors is not None:
                col.index.add_with_ids(vectors, keep_ids)
        else:
            col.index.remove_ids(ids)
        col.count = int(col.index.ntotal)
        col.dirty = True
        self._version += 1

    def rollback(self) -> None:
        """Discard staged changes (the folder keeps its committed state)."""
        if self._pending is None:
            return
        self._version += 1
        self._db.close()
        self._pending.unlink(missing_ok=True)
        self._pending = None
        self._release()
        self.collections.clear()
        manifest = self.path / "manifest.json"
        if manifest.is_file():
            self._load(manifest)
        else:
            self._db = self._connect(None)

    def _release(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            os.close(self._lock)
            self._lock = None

    def commit(self) -> bool:
        """Write staged changes as a new generation, atomically; returns False when nothing was staged.

        Raises:
            UserInputError: the folder is read-only or the disk is full; the files of the new generation
                are removed again and the index stays at its previous generation.
        """
        if self._pending is None:
            return False
        gen = self._pending_generation
        old = self._referenced()
        written: list[Path] = []  # new names only: the generation number is one no file had
        try:
            manifest = self._write_generation(gen, old, written)
            write_json_atomic(self.path / "manifest.json", manifest)  # the switch: old state until here
        except (OSError, RuntimeError, sqlite3.OperationalError) as exc:
            remove(written)
            error = self._cannot_write(exc)
            self.rollback()
            raise error from exc
        with contextlib.suppress(OSError):  # the switch is done: a failed folder fsync cannot undo it
            fsync_path(self.path)
        meta = self.path / manifest["sqlite"]["file"]
        self.generation, self._meta_file, self._pending = gen, meta.name, None
        self._db = self._connect(meta)
        self._release()
        retired, self._retired = self._retired, set(manifest["retired"])
        self._collect_garbage(retired - old - self._referenced())
        return True

    def _write_generation(self, gen: int, old: set[str], written: list[Path]) -> dict[str, Any]:
        """Write the changed FAISS files and the SQLite file of generation ``gen``; returns its manifest."""
        faiss = _faiss()
        for col in self.collections.values():
            convert_if_due(col)
            if not col.dirty:
                continue
            final = self.path / f"{col.name}.{gen}.faiss"
            partial = final.with_name(final.name + ".partial")
            written += [partial, final]
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "wb") as fh:  # through Python, so a full disk is an OSError with its errno
                faiss.write_index(col.index, faiss.PyCallbackIOWriter(fh.write))
            fsync_path(partial)
            os.replace(partial, final)
            col.file, col.sha256, col.dirty = final.name, sha256_file(final), False
        meta = self.path / f"meta.{gen}.sqlite"
        written.append(meta)
        saved = {name: col.manifest() for name, col in self.collections.items()}
        self._db.execute("DELETE FROM manifest")
        self._db.execute("INSERT INTO manifest (json) VALUES (?)", (json.dumps({"collections": saved}),))
        self._db.commit()
        self._db.close()
        fsync_path(self._pending)
        os.replace(self._pending, meta)
        new = {c["file"] for c in saved.values() if c["file"]} | {meta.name}
        return {
            "format_version": FORMAT_VERSION,
            "generation": gen,
            "sqlite": {"file": meta.name, "sha256": sha256_file(meta)},
            "collections": saved,
            "counts": {name: col.count for name, col in self.collections.items()},
            "retired": sorted(old - new),  # kept for readers of the old state; the next commit removes them
        }

    def _write(self, sql: str, args: Sequence[Any]) -> sqlite3.Cursor:
        """Run one change on the staged SQLite file: a full disk or a read-only folder is one line."""
        try:
            return self._db.execute(sql, args)
        except sqlite3.OperationalError as exc:
            raise self._cannot_write(exc) from exc

    def _cannot_write(self, exc: BaseException) -> UserInputError:
        state = f"it stays at generation {self.generation}" if self.generation else "nothing was written"
        return write_refused(self.path, exc, state)

    def _referenced(self) -> set[str]:
        names = {c.file for c in self.collections.values() if c.file}
        if self.generation:
            names.add(self._meta_file)
        return names

    def _collect_garbage(self, names: set[str]) -> None:
        """Delete files an earlier manifest of this folder named and no longer needs, and nothing else."""
        for name in sorted(names):
            if generation_file(name):  # a plain name of the store's own form, checked again
                with contextlib.suppress(OSError):
                    (self.path / name).unlink()

    def stats(self) -> dict[str, Any]:
        """Counts, embedders and files per collection, for ``dnahlm index stats``."""
        out: dict[str, Any] = {"path": str(self.path), "generation": self.generation, "collections": {}}
        for name, col in self.collections.items():
            out["collections"][name] = {
                "records": col.count,
                "embedder": _embedder_name(col.embedder),
                "dimension": col.dimension,
                "index": _describe(col.index),
                "sources": self._db.execute(
                    "SELECT COUNT(*) FROM sources WHERE collection = ?", (name,)
                ).fetchone()[0],
            }
        return out


def _embedder_name(spec: dict[str, Any]) -> str:
    params = ", ".join(f"{k}={v}" for k, v in sorted(spec.get("params", {}).items()) if v not in ("", None))
    return f"{spec.get('name')}({params})"


def _column(key: str) -> str:
    """The SQL expression of a metadata key: its own column when it has one, else a JSON lookup."""
    if key == "collection" or key in FILTER_COLUMNS:
        return key
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f"json_extract(meta, '$.{key}')"
    raise UserInputError(f"cannot filter on {key!r}: use letters, digits and '_'")


def _where(collection: str | None, filter: dict[str, Any] | None) -> tuple[str, list[Any]]:
    clauses, args = [], []
    if collection is not None:
        clauses.append("collection = ?")
        args.append(collection)
    for key, value in (filter or {}).items():
        column = _column(key)
        values = list(value) if isinstance(value, list | tuple | set) else [value]
        if key == "label":  # label ids are stored as integers; the CLI gives text
            values += [int(v) for v in values if isinstance(v, str) and v.lstrip("-").isdigit()]
        clauses.append(f"{column} IN ({','.join('?' * len(values))})")
        args.extend(values)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", args
