"""Uploads: checked for size and format, parsed from memory, or staged inside the chosen index folder.

Nothing a user uploads is written anywhere but the index folder it goes into: :func:`staged` writes the
files into a temporary sub-folder of that index (removed afterwards), because ingestion reads files by
path and records a hash of their bytes. Sequences to predict or ask about are parsed from memory.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dnahlm.errors import DataFormatError, UserInputError
from dnahlm.sequences import FORMATS, normalize, seqio_records

SEQUENCE_SUFFIXES = tuple(sorted(FORMATS))
"""FASTA, GenBank and EMBL suffixes (each also accepted with ``.gz``)."""
INDEX_SUFFIXES = (
    ".csv",
    ".gff",
    ".gff3",
    ".jsonl",
    ".ndjson",
    ".txt",
    ".md",
    ".pdf",
    ".medline",
    ".nbib",
    *SEQUENCE_SUFFIXES,
)
"""What the Index page takes (see :func:`dnahlm.index.ingest.default_collection`)."""
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 120
"""The longest name an upload is staged under (:func:`safe_name`)."""
MAX_TEXT_BYTES = 200 * 1024 * 1024
"""The most a sequence upload may hold once decompressed, whatever the page's own limit."""


def suffix(name: str) -> str:
    """The file kind of ``name``: its last suffix, looking through ``.gz`` (lower-case)."""
    parts = [s.lower() for s in Path(name).suffixes]
    if parts and parts[-1] == ".gz":
        parts = parts[:-1]
    return parts[-1] if parts else ""


def check_upload(
    name: str, size: int, allowed: Sequence[str], max_mb: int, data: bytes | None = None
) -> None:
    """Refuse an upload that is too large (compressed or, given ``data``, once decompressed) or of a kind
    the page does not take.

    Raises:
        UserInputError: naming the file, its size or suffix, and what is accepted.
    """
    limit = max_mb * 1024 * 1024
    if size > limit:
        raise UserInputError(f"{name}: {size / 2**20:.1f} MB is more than the {max_mb} MB an upload may be")
    if size == 0:
        raise UserInputError(f"{name}: the file is empty")
    if suffix(name) not in allowed:
        raise UserInputError(
            f"{name}: {suffix(name) or 'no suffix'} is not a format this page takes; "
            f"use one of {' '.join(allowed)} (optionally .gz)"
        )
    if data is not None and name.lower().endswith(".gz"):
        _decompress(name, data, limit)


def _decompress(name: str, data: bytes, limit: int) -> bytes:
    """A gzip upload's bytes, read in blocks and refused once past ``limit`` (a small file can hold a
    huge one: 0.6 MB of gzip can be 200 MB of sequence)."""
    out = bytearray()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            while block := fh.read(1 << 20):
                out += block
                if len(out) > limit:
                    raise UserInputError(
                        f"{name}: decompresses to more than the {limit // 2**20} MB an upload may be"
                    )
    except (OSError, EOFError) as exc:
        raise DataFormatError(f"{name}: not readable as gzip ({exc})") from exc
    return bytes(out)


def _text(name: str, data: bytes, limit: int = MAX_TEXT_BYTES) -> str:
    try:
        raw = _decompress(name, data, limit) if name.lower().endswith(".gz") else data
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{name}: not readable as UTF-8 text ({exc})") from exc


def read_sequences(
    name: str, data: bytes, *, limit: int | None = None, max_mb: int | None = None
) -> list[tuple[str, str]]:
    """``(id, sequence)`` of the records of an uploaded FASTA/GenBank/EMBL file, parsed from memory.

    Args:
        name: the upload's file name (its suffix picks the format).
        data: the file's bytes (gzip when the name ends in ``.gz``).
        limit: read at most this many records.
        max_mb: the most the file may hold once decompressed (default :data:`MAX_TEXT_BYTES`); the one
            decompression checks it, so a page need not decompress first to check.

    Raises:
        UserInputError: the file decompresses to more than ``max_mb``.
        DataFormatError: unreadable, not the format, no records, or an empty record.
        InvalidSequenceError: a bad letter (names the record and position).
    """
    fmt = FORMATS.get(suffix(name))
    if fmt is None:
        raise DataFormatError(f"{name}: not a sequence file; use one of {' '.join(SEQUENCE_SUFFIXES)}")
    out: list[tuple[str, str]] = []
    text = _text(name, data, MAX_TEXT_BYTES if max_mb is None else max_mb * 1024 * 1024)
    for rec in seqio_records(io.StringIO(text), fmt, name):
        seq = normalize(str(rec.seq), record_id=f"{name}:{rec.id}", iupac=True)
        if not seq:
            raise DataFormatError(f"{name}: record {rec.id} has an empty sequence")
        out.append((rec.id, seq))
        if limit is not None and len(out) >= limit:
            break
    if not out:
        raise DataFormatError(f"{name}: no {fmt} records found")
    return out


def parse_pasted(text: str) -> list[tuple[str, str]]:
    """Pasted text as ``(id, sequence)`` records: FASTA when it starts with ``>``, else one sequence.

    Raises:
        UserInputError: nothing pasted, or a letter that is not DNA (with its position).
    """
    text = text.strip()
    if not text:
        raise UserInputError("paste a DNA sequence (or FASTA records) first")
    if text.startswith(">"):
        return read_sequences("pasted.fa", text.encode())
    return [("query", normalize(text, record_id="the pasted sequence", iupac=True))]


def safe_name(name: str) -> str:
    """An upload's file name reduced to letters, digits, ``.``, ``_`` and ``-`` (no folders), at most
    :data:`MAX_NAME` characters.

    A longer name keeps its file kind (``.fa``, ``.fa.gz``: what ingestion reads the format from); its
    stem is cut and followed by ``-`` and 8 hex digits of the SHA-256 of the whole name, so two long
    names that differ only past the cut stay two names.

    Example:
        >>> a, b = safe_name("x" * 200 + "1.fa"), safe_name("x" * 200 + "2.fa")
        >>> len(a) <= MAX_NAME, a.endswith(".fa"), a != b
        (True, True, True)
    """
    base = _SAFE_NAME.sub("_", Path(name).name).strip("._") or "upload"
    if len(base) <= MAX_NAME:
        return base
    tail = ".gz" if base.lower().endswith(".gz") else ""
    kind = Path(base[: len(base) - len(tail)]).suffix
    tail = (kind if len(kind) <= 16 else "") + tail
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    stem = base[: MAX_NAME - len(tail) - len(digest) - 1].rstrip("._") or "upload"
    return f"{stem}-{digest}{tail}"


@contextmanager
def staged(index_dir: str | Path, files: Sequence[Any]) -> Iterator[list[Path]]:
    """Write uploads (objects with ``name`` and ``getvalue()``) into a temporary folder inside
    ``index_dir``, yield their paths, and remove the folder afterwards, whatever happens."""
    root = Path(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".upload-", dir=root))
    try:
        paths = []
        for f in files:
            path = tmp / safe_name(f.name)
            n = 1
            while path in paths:  # "sample 1.fa" and "sample_1.fa" fold to one name: keep both files
                n += 1
                path = tmp / f"{n}-{safe_name(f.name)}"
            path.write_bytes(f.getvalue())
            paths.append(path)
        yield paths
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
