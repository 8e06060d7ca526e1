"""DNA sequences: validation, normalisation, reverse complement, GC content, windows, lazy file reading.

Conventions follow Biopython's ``SeqIO``: :func:`parse` yields records lazily, :func:`read` wants exactly
one. Sequences are normalised to upper case; a letter that is not allowed is rejected with the record id
and the 1-based position.

One policy for IUPAC ambiguity codes (R, Y, S, W, K, M, B, D, H, V): every input a user gives (``index
add``, ``predict``, ``eval`` pools, ``ask``, the UI) accepts them, as real GenBank records hold them. A
model reads each of them as ``N`` (:func:`model_letters`, applied where sequences become tokens or
features). Calculations that need exact bases (Tm, primers, PCR products, digests, translation) accept
``ACGTN`` only and say so.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dnahlm import reading
from dnahlm.errors import DataFormatError, InvalidSequenceError, UserInputError

DNA = "ACGTN"
IUPAC = "ACGTNRYSWKMBDHV"
_COMPLEMENT = str.maketrans("ACGTNRYSWKMBDHVacgtnryswkmbdhv", "TGCANYRSWMKVHDBtgcanyrswmkvhdb")
_WHITESPACE = re.compile(r"\s+")
_NOT_DNA = re.compile(f"[^{DNA}]")
_NOT_IUPAC = re.compile(f"[^{IUPAC}]")
_AS_N = str.maketrans({c: "N" for c in "RYSWKMBDHV"})


def model_letters(sequence: str) -> str:
    """``sequence`` with each IUPAC ambiguity code as ``N``: what a model or k-mer feature reads.

    Example:
        >>> model_letters("ACRYGT")
        'ACNNGT'
    """
    return sequence.translate(_AS_N)


# file suffix -> Biopython SeqIO format name
FORMATS = {
    ".fa": "fasta",
    ".fasta": "fasta",
    ".fna": "fasta",
    ".ffn": "fasta",
    ".fas": "fasta",
    ".gb": "genbank",
    ".gbk": "genbank",
    ".gbff": "genbank",
    ".genbank": "genbank",
    ".embl": "embl",
    ".emb": "embl",
}


@dataclass(frozen=True)
class DnaRecord:
    """One named, normalised DNA sequence read from a file."""

    id: str
    sequence: str
    description: str = ""


def normalize(sequence: str, *, record_id: str = "sequence", iupac: bool = False) -> str:
    """Return ``sequence`` upper-cased without whitespace, or raise if it holds a letter not allowed.

    Args:
        sequence: raw DNA text (any case; line breaks and spaces are removed).
        record_id: name used in the error message.
        iupac: accept IUPAC ambiguity codes (R, Y, S, W, K, M, B, D, H, V) besides ACGTN.

    Raises:
        InvalidSequenceError: naming ``record_id`` and the 1-based position of the first bad letter.
    """
    seq = _WHITESPACE.sub("", sequence).upper()
    bad = (_NOT_IUPAC if iupac else _NOT_DNA).search(seq)
    if bad is not None:
        # report the position in the caller's text, counting only non-whitespace letters
        raise InvalidSequenceError(record_id, bad.start() + 1, bad.group(), IUPAC if iupac else DNA)
    return seq


def is_dna(text: str, *, min_length: int = 8, iupac: bool = False) -> bool:
    """True when ``text`` (ignoring whitespace and case) is a DNA sequence of at least ``min_length``."""
    seq = _WHITESPACE.sub("", text).upper()
    return len(seq) >= min_length and (_NOT_IUPAC if iupac else _NOT_DNA).search(seq) is None


def reverse_complement(sequence: str) -> str:
    """Reverse complement, keeping case and IUPAC codes (``reverse_complement`` twice is the identity)."""
    return sequence.translate(_COMPLEMENT)[::-1]


def gc_content(sequence: str) -> float:
    """Fraction of G and C among the unambiguous bases (A, C, G, T); 0.0 when there are none."""
    seq = sequence.upper()
    gc = seq.count("G") + seq.count("C")
    at = seq.count("A") + seq.count("T")
    return gc / (gc + at) if gc + at else 0.0


def windows(sequence: str, size: int, stride: int | None = None) -> Iterator[tuple[int, str]]:
    """Yield ``(start, window)`` pairs of length ``size`` every ``stride`` bases (0-based starts).

    Overlap is ``size - stride``. The last window is aligned to the end so no base is left out; a
    sequence shorter than ``size`` is yielded whole.
    """
    if size <= 0:
        raise ValueError(f"window size must be positive, got {size}")
    stride = size if stride is None else stride
    if not 0 < stride <= size:
        raise ValueError(f"stride must be in 1..size ({size}), got {stride}")
    n = len(sequence)
    if n <= size:
        yield 0, sequence
        return
    start = 0
    while start + size < n:
        yield start, sequence[start : start + size]
        start += stride
    yield n - size, sequence[n - size :]


def guess_format(path: str | Path) -> str:
    """Biopython format name from a file name (``.gz`` is looked through)."""
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in FORMATS:
        return FORMATS[suffixes[-1]]
    raise DataFormatError(
        f"{p}: cannot tell the sequence format from the name; use one of {sorted(FORMATS)} (optionally .gz) "
        "or pass format='fasta'|'genbank'|'embl'"
    )


RECORD_STARTS = {"fasta": ">", "genbank": "LOCUS", "embl": "ID "}
"""The line that starts a record in each format: a record's lines together are capped (:mod:`dnahlm.reading`)."""


