"""An index folder is untrusted input: what its manifest names is checked before anything is read or written.

A folder may come from anywhere (a download, a colleague, a red team), so its ``manifest.json`` and the
copy of it each ``meta.<gen>.sqlite`` keeps are data, not instructions:

- every file they name is a plain name inside the folder, of the one form the store writes
  (``meta.<gen>.sqlite``, ``<collection>.<gen>.faiss``), and a regular file, not a link: an index never
  reads, writes or deletes outside its folder;
- collection names are ``[a-z][a-z0-9_-]*`` wherever they come from (the manifest, the SQLite copy of
  it, the records and sources tables);
- a SQLite file must pass SQLite's own check (``PRAGMA quick_check``: it reads every page, about as fast
  as the SHA-256 already computed; ``integrity_check`` also cross-checks every index, several times
  slower, and is kept for repair) and hold exactly the tables and columns this version writes, with no
  triggers or views.

Every refusal is a :class:`~dnahlm.errors.DataFormatError` of one line: which file, what is wrong, what
to do. A file that is not what it should be is never quoted.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any

from dnahlm.errors import DataFormatError, UserInputError

NAME = re.compile(r"[a-z][a-z0-9_-]*")
"""A collection name (it becomes part of file names)."""
SQLITE_FILE = re.compile(r"meta\.(\d{1,15})\.sqlite")
FAISS_FILE = re.compile(r"([a-z][a-z0-9_-]*)\.(\d{1,15})\.faiss")
SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_MANIFEST_BYTES = 16 << 20
"""A manifest lists files and settings: anything larger is not one (and is not read into memory)."""
ADVICE = "nothing was read or changed; restore the folder from a backup or run `dnahlm index repair` on it"

COLUMNS = {
    "records": {"id", "collection", "key", "text", "meta"},  # plus the filter columns, added by the store
    "sources": {"collection", "sha256", "path", "records"},
    "manifest": {"json"},
}
INDEXES = {"records_source", "records_task", "records_parent"}


def lock(folder: Path, timeout: float) -> int:
    """An exclusive ``flock`` on ``folder/.lock``, waiting up to ``timeout`` seconds; returns its fd."""
    try:  # never through a link: the lock file is created inside the folder or not at all
        fd = os.open(folder / ".lock", os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DataFormatError(
                f"{folder / '.lock'}: a symbolic link; an index folder's files must be plain files inside it. "
                "Remove the link and try again"
            ) from exc
        raise UserInputError(
            f"{folder}: cannot write to this index folder ({exc.strerror}); nothing was changed. "
            "Make the folder writable, or copy the index to a writable place"
        ) from exc
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError as exc:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise UserInputError(
                    f"{folder}: another process has been writing this index for over {timeout:g} s; "
                    "try again when it has finished"
                ) from exc
            time.sleep(0.05)


def shown(value: Any, limit: int = 60) -> str:
    """``repr`` of a value read from the folder, cut to ``limit`` characters (it may be anything)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def collection_name(name: Any, where: str | Path) -> str:
    """``name`` when it is an allowed collection name; raises naming ``where`` otherwise."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise DataFormatError(
            f"{where}: collection name {shown(name)} is not allowed (lower-case letters, digits, '-' and '_', "
            f"starting with a letter); {ADVICE}"
        )
    return name


def file_name(name: Any, where: str | Path, collection: str | None = None) -> str:
    """``name`` when it is a file name the store writes: ``meta.<gen>.sqlite``, or
    ``<collection>.<gen>.faiss`` when ``collection`` is given; raises naming ``where`` otherwise."""
    if collection is None:
        ok, expected = SQLITE_FILE.fullmatch(str(name)), "meta.<generation>.sqlite"
    else:
        m = FAISS_FILE.fullmatch(str(name))
        ok, expected = m and m.group(1) == collection, f"{collection}.<generation>.faiss"
    if not isinstance(name, str) or not ok:
        raise DataFormatError(
            f"{where}: file {shown(name)} is not a file of this index folder (expected {expected}); {ADVICE}"
        )
    return name


def generation_file(name: Any) -> bool:
    """Whether ``name`` has the form of a file the store writes (so garbage collection may remove it)."""
    if not isinstance(name, str):
        return False
    m = FAISS_FILE.fullmatch(name)
    return bool(SQLITE_FILE.fullmatch(name) or (m and NAME.fullmatch(m.group(1))))


def check_collection(
    name: Any, entry: Any, where: str | Path, index_types: tuple[str, ...]
) -> dict[str, Any]:
    """A collection's manifest entry: its name, vector file, checksum, sizes, index type and embedder."""
    from .embed import check_spec

    collection_name(name, where)
    here = f"{where}, collection {name!r}"
    if not isinstance(entry, dict):
        raise DataFormatError(f"{here}: not a JSON object; {ADVICE}")
    if not entry.get("file"):
        raise DataFormatError(f"{where}: collection {name!r} names no vector file; {ADVICE}")
    file_name(entry["file"], here, collection=name)
    checksum(entry.get("sha256"), here)
    for key, least in (("dimension", 1), ("count", 0)):
        value = entry.get(key)
        if type(value) is not int or not least <= value <= 2**40:
            raise DataFormatError(f"{here}: {key} {shown(value)} is not a valid number; {ADVICE}")
    if entry.get("index_type", "auto") not in index_types:
        raise DataFormatError(f"{here}: index type {shown(entry.get('index_type'))} is unknown; {ADVICE}")
    check_spec(entry.get("embedder"), here)
    return entry


