"""``dnahlm index repair``: bring a damaged index folder back to a whole state without losing records silently.

What can go wrong on disk, and what repair does about it:

- ``manifest.json`` lost or unreadable: it is rewritten from the newest generation whose files are intact
  (each ``meta.<gen>.sqlite`` keeps a copy of its collections' manifest entries).
- a collection's ``<name>.<gen>.faiss`` missing, truncated or altered: the metadata still holds every
  record and the text that was embedded, so the vectors are rebuilt by embedding those texts again with
  the collection's own embedder (named in the manifest), and written as a new generation.
- the newest ``meta.<gen>.sqlite`` damaged: only an older generation can be restored, which may hold fewer
  records. Repair then says, per collection, how many records it would keep and drop, and changes nothing
  unless asked to (``force=True`` / ``--force``).

A repair never overwrites a file: rebuilt vectors and metadata go under a new generation number, and the
old files stay until the next commit collects them.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dnahlm.errors import DataFormatError
from dnahlm.files import fsync_path, sha256_file, write_json_atomic
from dnahlm.index.folder import (
    check_collection,
    check_sqlite,
    generation_file,
    plain_file,
    read_manifest,
    remove,
    write_refused,
)
from dnahlm.index.store import (
    FILTER_COLUMNS,
    FORMAT_VERSION,
    INDEX_TYPES,
    Collection,
    KnowledgeStore,
    convert_if_due,
    new_faiss_index,
)

EMBED_BATCH = 2048


@dataclass
class CollectionRepair:
    """What repair did to one collection: ``kept`` (intact), ``rebuilt`` (re-embedded) or ``dropped``."""

    name: str
    action: str
    records: int
    dropped: int = 0
    detail: str = ""

    def line(self) -> str:
        text = {
            "kept": f"{self.name}: kept {self.records:,} records (intact)",
            "rebuilt": f"{self.name}: rebuilt the vectors of {self.records:,} records from the metadata",
            "dropped": f"{self.name}: dropped {self.dropped:,} records",
        }[self.action]
        if self.action != "dropped" and self.dropped:
            text += f", dropped {self.dropped:,}"
        return text + (f" ({self.detail})" if self.detail else "")


@dataclass
class RepairReport:
    """The generation repair started from, the one it wrote, and what happened to each collection."""

    path: str
    restored: int
    generation: int
    collections: list[CollectionRepair] = field(default_factory=list)
    changed: bool = True

    def lines(self) -> list[str]:
        head = (
            f"{self.path}: nothing to repair (generation {self.generation} is whole)"
            if not self.changed
            else f"{self.path}: generation {self.generation} written from generation {self.restored}"
        )
        return [head, *(f"  {c.line()}" for c in self.collections)]


def _generations(folder: Path) -> list[tuple[int, Path]]:
    return sorted(
        (int(m.group(1)), f)
        for f in folder.glob("meta.*.sqlite")
        if (m := re.fullmatch(r"meta\.(\d+)\.sqlite", f.name))
    )


def _current(folder: Path) -> dict[str, Any] | None:
    """The manifest as it is, when it is a readable JSON object (its counts say what should be there)."""
    try:
        data = read_manifest(folder / "manifest.json")
    except DataFormatError:
        return None
    return data if isinstance(data, dict) else None


def _named(current: dict[str, Any] | None) -> set[str]:
    """The files the current manifest names or retired, those of the store's own form (for collection)."""
    if current is None:
        return set()
    cols = current.get("collections")
    names = [*(c.get("file") for c in cols.values() if isinstance(c, dict))] if isinstance(cols, dict) else []
    sqlite = current.get("sqlite")
    names.append(sqlite.get("file") if isinstance(sqlite, dict) else None)
    retired = current.get("retired")
    names += retired if isinstance(retired, list) else []
    return {n for n in names if generation_file(n)}


def _open_generation(folder: Path, file: Path, current: dict[str, Any] | None) -> tuple[dict, dict[str, int]]:
    """A generation's saved collections and its record counts per collection; raises if it is damaged."""
    plain_file(folder, file.name, folder)
    named = (current or {}).get("sqlite") or {}
    checked = isinstance(named, dict) and named.get("file") == file.name and named.get("sha256")
    if checked and sha256_file(file) != named["sha256"]:
        raise DataFormatError(f"{file.name}: checksum differs from the manifest")
    collections = check_sqlite(file, FILTER_COLUMNS, thorough=True)  # a rare, careful read: every index too
    for name, entry in collections.items():
        check_collection(name, entry, f"{file.name}, table manifest", INDEX_TYPES)
    db = sqlite3.connect(f"file:{file}?mode=ro&immutable=1", uri=True)
    try:
        counts = dict(db.execute("SELECT collection, COUNT(*) FROM records GROUP BY collection").fetchall())
    finally:
        db.close()
    return collections, counts


