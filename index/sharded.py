"""A collection's vectors as FAISS shards beside the knowledge store, and a searcher that merges their top-k.

Layout (inside an index folder; the store itself never reads it)::

    shards/<collection>/shards.json      which shards make up the collection at which store generation
    shards/<collection>/<gen>-<n>.faiss  IndexIDMap2(IndexFlatIP): a block of vectors under their store ids

The Ray pipeline (:mod:`~dnahlm.index.distributed`) writes one shard per embedded block; :func:`reshard`
cuts any exact collection into shards. :class:`ShardedSearcher` searches every shard (memory-mapped, in
threads), merges the per-shard top-k into the global top-k, and reads the records from the store's one
SQLite metadata store. Exact search over a partition gives exactly the hits of one exact index; ties are
broken by row id. A collection that changed since its shards were written (its FAISS file is not the one
the shard manifest names) is refused, not searched with missing or deleted rows.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from dnahlm.errors import DataFormatError, UserInputError
from dnahlm.files import fsync_path, sha256_file, write_json_atomic

from . import folder as folder_checks
from .store import Hit, KnowledgeStore

MANIFEST = "shards.json"
FORMAT_VERSION = 1


def _faiss() -> Any:
    import faiss

    return faiss


def shard_folder(index_dir: str | Path, collection: str) -> Path:
    """Where a collection's shards live."""
    return Path(index_dir) / "shards" / collection


SHARD_FILE = re.compile(r"\d{6}-\d{5}\.faiss")
"""The name of every shard file: ``<generation>-<number>.faiss``; nothing else in a shard folder is ours."""


def read_manifest(folder: Path) -> dict[str, Any]:
    """The shard manifest of a folder (an empty one when there is none yet), checked like the index's own:
    every shard is a plain file name of :data:`SHARD_FILE`'s form with a SHA-256 and whole-number counts."""
    f = folder / MANIFEST
    if not os.path.lexists(f):
        return {"format_version": FORMAT_VERSION, "generation": 0, "count": 0, "shards": []}
    data = folder_checks.read_manifest(f)
    try:
        if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
            raise ValueError("not a shard manifest of this format")
        generation, count = int(data["generation"]), int(data["count"])
        shards = data["shards"]
        if not isinstance(shards, list):
            raise ValueError("'shards' is not a list")
        for shard in shards:
            if not isinstance(shard, dict) or not SHARD_FILE.fullmatch(str(shard.get("file"))):
                raise ValueError(f"shard file {folder_checks.shown(shard)} is not a shard file name")
            folder_checks.checksum(shard.get("sha256"), f)
            if int(shard["count"]) < 0 or int(shard["min_id"]) > int(shard["max_id"]):
                raise ValueError("a shard with impossible counts")
        if generation < 0 or count != sum(int(s["count"]) for s in shards):
            raise ValueError("counts do not add up")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataFormatError(
            f"{f}: not a usable shard manifest ({exc}); reshard the collection "
            "(dnahlm.index.sharded.reshard) to rebuild it"
        ) from None
    return data


def _own_files(folder: Path) -> list[Path]:
    """The shard files (and partial ones) in ``folder``: the only files a writer may remove there."""
    return [
        f
        for f in folder.iterdir()
        if SHARD_FILE.fullmatch(f.name.removesuffix(".partial")) and not f.is_symlink()
    ]