def write_refused(folder: Path, exc: BaseException, state: str) -> UserInputError:
    """One line for a write the folder refused (read-only, full): where, the OS's reason, what to do."""
    if isinstance(exc, OSError):
        reason, code = exc.strerror or type(exc).__name__, exc.errno
    elif isinstance(exc, sqlite3.Error):
        reason, code = (str(exc).splitlines() or ["SQLite error"])[0], None
    else:  # FAISS
        reason, code = "FAISS could not write the vector file", None
    full = code in (errno.ENOSPC, errno.EDQUOT) or "full" in reason
    todo = (
        "Free some disk space and try again"
        if full
        else "Make the folder writable, or copy the index to a writable place"
    )
    return UserInputError(f"{folder}: cannot write the index ({reason}); {state}. {todo}")


def remove(files: list[Path]) -> None:
    """Remove what a failed write left (its own new files), as far as the folder allows."""
    for f in files:
        with contextlib.suppress(OSError):
            f.unlink(missing_ok=True)


def checksum(value: Any, where: str | Path) -> str:
    """A SHA-256 in hex, as the manifest keeps it; raises naming ``where`` otherwise."""
    if not isinstance(value, str) or not SHA256.fullmatch(value):
        raise DataFormatError(f"{where}: checksum {shown(value)} is not a SHA-256; {ADVICE}")
    return value


def plain_file(folder: Path, name: str, named_in: str | Path) -> Path:
    """``folder / name`` when it is a regular file (not a link, folder, pipe or device); else raises."""
    path = folder / name
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        raise DataFormatError(f"{path}: missing (named in {named_in})") from None
    except OSError as exc:
        raise DataFormatError(f"{path}: cannot read ({exc.strerror})") from exc
    if not stat.S_ISREG(mode):
        what = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
        raise DataFormatError(
            f"{path}: {what}; an index folder's files must be plain files inside it; {ADVICE}"
        )
    return path