def _faiss_intact(folder: Path, entry: dict[str, Any]) -> str:
    """'' when the collection's FAISS file is there with its checksum, else what is wrong with it."""
    name = entry.get("file")
    if not name:
        return "no vector file named"
    f = folder / name
    if f.is_symlink() or not f.is_file():
        return f"{name} missing" if not os.path.lexists(f) else f"{name} is not a plain file"
    if sha256_file(f) != entry.get("sha256"):
        return f"{name} damaged"
    return ""


def _rebuild(file: Path, name: str, entry: dict[str, Any], progress: Callable[[str], None] | None) -> Any:
    """A FAISS index of collection ``name``'s records, embedded again from their stored text."""
    from dnahlm.index.embed import make_embedder

    spec = entry["embedder"]
    try:
        embedder = make_embedder(spec["name"], **dict(spec.get("params", {})))
    except Exception as exc:  # an embedder that cannot be built (its model is gone): say which
        raise DataFormatError(
            f"cannot rebuild {name!r}: its embedder {spec.get('name')!r} failed ({exc})"
        ) from exc
    db = sqlite3.connect(f"file:{file}?mode=ro&immutable=1", uri=True)
    try:
        rows = db.execute("SELECT id, text FROM records WHERE collection = ? ORDER BY id", (name,)).fetchall()
    finally:
        db.close()
    col = Collection(
        name=name, embedder=spec, dimension=int(entry["dimension"]), index_type=entry["index_type"]
    )
    col.index = new_faiss_index("hnsw" if col.index_type == "hnsw" else "flat", col.dimension)
    for start in range(0, len(rows), EMBED_BATCH):
        chunk = rows[start : start + EMBED_BATCH]
        texts = [t for _, t in chunk]
        v = (
            embedder.embed_array(texts)
            if hasattr(embedder, "embed_array")
            else embedder.embed_documents(texts)
        )
        v = np.ascontiguousarray(v, dtype=np.float32)
        if v.ndim != 2 or v.shape[1] != col.dimension:
            raise DataFormatError(
                f"cannot rebuild {name!r}: its embedder gives vectors of dimension {v.shape[-1]}, "
                f"the collection holds {col.dimension}"
            )
        col.index.add_with_ids(v, np.array([i for i, _ in chunk], dtype=np.int64))
        if progress:
            progress(f"{name}: {min(start + EMBED_BATCH, len(rows)):,} of {len(rows):,} records embedded")
    col.count = int(col.index.ntotal)
    convert_if_due(col)
    return col.index


def _write_generation(
    folder: Path,
    source: Path,
    gen: int,
    collections: dict[str, dict],
    drop: list[str],
    rebuilt: dict[str, Any],
    retired: set[str],
    written: list[Path],
) -> None:
    """Copy generation ``source`` to ``gen`` with new vector files for ``rebuilt`` and without ``drop``."""
    import faiss

    for name, index in rebuilt.items():
        final = folder / f"{name}.{gen}.faiss"
        partial = final.with_name(final.name + ".partial")
        written += [partial, final]
        partial.unlink(missing_ok=True)  # a link left here is removed, never written through
        with open(partial, "xb") as fh:
            faiss.write_index(index, faiss.PyCallbackIOWriter(fh.write))
        fsync_path(partial)
        os.replace(partial, final)
        collections[name] = {**collections[name], "file": final.name, "sha256": sha256_file(final)}
        collections[name]["count"] = int(index.ntotal)
    meta = folder / f"meta.{gen}.sqlite"
    partial = meta.with_name(meta.name + ".partial")
    written += [partial, meta]
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro&immutable=1", uri=True)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
        for name in drop:
            dst.execute("DELETE FROM records WHERE collection = ?", (name,))
            dst.execute("DELETE FROM sources WHERE collection = ?", (name,))
        dst.execute("DELETE FROM manifest")
        dst.execute("INSERT INTO manifest (json) VALUES (?)", (json.dumps({"collections": collections}),))
        dst.commit()
    finally:
        src.close()
        dst.close()
    fsync_path(partial)
    os.replace(partial, meta)
    _write_manifest(folder, gen, meta, collections, retired)


def _manifest(gen: int, meta: Path, collections: dict[str, dict]) -> dict[str, Any]:
    """The ``manifest.json`` of generation ``gen`` (as :meth:`KnowledgeStore.commit` writes it), less the
    files it retires."""
    return {
        "format_version": FORMAT_VERSION,
        "generation": gen,
        "sqlite": {"file": meta.name, "sha256": sha256_file(meta)},
        "collections": collections,
        "counts": {name: c["count"] for name, c in collections.items()},
    }