class ShardWriter:
    """Writes shards of one collection; they count only once :meth:`commit` lists them in the manifest."""

    def __init__(self, index_dir: str | Path, collection: str) -> None:
        self.folder = shard_folder(index_dir, collection)
        self.collection = collection
        self.folder.mkdir(parents=True, exist_ok=True)
        self.manifest = read_manifest(self.folder)
        self.pending: list[dict[str, Any]] = []

    def write(self, vectors: np.ndarray, ids: np.ndarray, generation: int | None = None) -> Path:
        """Write one shard (temporary name, fsync, rename); listed at the next :meth:`commit`."""
        faiss = _faiss()
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))
        gen = generation if generation is not None else self.manifest["generation"] + 1
        n = len(self.manifest["shards"]) + len(self.pending)
        final = self.folder / f"{gen:06d}-{n:05d}.faiss"
        partial = final.with_name(final.name + ".partial")
        faiss.write_index(index, str(partial))
        fsync_path(partial)
        os.replace(partial, final)
        self.pending.append(
            {"file": final.name, "count": len(ids), "min_id": int(ids.min()), "max_id": int(ids.max())}
        )
        return final

    def commit(self, store: KnowledgeStore) -> None:
        """List the pending shards under the store's (just committed) generation, atomically."""
        col = store.collections[self.collection]
        for shard in self.pending:
            shard["sha256"] = sha256_file(self.folder / shard["file"])
        shards = self.manifest["shards"] + self.pending
        self.manifest = {
            "format_version": FORMAT_VERSION,
            "collection": self.collection,
            "embedder": col.embedder,
            "dimension": col.dimension,
            "generation": store.generation,
            "index_sha256": col.sha256,  # the collection's FAISS file these shards partition
            "count": sum(s["count"] for s in shards),
            "shards": shards,
        }
        write_json_atomic(self.folder / MANIFEST, self.manifest)
        self.pending = []
        listed = {s["file"] for s in shards}
        for f in _own_files(self.folder):  # left by an interrupted run
            if f.name not in listed:
                f.unlink(missing_ok=True)

    def rollback(self) -> None:
        """Delete the shards written since the last commit."""
        for shard in self.pending:
            if SHARD_FILE.fullmatch(shard["file"]):
                (self.folder / shard["file"]).unlink(missing_ok=True)
        self.pending = []


def reshard(index_dir: str | Path, collection: str, rows_per_shard: int = 100_000) -> Path:
    """Cut an exact (flat) collection of an index into shards, replacing its shards; returns the folder."""
    faiss = _faiss()
    with KnowledgeStore(index_dir) as store:
        col = store._collection(collection)
        inner = faiss.downcast_index(col.index.index) if hasattr(col.index, "id_map") else None
        if not isinstance(inner, faiss.IndexFlat):
            raise UserInputError(
                f"{index_dir}: collection {collection!r} is not an exact index "
                f"({type(inner or col.index).__name__}); only exact collections can be resharded"
            )
        folder = shard_folder(index_dir, collection)
        if folder.is_dir():  # only the shard files and manifest a writer made; nothing else there
            for f in _own_files(folder):
                f.unlink()
            (folder / MANIFEST).unlink(missing_ok=True)
        writer = ShardWriter(index_dir, collection)
        ids = faiss.vector_to_array(col.index.id_map)
        for start in range(0, len(ids), rows_per_shard):
            stop = min(len(ids), start + rows_per_shard)
            writer.write(
                inner.reconstruct_n(start, stop - start), ids[start:stop], generation=store.generation
            )
        writer.commit(store)
    return folder