def read_manifest(path: Path) -> Any:
    """The JSON in ``manifest.json``: a regular file of at most :data:`MAX_MANIFEST_BYTES`."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise DataFormatError(f"{path}: unreadable ({exc.strerror})") from exc
    if not stat.S_ISREG(info.st_mode):
        raise DataFormatError(f"{path}: not a regular file (a link, folder, pipe or device); {ADVICE}")
    if info.st_size > MAX_MANIFEST_BYTES:
        raise DataFormatError(f"{path}: {info.st_size:,} bytes, too large for an index manifest; {ADVICE}")
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read(MAX_MANIFEST_BYTES + 1).decode("utf-8"))
    except (OSError, ValueError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 JSON"
        raise DataFormatError(f"{path}: unreadable or not JSON ({why})") from exc


def check_sqlite(file: Path, filter_columns: tuple[str, ...], *, thorough: bool = False) -> dict[str, Any]:
    """Check a metadata database; returns the collections of the manifest it keeps (names checked).

    Args:
        file: a ``meta.<gen>.sqlite`` already known to be a regular file inside the folder.
        filter_columns: the records table's metadata columns (the store's ``FILTER_COLUMNS``).
        thorough: ``PRAGMA integrity_check`` (also cross-checks indexes) instead of ``quick_check``.

    Raises:
        DataFormatError: not an SQLite database, damaged, another schema, or collection or file names
            that are not allowed. Nothing of the file's content is quoted.
    """
    db = sqlite3.connect(f"file:{file}?mode=ro&immutable=1", uri=True)
    try:
        try:
            verdict = db.execute(f"PRAGMA {'integrity_check' if thorough else 'quick_check'}(1)").fetchone()
        except sqlite3.DatabaseError as exc:
            raise DataFormatError(f"{file}: not an SQLite database ({exc}); {ADVICE}") from exc
        if not verdict or verdict[0] != "ok":
            raise DataFormatError(f"{file}: damaged (fails SQLite's integrity check); {ADVICE}")
        try:
            return _check_schema(db, file, filter_columns)
        except sqlite3.DatabaseError as exc:
            raise DataFormatError(f"{file}: not a dnahlm metadata database ({exc}); {ADVICE}") from exc
    finally:
        db.close()


def _check_schema(db: sqlite3.Connection, file: Path, filter_columns: tuple[str, ...]) -> dict[str, Any]:
    wrong = f"{file}: not a dnahlm metadata database"
    for kind, name in db.execute("SELECT type, name FROM sqlite_master"):
        allowed = (kind == "table" and (name in COLUMNS or name == "sqlite_sequence")) or (
            kind == "index" and (name in INDEXES or str(name).startswith("sqlite_autoindex_"))
        )
        if not allowed:
            raise DataFormatError(f"{wrong} (it holds a {kind} {shown(name, 40)}); {ADVICE}")
    expected = {**COLUMNS, "records": COLUMNS["records"] | set(filter_columns)}
    for table, columns in expected.items():
        info = db.execute(f"PRAGMA table_info({table})").fetchall()
        found = {row[1] for row in info}
        if found != columns:
            missing, extra = sorted(columns - found), sorted(found - columns)
            what = "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unexpected {', '.join(shown(c, 30) for c in extra[:3])}" if extra else "",
                )
                if part
            )
            raise DataFormatError(f"{wrong} (table {table}: {what or 'no such table'}); {ADVICE}")
        if table == "records" and not any(row[1] == "id" and row[5] == 1 for row in info):
            raise DataFormatError(f"{wrong} (records.id is not the row id); {ADVICE}")
    for table in ("records", "sources"):
        for (name,) in db.execute(f"SELECT DISTINCT collection FROM {table}"):
            collection_name(name, f"{file}, table {table}")
    rows = db.execute("SELECT json FROM manifest").fetchall()
    if len(rows) != 1 or not isinstance(rows[0][0], str):
        raise DataFormatError(f"{wrong} (its manifest table holds {len(rows)} rows, not 1); {ADVICE}")
    try:
        saved = json.loads(rows[0][0])["collections"]
    except (ValueError, TypeError, KeyError) as exc:
        raise DataFormatError(f"{wrong} (its saved manifest is not readable); {ADVICE}") from exc
    if not isinstance(saved, dict):
        raise DataFormatError(f"{wrong} (its saved manifest holds no collections); {ADVICE}")
    for name, entry in saved.items():
        collection_name(name, f"{file}, table manifest")
        if isinstance(entry, dict) and entry.get("file") is not None:
            file_name(entry["file"], f"{file}, table manifest", collection=name)
    return saved


__all__ = [
    "ADVICE",
    "check_collection",
    "check_sqlite",
    "checksum",
    "collection_name",
    "file_name",
    "generation_file",
    "lock",
    "plain_file",
    "read_manifest",
    "remove",
    "shown",
    "write_refused",
]