def open_text(path: str | Path, *, record_start: str | None = None) -> io.TextIOBase:
    """Open a regular text file for reading, gunzipping when it ends in ``.gz``; clear error when unreadable.

    Lines (and records starting at lines that begin with ``record_start``) are capped at
    :func:`dnahlm.reading.record_limit` characters: over it, reading raises one :class:`DataFormatError`.

    Raises:
        DataFormatError: missing, unreadable, or not a regular file (a FIFO, device, socket or folder).
    """
    p = Path(path)
    try:
        return reading.open_text(p, record_start=record_start)
    except OSError as exc:
        raise DataFormatError(f"{p}: cannot open ({exc.strerror or exc})") from exc


_READ_ERRORS = (ValueError, UnicodeDecodeError, EOFError, OSError)
_TRUNCATED = ("Premature end", "Expected sequence length")
"""Biopython only warns when a GenBank/EMBL record ends early or its sequence is shorter than its LOCUS line."""


def _first_paragraph(exc: BaseException) -> str:
    """Biopython's parse errors can be a page long: their first paragraph, on one line."""
    return " ".join(str(exc).split("\n\n")[0].split()) or type(exc).__name__


def seqio_records(handle: Any, fmt: str, name: str | Path) -> Iterator[Any]:
    """Biopython ``SeqRecord``s from an open text ``handle``, one at a time, checked for truncation.

    The one reader of sequence files: ``parse`` (``predict --fasta``, ``ask --fasta``), the index's
    GenBank/EMBL ingestion and the UI's uploads all use it, so a file cut short is refused everywhere.
    A record whose sequence is shorter than its ``LOCUS`` line says, or that ends before ``//``, raises;
    Biopython's other parser warnings (origin-spanning locations...) go to the ``dnahlm`` logger.

    Raises:
        DataFormatError: not readable as ``fmt``, or a record is truncated (names the file and record).
    """
    import logging
    import warnings

    from Bio import SeqIO

    records = None
    while True:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                records = records or SeqIO.parse(handle, fmt)  # a FASTA without '>' fails right here
                rec = next(records, None)
            except _READ_ERRORS as exc:  # binary junk, bad gzip, a GenBank cut in its features...
                if isinstance(exc, UserInputError):
                    raise
                why = _first_paragraph(exc)
                if fmt == "fasta" and "comments at the beginning" in why:  # Biopython's words for it
                    why = "text before the first '>' header line; a FASTA record starts with '>id'"
                raise DataFormatError(f"{name}: not readable as {fmt} ({why})") from exc
        if rec is None:
            return
        messages = [str(w.message) for w in caught]
        for message in messages:  # a truncation is the error, and the one line said: no notes before it
            if message.startswith(_TRUNCATED):
                raise DataFormatError(f"{name}: record {rec.id} is truncated or damaged ({message})")
        for message in messages:
            logging.getLogger("dnahlm").warning("%s: %s", name, message)
        yield rec


def parse(path: str | Path, format: str | None = None, *, iupac: bool = False) -> Iterator[DnaRecord]:
    """Lazily read FASTA, GenBank or EMBL records (optionally gzipped) as normalised :class:`DnaRecord`.

    Raises:
        DataFormatError: the file is missing, unreadable, not in the format, or truncated (a GenBank/EMBL
            record shorter than its LOCUS line says).
        InvalidSequenceError: a record holds a letter that is not allowed (names record and position).
    """
    fmt = format or guess_format(path)
    with open_text(path, record_start=RECORD_STARTS.get(fmt)) as handle:
        for rec in seqio_records(handle, fmt, path):
            try:
                raw = str(rec.seq)
            except Exception as exc:  # Biopython raises UndefinedSequenceError for CON records
                raise DataFormatError(f"{path}: record {rec.id} has no sequence ({exc})") from exc
            seq = normalize(raw, record_id=f"{Path(path).name}:{rec.id}", iupac=iupac)
            yield DnaRecord(id=rec.id, sequence=seq, description=rec.description)


def read(path: str | Path, format: str | None = None, *, iupac: bool = False) -> DnaRecord:
    """Read a file that holds exactly one record."""
    records = parse(path, format, iupac=iupac)
    first = next(records, None)
    if first is None:
        raise DataFormatError(f"{path}: no records found")
    if next(records, None) is not None:
        raise DataFormatError(f"{path}: more than one record; use dnahlm.sequences.parse()")
    return first
