"""Bounded reading of the files a user gives: regular files only, lines and records capped, JSON depth capped.

Every reader of user files (sequences, GFF3, papers, labelled CSV pools, ``tasks.json``, checkpoint JSON)
opens them here, so that a hostile path or file ends in one :class:`~dnahlm.errors.DataFormatError` line
instead of a hang or a machine out of memory:

* :func:`open_regular` opens regular files only. A FIFO would block the open (and could send different
  bytes on each read), ``/dev/zero`` never ends, a folder or socket is no file: each is refused by kind.
  The file is opened with ``O_NONBLOCK`` and checked with ``fstat`` on the open descriptor, so a symlink to
  a regular file is fine, a symlink to ``/dev/zero`` is refused, and a swap between check and open cannot
  slip through.
* :class:`BoundedText` hands a parser one line at a time and never holds more than :func:`record_limit`
  characters of one line, or of one record (a FASTA ``>`` entry, a GenBank ``LOCUS`` entry): a one-line
  1 Gbp FASTA is refused after reading the limit, not after reading the gigabyte.
* :func:`json_loads` refuses JSON nested deeper than :data:`MAX_JSON_DEPTH` before ``json`` recurses into it.
* :func:`watch_reads` checks, for ``index add``, that the bytes a parser read are the bytes that were hashed.

The record and label limits are settings (``DNAHLM_MAX_RECORD_MB``, ``DNAHLM_MAX_LABELS``).
"""

from __future__ import annotations

import contextlib
import contextvars
import gzip
import hashlib
import io
import json
import os
import re
import stat
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path
from typing import Any, BinaryIO

from dnahlm.errors import DataFormatError

MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects accepted in a JSON file or a JSONL line."""

MAX_JSON_FILE_MB = 64
"""Largest JSON file (``tasks.json``, a checkpoint's ``config.json``...) read whole, in MB."""


_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _settings() -> Any:
    from dnahlm.settings import get_settings

    return get_settings()


def record_limit() -> int:
    """The most characters one line, record or text document may hold (settings ``max_record_mb``)."""
    return _settings().max_record_mb * 1_000_000


def label_limit() -> int:
    """The most labels one task may have (settings ``max_labels``)."""
    return _settings().max_labels


def too_large(name: str | Path, what: str, limit: int) -> DataFormatError:
    """The one-line error for a line, record or document over ``limit`` characters."""
    return DataFormatError(
        f"{name}: {what} is longer than the limit of {limit / 1e6:g} MB; split it, or raise the limit "
        "with DNAHLM_MAX_RECORD_MB"
    )


def printable(text: str | Path) -> str:
    """``text`` (a file name, a record id) with control characters and bidi overrides as visible escapes.

    For what a layer below the CLI shows on a terminal itself (a progress bar's description); the same
    escapes as the CLI's ``terminal_safe``.

    Example:
        >>> printable("a\\x1b[31m.fa")
        'a\\\\x1b[31m.fa'
    """
    return _CONTROL.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}",
        str(text),
    )


def not_regular(path: str | Path, mode: int) -> DataFormatError:
    """The one-line error for a path that is not a regular file (``mode`` from ``stat``)."""
    kind = next((name for test, name in _KINDS if test(mode)), "not a file")
    if stat.S_ISDIR(mode):  # the wording other readers already give for a folder
        return DataFormatError(
            f"{path}: cannot open (Is a directory): not a regular file; give a file on disk"
        )
    return DataFormatError(f"{path}: not a regular file ({kind}); give a file on disk")


def check_regular(path: str | Path) -> None:
    """Raise :func:`not_regular`'s error when ``path`` exists and is not a regular file (links followed).

    A missing or unreadable path is left to the caller's own ``open`` and its wording.
    """
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return
    if not stat.S_ISREG(mode):
        raise not_regular(path, mode)