def merge_topk(
    scores: Sequence[np.ndarray], ids: Sequence[np.ndarray], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The global top-``k`` of per-shard results (each (Q, k_s); id -1 = no hit), best first, ties by id.

    Returns:
        ``(scores, ids)`` of shape (Q, k), padded with ``-inf`` / ``-1`` where fewer hits exist.
    """
    s = np.concatenate([np.asarray(x, dtype=np.float32) for x in scores], axis=1)
    i = np.concatenate([np.asarray(x, dtype=np.int64) for x in ids], axis=1)
    s = np.where(i < 0, -np.inf, s)
    out_s = np.full((s.shape[0], k), -np.inf, dtype=np.float32)
    out_i = np.full((s.shape[0], k), -1, dtype=np.int64)
    for q in range(s.shape[0]):
        order = np.lexsort((np.where(i[q] < 0, np.iinfo(np.int64).max, i[q]), -s[q]))[:k]
        out_s[q, : len(order)], out_i[q, : len(order)] = s[q, order], i[q, order]
    return out_s, out_i


class ShardedSearcher:
    """Exact top-k search over a collection's shards, records read from the store.

    Example:
        .. code-block:: python

            from dnahlm.index.sharded import ShardedSearcher
            from dnahlm.index.store import KnowledgeStore

            with KnowledgeStore("genome-index") as store:
                hits = ShardedSearcher(store, "sequences").search("ACGTTGCA...", k=5)
    """

    def __init__(
        self, store: KnowledgeStore, collection: str, *, threads: int = 2, mmap: bool = True
    ) -> None:
        faiss = _faiss()
        self.store, self.collection = store, collection
        col = store._collection(collection)
        self.folder = shard_folder(store.path, collection)
        self.manifest = read_manifest(self.folder)
        if not self.manifest["shards"]:
            raise UserInputError(
                f"{self.folder}: no shards; add files with --ray or call dnahlm.index.sharded.reshard"
            )
        if self.manifest.get("index_sha256") != col.sha256 or self.manifest["count"] != col.count:
            raise UserInputError(
                f"{self.folder}: shards hold {self.manifest['count']} vectors written at generation "
                f"{self.manifest['generation']}; collection {collection!r} now holds {col.count} (it "
                "changed without --ray). Search the index itself, or reshard it"
            )
        flags = faiss.IO_FLAG_MMAP if mmap else 0
        self.shards = []
        for s in self.manifest["shards"]:
            path = folder_checks.plain_file(self.folder, s["file"], self.folder / MANIFEST)
            if sha256_file(path) != s["sha256"]:
                raise DataFormatError(f"{path}: checksum differs from {MANIFEST}; reshard the collection")
            try:
                self.shards.append(faiss.read_index(str(path), flags))
            except (RuntimeError, MemoryError) as exc:
                raise DataFormatError(f"{path}: not a readable FAISS index; reshard the collection") from exc
        self.threads = max(1, threads)

    def search_vectors(self, vectors: np.ndarray, k: int = 5) -> list[list[Hit]]:
        """The ``k`` nearest records to each (Q, dimension) query vector, best first."""
        q = np.ascontiguousarray(np.atleast_2d(np.asarray(vectors, dtype=np.float32)))
        with ThreadPoolExecutor(self.threads) as pool:
            parts = list(pool.map(lambda shard: shard.search(q, min(k, shard.ntotal)), self.shards))
        scores, ids = merge_topk([p[0] for p in parts], [p[1] for p in parts], k)
        rows = {h.id: h for h in self.store.get([int(i) for i in np.unique(ids[ids >= 0])])}
        return [
            [
                Hit(
                    int(i),
                    float(s),
                    rows[int(i)].text,
                    rows[int(i)].metadata,
                    rows[int(i)].collection,
                    rows[int(i)].key,
                )
                for s, i in zip(srow, irow, strict=True)
                if i >= 0 and int(i) in rows
            ]
            for srow, irow in zip(scores, ids, strict=True)
        ]

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The ``k`` best hits for a DNA or text query, embedded as the collection was."""
        from dnahlm.sequences import normalize

        from .embed import SEQUENCE_EMBEDDERS, make_embedder

        spec = self.store.collections[self.collection].embedder
        emb = make_embedder(spec["name"], **spec["params"])
        text = (
            normalize(query, record_id="query", iupac=True) if spec["name"] in SEQUENCE_EMBEDDERS else query
        )
        vector = (
            emb.embed_array([text]) if hasattr(emb, "embed_array") else np.asarray([emb.embed_query(text)])
        )
        return self.search_vectors(vector, k)[0]


__all__ = ["ShardWriter", "ShardedSearcher", "merge_topk", "read_manifest", "reshard", "shard_folder"]