def _write_manifest(
    folder: Path, gen: int, meta: Path, collections: dict[str, dict], retired: set[str]
) -> None:
    """Switch to generation ``gen``; ``retired`` files (named by the manifest before) go at the next commit."""
    kept = {c["file"] for c in collections.values()} | {meta.name}
    manifest = {**_manifest(gen, meta, collections), "retired": sorted(retired - kept)}
    write_json_atomic(folder / "manifest.json", manifest)
    fsync_path(folder)


def repair(
    path: str | Path, *, force: bool = False, progress: Callable[[str], None] | None = None
) -> RepairReport:
    """Restore a whole index state; see the module docstring for what is kept, rebuilt and dropped.

    Args:
        path: the index folder.
        force: accept dropping records (an older generation, or a collection whose vectors cannot be
            rebuilt); without it such a repair raises and changes nothing.
        progress: called with a line of text while vectors are embedded again.

    Raises:
        DataFormatError: nothing whole to restore, or records would be dropped without ``force`` (the
            message says, per collection, how many); the folder is left as it was.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DataFormatError(f"{folder}: no such folder, so there is no index to repair")
    current = _current(folder)
    expected = (current or {}).get("counts") if isinstance((current or {}).get("counts"), dict) else {}
    problems: list[str] = []
    with KnowledgeStore.writing(folder):
        for gen, file in reversed(_generations(folder)):
            try:
                collections, counts = _open_generation(folder, file, current)
            except (sqlite3.DatabaseError, TypeError, ValueError, OSError, KeyError) as exc:
                problems.append(f"generation {gen}: {exc}")
                continue
            return _repair_from(folder, gen, file, collections, counts, expected, current, force, progress)
    raise DataFormatError(
        f"{folder}: no complete index generation to restore "
        f"({'; '.join(problems) or 'no meta.*.sqlite files'}); nothing was changed"
    )


def _repair_from(
    folder: Path,
    gen: int,
    file: Path,
    collections: dict[str, dict],
    counts: dict[str, int],
    expected: dict[str, int],
    current: dict[str, Any] | None,
    force: bool,
    progress: Callable[[str], None] | None,
) -> RepairReport:
    report = RepairReport(str(folder), restored=gen, generation=gen)
    rebuilt: dict[str, Any] = {}
    drop: list[str] = []
    for name, entry in collections.items():
        have = counts.get(name, 0)
        lost = max(0, int(expected.get(name, have)) - have)
        wrong = _faiss_intact(folder, entry)
        if not wrong:
            report.collections.append(CollectionRepair(name, "kept", have, lost))
            continue
        try:
            rebuilt[name] = _rebuild(file, name, entry, progress)
            report.collections.append(CollectionRepair(name, "rebuilt", have, lost, wrong))
        except (DataFormatError, KeyError, TypeError, ValueError) as exc:
            drop.append(name)
            report.collections.append(CollectionRepair(name, "dropped", 0, have + lost, f"{wrong}; {exc}"))
    for name, n in expected.items():  # collections the newest state had and this generation lacks
        if name not in collections and int(n):
            report.collections.append(
                CollectionRepair(name, "dropped", 0, int(n), f"not in generation {gen}")
            )
    dropped = [c for c in report.collections if c.dropped]
    if dropped and not force:
        what = "; ".join(c.line() for c in report.collections)
        raise DataFormatError(
            f"{folder}: repair would drop records ({what}); nothing was changed. "
            "Restore the folder from a backup, or run `dnahlm index repair --force` to accept the loss"
        )
    retired = _named(current)
    if not rebuilt and not drop:
        # every file was checked above: the folder is whole when its manifest is the one it should have
        if {k: v for k, v in (current or {}).items() if k != "retired"} == _manifest(gen, file, collections):
            report.changed = False
            return report
        _switch(folder, lambda: _write_manifest(folder, gen, file, collections, retired), [])
        return report
    new = KnowledgeStore.next_generation(folder)
    kept = {n: e for n, e in collections.items() if n not in drop}
    written: list[Path] = []
    retired |= {file.name, *(e["file"] for e in collections.values())}
    _switch(
        folder,
        lambda: _write_generation(folder, file, new, kept, drop, rebuilt, retired, written),
        written,
    )
    report.generation = new
    return report


def _switch(folder: Path, write: Callable[[], None], written: list[Path]) -> None:
    """Run ``write``; when the folder refuses it (read-only, full), remove what it wrote and say so."""
    try:
        write()
    except (OSError, RuntimeError, sqlite3.OperationalError) as exc:
        remove(written)
        raise write_refused(folder, exc, "nothing was changed") from exc


__all__ = ["CollectionRepair", "RepairReport", "repair"]