def open_regular(path: str | Path) -> BinaryIO:
    """Open a regular file for reading bytes; refuse a FIFO, device, socket or folder without blocking.

    Raises:
        DataFormatError: ``path`` is not a regular file (says which kind it is).
        OSError: it cannot be opened (missing, no permission): the caller words that error.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        check_regular(path)  # a socket cannot be opened at all: say what it is
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise not_regular(path, st.st_mode)
        os.set_blocking(fd, True)
        raw: Any = io.FileIO(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise
    watch = _WATCH.get()
    if watch is not None and (st.st_dev, st.st_ino) == watch.identity:
        raw = _Tap(raw, watch)
    return io.BufferedReader(raw, 1 << 16)


def open_bytes(path: str | Path) -> BinaryIO:
    """:func:`open_regular`, gunzipping when the name ends in ``.gz``."""
    handle = open_regular(path)
    if Path(path).suffix.lower() == ".gz":
        return gzip.GzipFile(fileobj=handle, mode="rb")  # type: ignore[return-value]
    return handle


def read_limited(handle: BinaryIO, name: str | Path, limit: int, what: str = "the file") -> bytes:
    """All of ``handle``'s bytes, refusing (without reading further) when there are more than ``limit``."""
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise too_large(name, what, limit)
    return data


class BoundedText(io.TextIOBase):
    """A text stream whose lines, and records, are at most ``limit`` characters; over it, one error.

    Args:
        binary: the bytes to decode (from :func:`open_bytes`).
        name: the file, for messages.
        encoding: text encoding (``utf-8-sig`` drops a byte-order mark).
        newline: as for :class:`io.TextIOWrapper` (``""`` for the ``csv`` module).
        record_start: a record begins at a line starting with this (``">"`` for FASTA, ``"LOCUS"`` for
            GenBank); from the first such line on, each record's lines together are capped too.
        limit: the cap in characters; default :func:`record_limit`.
    """

    def __init__(
        self,
        binary: BinaryIO,
        name: str | Path,
        *,
        encoding: str = "utf-8",
        newline: str | None = None,
        record_start: str | None = None,
        limit: int | None = None,
    ) -> None:
        super().__init__()
        self._text = io.TextIOWrapper(binary, encoding=encoding, newline=newline)  # type: ignore[arg-type]
        self.name = str(name)
        self.limit = record_limit() if limit is None else limit
        self._start = record_start
        self.lineno = 0
        self._record: tuple[int, str] | None = None  # line and header of the record being read
        self._record_size = 0

    def readable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._text.encoding

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        cap = self.limit + 1 if size is None or size < 0 else min(size, self.limit + 1)
        line = self._text.readline(cap)
        if not line:
            return line
        self.lineno += 1
        if len(line) > self.limit:
            raise too_large(self.name, f"line {self.lineno}", self.limit)
        if self._start is not None:
            if line.startswith(self._start):
                header = line[len(self._start) :].split(maxsplit=1)
                self._record = (self.lineno, header[0][:80] if header else "")
                self._record_size = 0
            if self._record is not None:
                self._record_size += len(line)
                if self._record_size > self.limit:
                    at, rid = self._record
                    raise too_large(self.name, f"record {rid!r} (from line {at})", self.limit)
        return line

    def read(self, size: int | None = -1) -> str:  # type: ignore[override]
        if size is not None and size >= 0:
            return self._text.read(min(size, self.limit + 1)) if size else ""
        text = self._text.read(self.limit + 1)
        if len(text) > self.limit:
            raise too_large(self.name, "the file", self.limit)
        return text

    def close(self) -> None:
        if not self.closed:
            self._text.close()
        super().close()


def open_text(
    path: str | Path, *, encoding: str = "utf-8", newline: str | None = None, record_start: str | None = None
) -> BoundedText:
    """A regular file (gunzipped for ``.gz``) as a :class:`BoundedText`; OSError when it cannot be opened."""
    return BoundedText(open_bytes(path), path, encoding=encoding, newline=newline, record_start=record_start)


def lines(handle: BinaryIO, name: str | Path, limit: int | None = None) -> Iterator[bytes]:
    """The raw lines of a byte stream, each at most ``limit`` bytes (default :func:`record_limit`)."""
    limit = record_limit() if limit is None else limit
    lineno = 0
    while line := handle.readline(limit + 1):
        lineno += 1
        if len(line) > limit:
            raise too_large(name, f"line {lineno}", limit)
        yield line


# --------------------------------------------------------------------------- JSON

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """How deep arrays and objects nest in JSON ``text`` (strings skipped), without recursing."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def json_loads(text: str, where: str | Path, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads(text)``, refusing nesting deeper than ``max_depth`` before parsing.

    Raises:
        DataFormatError: too deep (names ``where``).
        json.JSONDecodeError: not JSON, as ``json.loads`` says.
    """
    if text.count("[") + text.count("{") > max_depth and json_depth(text) > max_depth:
        raise DataFormatError(f"{where}: JSON nested deeper than {max_depth} levels; not accepted")
    return json.loads(text)


def read_json_text(path: str | Path, *, limit_mb: int = MAX_JSON_FILE_MB) -> str:
    """The text of a JSON file (a regular file of at most ``limit_mb`` MB); OSError/UnicodeDecodeError pass."""
    with open_regular(path) as handle:
        data = handle.read(limit_mb * 1_000_000 + 1)
    if len(data) > limit_mb * 1_000_000:
        raise DataFormatError(f"{path}: larger than {limit_mb} MB; not a JSON file dnahlm reads")
    return data.decode("utf-8")


# --------------------------------------------------------------------------- read once, hash once


class ReadWatch:
    """What :func:`watch_reads` saw: the SHA-256 of every read of the file that went start to end."""

    def __init__(self, path: Path, st: os.stat_result) -> None:
        self.path = path
        self.identity = (st.st_dev, st.st_ino)
        self.before = (st.st_size, st.st_mtime_ns)
        self.whole_reads: list[str] = []

    def check(self, sha256: str) -> None:
        """Raise when a whole read's bytes, or the file's size/mtime, differ from what was hashed."""
        try:
            st = os.stat(self.path)
            now = (st.st_dev, st.st_ino), (st.st_size, st.st_mtime_ns)
        except OSError:
            now = None
        if now != (self.identity, self.before) or any(d != sha256 for d in self.whole_reads):
            raise DataFormatError(
                f"{self.path}: the file changed while it was being read; nothing was added (add it again "
                "when nothing is writing it)"
            )


_WATCH: contextvars.ContextVar[ReadWatch | None] = contextvars.ContextVar("dnahlm_read_watch", default=None)


@contextlib.contextmanager
def watch_reads(path: str | Path) -> Iterator[ReadWatch]:
    """While inside, every :func:`open_regular` of ``path`` hashes the bytes it reads; see :class:`ReadWatch`.

    ``index add`` hashes a file (to skip one already added), then parses it: ``watch.check(sha)`` after the
    parse refuses the file when what was parsed is not what was hashed (it was rewritten in between).
    """
    p = Path(path)
    with open_regular(p) as handle:
        st = os.fstat(handle.fileno())
    watch = ReadWatch(p, st)
    token = _WATCH.set(watch)
    try:
        yield watch
    finally:
        _WATCH.reset(token)


class _Tap(io.RawIOBase):
    """A raw file that hashes the bytes read in order from the start; a seek ends the hashing."""

    def __init__(self, raw: io.FileIO, watch: ReadWatch) -> None:
        super().__init__()
        self._raw, self._watch = raw, watch
        self._sha: Any = hashlib.sha256()
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        n = self._raw.readinto(buffer)
        if self._sha is not None and n is not None:
            if n:
                self._sha.update(memoryview(buffer)[:n])
                self._offset += n
            else:  # the end, read in order from the start
                self._watch.whole_reads.append(self._sha.hexdigest())
                self._sha = None
        return n

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        pos = self._raw.seek(offset, whence)
        if pos != self._offset:
            self._sha = None
        return pos

    def tell(self) -> int:
        return self._raw.tell()

    def fileno(self) -> int:
        return self._raw.fileno()

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_JSON_FILE_MB",
    "BoundedText",
    "ReadWatch",
    "check_regular",
    "json_depth",
    "json_loads",
    "label_limit",
    "lines",
    "not_regular",
    "open_bytes",
    "open_regular",
    "open_text",
    "printable",
    "read_json_text",
    "read_limited",
    "record_limit",
    "too_large",
    "watch_reads",
]
