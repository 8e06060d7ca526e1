"""Lazy parsers for annotated DNA: FASTA records, GenBank/EMBL features and GFF3 + FASTA pairs.

Each parser yields :class:`~dnahlm.index.records.SequenceRecord` one at a time: a whole record or one
annotated feature (gene, CDS, promoter, tRNA, repeat...). Coordinates are 0-based, end-exclusive on the
forward strand; ``sequence`` is strand-aware and normalised by :func:`dnahlm.sequences.normalize` (IUPAC
codes allowed by default). GenBank/EMBL go through Biopython's ``SeqIO`` (``SeqFeature.extract`` joins
compound locations); GFF3 is read as the 9-column rows of the GFF3 specification
(https://github.com/The-Sequence-Ontology/Specifications/blob/master/gff3.md).

Errors: an unreadable, truncated or empty file raises :class:`~dnahlm.errors.DataFormatError` naming the
file (and record or line); a letter outside IUPAC raises :class:`~dnahlm.errors.InvalidSequenceError`
with record id and position. GenBank features whose location cannot be used (remote, out of range,
empty) are skipped with a warning on the ``dnahlm.index`` logger and counted in :class:`ParseStats`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from dnahlm.errors import ConfigError, DataFormatError
from dnahlm.index.records import SequenceRecord
from dnahlm.sequences import (
    FORMATS,
    RECORD_STARTS,
    guess_format,
    normalize,
    open_text,
    parse,
    reverse_complement,
    seqio_records,
)

__all__ = ["ANNOTATED_SUFFIXES", "ParseStats", "parse_annotated", "parse_fasta", "parse_genbank", "parse_gff"]

logger = logging.getLogger("dnahlm.index")

GFF_SUFFIXES = (".gff", ".gff3")
# every suffix parse_annotated() understands, each optionally followed by .gz
ANNOTATED_SUFFIXES = tuple(sorted(FORMATS)) + GFF_SUFFIXES
_SOURCE = frozenset({"source"})
GFF_SKIPPED_TYPES = frozenset({"region", "chromosome", "source"})
DROPPED_QUALIFIERS = frozenset({"translation"})
_NAME_KEYS = ("gene", "locus_tag", "label", "standard_name", "protein_id", "product")
_READ_ERRORS = (ValueError, UnicodeDecodeError, EOFError, OSError)


@dataclass
class ParseStats:
    """Counts a parser fills in when given one: records read, features yielded, features skipped."""

    records: int = 0
    features: int = 0
    skipped: int = 0


def _suffix(path: str | Path) -> str:
    return Path(str(path).lower().removesuffix(".gz")).suffix


def _keep(ftype: str, wanted: frozenset[str] | None, skipped_by_default: frozenset[str]) -> bool:
    return ftype in wanted if wanted is not None else ftype not in skipped_by_default


def _unique(candidate: str, seen: set[str]) -> str:
    """``candidate``, or ``candidate#2``, ``#3``... so that ids stay unique within ``seen``."""
    out, n = candidate, 1
    while out in seen:
        n += 1
        out = f"{candidate}#{n}"
    seen.add(out)
    return out


def _whole(rid: str, seq: str, feature_type: str, **kwargs: Any) -> SequenceRecord:
    """A whole record as one :class:`SequenceRecord` (forward strand, ``0..len``)."""
    return SequenceRecord(rid, seq, feature_type=feature_type, start=0, end=len(seq), strand=1, **kwargs)


def parse_fasta(path: str | Path, *, iupac: bool = True) -> Iterator[SequenceRecord]:
    """Yield each FASTA record (optionally gzipped) whole, as ``feature_type="record"``.

    Windowing into model-sized pieces is done elsewhere.

    Raises:
        DataFormatError: unreadable file, or no records in it.
        InvalidSequenceError: a letter outside ACGTN (or IUPAC when ``iupac``), with record and position.
    """
    n = 0
    for rec in parse(path, "fasta", iupac=iupac):
        n += 1
        yield _whole(
            rec.id, rec.sequence, "record", source=str(path), record_id=rec.id, description=rec.description
        )
    if n == 0:
        raise DataFormatError(f"{path}: no records found; is it a FASTA file?")


# --------------------------------------------------------------------------- GenBank / EMBL


def _seqio_records(path: str | Path, fmt: str) -> Iterator[Any]:
    """Biopython records one at a time from ``path``, checked for truncation (:func:`seqio_records`)."""
    with open_text(path, record_start=RECORD_STARTS.get(fmt)) as handle:
        yield from seqio_records(handle, fmt, path)


def _flatten(qualifiers: dict[str, Any]) -> dict[str, str]:
    """Biopython's ``{key: [values]}`` as ``{key: "v1; v2"}``, without the long ``translation``."""
    out = {}
    for key, value in qualifiers.items():
        if key in DROPPED_QUALIFIERS:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        out[key] = "; ".join(str(v) for v in values)
    return out


def _organism(rec: Any) -> str | None:
    for feature in rec.features:
        if feature.type == "source" and feature.qualifiers.get("organism"):
            return str(feature.qualifiers["organism"][0])
    organism = rec.annotations.get("organism")
    return organism if organism and organism != "." else None


def _extract(feature: Any, seq: str) -> tuple[str, int, int, int | None]:
    """The feature's strand-aware bases and overall span; ValueError says why it cannot be used."""
    loc = feature.location
    if loc is None:
        raise ValueError("no location")
    if any(part.ref for part in loc.parts):
        raise ValueError("location refers to another record")
    start, end = int(loc.start), int(loc.end)
    if start < 0 or end > len(seq):
        raise ValueError(f"span {start + 1}..{end} outside the record (length {len(seq)})")
    bases = str(feature.extract(seq))
    if not bases:
        raise ValueError("empty location")
    return bases, start, end, loc.strand


def parse_genbank(
    path: str | Path,
    *,
    format: str | None = None,
    feature_types: Iterable[str] | None = None,
    include_record: bool = False,
    iupac: bool = True,
    stats: ParseStats | None = None,
) -> Iterator[SequenceRecord]:
    """Yield one :class:`SequenceRecord` per annotated feature of a GenBank or EMBL file, lazily.

    Args:
        path: ``.gb``/``.gbk``/``.gbff``/``.embl``... file, optionally gzipped.
        format: ``"genbank"`` or ``"embl"``; guessed from the suffix when omitted.
        feature_types: feature types to keep (``{"gene", "CDS", "promoter"}``); default every type but
            ``source``.
        include_record: also yield each whole record as ``feature_type="source"`` (id = record id).
        iupac: accept IUPAC ambiguity codes besides ACGTN.
        stats: filled in with records read, features yielded and features skipped.

    Feature ids are ``"{record}:{type}:{name}:{start+1}-{end}"`` (name from gene, locus_tag, label...;
    left out when the feature has none), with ``#2``, ``#3``... on repeats. Qualifiers are flattened to
    strings (multiple values joined with ``"; "``); ``translation`` is dropped. For compound locations
    (``join``) start/end are the overall span and the sequence is the joined parts.

    Raises:
        DataFormatError: unreadable, truncated or empty file, or a record without sequence (CON).
        InvalidSequenceError: a letter outside IUPAC (outside ACGTN with ``iupac=False``).
    """
    fmt = format or guess_format(path)
    wanted = None if feature_types is None else frozenset(feature_types)
    stats = stats if stats is not None else ParseStats()
    name, n_records = Path(path).name, 0
    for rec in _seqio_records(path, fmt):
        n_records += 1
        stats.records += 1
        rid = rec.id if rec.id not in ("", ".", "<unknown id>") else rec.name  # Addgene maps have "."
        try:
            raw = str(rec.seq)
        except ValueError as exc:  # UndefinedSequenceError: a CON record or one without ORIGIN
            raise DataFormatError(f"{path}: record {rid} has no sequence ({exc})") from exc
        if not raw:
            raise DataFormatError(f"{path}: record {rid} has no sequence")
        seq = normalize(raw, record_id=f"{name}:{rid}", iupac=iupac)
        common = dict(source=str(path), record_id=rid, organism=_organism(rec), description=rec.description)
        if include_record:
            src = next((f.qualifiers for f in rec.features if f.type == "source"), {})
            yield _whole(rid, seq, "source", qualifiers=_flatten(src), **common)
        seen: set[str] = set()
        for feature in rec.features:
            if not _keep(feature.type, wanted, _SOURCE):
                continue
            try:
                bases, start, end, strand = _extract(feature, seq)
            except Exception as exc:  # Biopython raises several kinds on odd locations
                stats.skipped += 1
                logger.warning("%s:%s: skipped %s at %s: %s", name, rid, feature.type, feature.location, exc)
                continue
            qualifiers = _flatten(feature.qualifiers)
            label = next((qualifiers[k] for k in _NAME_KEYS if qualifiers.get(k)), "")
            label = re.sub(r"\s+", "_", label)[:40]
            fid = ":".join(p for p in (rid, feature.type, label, f"{start + 1}-{end}") if p)
            stats.features += 1
            yield SequenceRecord(
                _unique(fid, seen),
                bases,
                feature_type=feature.type,
                qualifiers=qualifiers,
                start=start,
                end=end,
                strand=strand,
                **common,
            )
    if n_records == 0:
        raise DataFormatError(f"{path}: no records found; is it a {fmt} file?")


# --------------------------------------------------------------------------- GFF3 + FASTA


def _gff_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of a GFF3 file up to its ``##FASTA`` section, if any."""
    with open_text(path) as handle:
        try:
            for lineno, line in enumerate(handle, 1):
                if line.startswith("##FASTA"):
                    return
                yield lineno, line.rstrip("\r\n")
        except DataFormatError:  # a line or record over the limit
            raise
        except _READ_ERRORS as exc:
            raise DataFormatError(f"{path}: not readable as GFF3 text ({exc})") from exc


def _embedded_fasta(path: str | Path, iupac: bool) -> dict[str, str]:
    """Sequences from the ``##FASTA`` section at the end of a GFF3 file."""
    from Bio.SeqIO.FastaIO import SimpleFastaParser

    with open_text(path, record_start=">") as handle:  # each FASTA record's lines are capped together
        try:
            found = any(line.startswith("##FASTA") for line in handle)
            pairs = (
                [(t.split()[0], seq) for t, seq in SimpleFastaParser(handle) if t.split()] if found else []
            )
        except DataFormatError:  # a line or record over the limit
            raise
        except _READ_ERRORS as exc:
            raise DataFormatError(f"{path}: not readable as GFF3 text ({exc})") from exc
    if not found:
        raise DataFormatError(
            f"{path}: no ##FASTA section; pass the genome FASTA (--fasta FILE; fasta_path= in Python)"
        )
    name = Path(path).name
    return {sid: normalize(seq, record_id=f"{name}:{sid}", iupac=iupac) for sid, seq in pairs}


def _attributes(text: str, where: str) -> dict[str, str]:
    """GFF3 column 9 (``ID=x;Name=y``) as a dict, percent-escapes (``%3B``, ``%2C``) decoded."""
    out: dict[str, str] = {}
    if text in ("", "."):
        return out
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep:
            raise DataFormatError(f"{where}: attribute {part!r} is not key=value (GTF is not GFF3)")
        out[unquote(key.strip())] = unquote(value.strip())
    return out


def parse_gff(
    gff_path: str | Path,
    fasta_path: str | Path | None = None,
    *,
    feature_types: Iterable[str] | None = None,
    organism: str | None = None,
    iupac: bool = True,
    stats: ParseStats | None = None,
) -> Iterator[SequenceRecord]:
    """Yield one :class:`SequenceRecord` per feature row of a GFF3 file, bases taken from a FASTA file.

    The FASTA sequences are held in memory as a dict (GFF rows need not be sorted by seqid); the GFF
    rows are read lazily. GFF's 1-based inclusive coordinates become 0-based end-exclusive; minus-strand
    features are reverse-complemented; unstranded rows (``.``/``?``) get ``strand=None`` and forward
    bases. Attributes become the qualifiers, with the GFF source column as ``gff_source``. The id is the
    ``ID`` attribute, else ``"{seqid}:{type}:{start+1}-{end}"``; repeated ids (a CDS split over rows)
    get the span appended.

    Args:
        gff_path: GFF3 file, optionally gzipped.
        fasta_path: genome FASTA (optionally gzipped); omit when the GFF has a ``##FASTA`` section.
        feature_types: types to keep; default every type but region, chromosome and source.
        organism: organism name; default the ``##species`` pragma, else None.
        iupac: accept IUPAC ambiguity codes besides ACGTN.
        stats: filled in with sequences loaded and features yielded.

    Raises:
        DataFormatError: naming file and line for a row without 9 columns, bad coordinates, an
            attribute that is not key=value, or a seqid missing from the FASTA or shorter than the row.
        InvalidSequenceError: a FASTA letter outside IUPAC (outside ACGTN with ``iupac=False``).
    """
    wanted = None if feature_types is None else frozenset(feature_types)
    stats = stats if stats is not None else ParseStats()
    if fasta_path is None:
        genome = _embedded_fasta(gff_path, iupac)
    else:
        genome = {rec.id: rec.sequence for rec in parse(fasta_path, "fasta", iupac=iupac)}
    stats.records += len(genome)
    seen: set[str] = set()
    for lineno, line in _gff_lines(gff_path):
        where = f"{gff_path} line {lineno}"
        if line.startswith("#"):
            if line.startswith("##species") and organism is None:
                organism = line[len("##species") :].strip() or None
            continue
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) != 9:
            raise DataFormatError(f"{where}: expected 9 tab-separated columns, found {len(cols)}")
        seqid, gff_source, ftype, start_s, end_s, _score, strand_s, _phase, attr_text = cols
        try:
            start, end = int(start_s) - 1, int(end_s)
        except ValueError:
            raise DataFormatError(f"{where}: start/end must be integers: {start_s!r}, {end_s!r}") from None
        if start < 0 or end <= start:
            raise DataFormatError(f"{where}: bad coordinates {start_s}..{end_s} (need 1 <= start <= end)")
        if not _keep(ftype, wanted, GFF_SKIPPED_TYPES):
            continue
        seqid = unquote(seqid)
        if seqid not in genome:
            known = ", ".join(sorted(genome)[:5])
            raise DataFormatError(f"{where}: seqid {seqid!r} is not in the FASTA (it has {known}...)")
        chrom = genome[seqid]
        if end > len(chrom):
            raise DataFormatError(f"{where}: end {end} is beyond {seqid} (length {len(chrom)})")
        strand = {"+": 1, "-": -1}.get(strand_s)
        bases = chrom[start:end]
        qualifiers = _attributes(attr_text, where)
        if gff_source not in ("", "."):
            qualifiers.setdefault("gff_source", gff_source)
        span = f"{start + 1}-{end}"
        fid = qualifiers.get("ID") or f"{seqid}:{ftype}:{span}"
        stats.features += 1
        yield SequenceRecord(
            id=_unique(fid if fid not in seen else f"{fid}:{span}", seen),
            sequence=reverse_complement(bases) if strand == -1 else bases,
            source=str(gff_path),
            record_id=seqid,
            organism=organism,
            feature_type=ftype,
            qualifiers=qualifiers,
            start=start,
            end=end,
            strand=strand,
        )


# --------------------------------------------------------------------------- dispatch


def parse_annotated(
    path: str | Path, *, fasta: str | Path | None = None, **kwargs: Any
) -> Iterator[SequenceRecord]:
    """Pick the parser from the suffix (``.gz`` looked through): GFF3, GenBank/EMBL or FASTA.

    Args:
        path: an annotated file with one of :data:`ANNOTATED_SUFFIXES`.
        fasta: the genome FASTA of a GFF3 file (not looked for automatically; omit for ``##FASTA``).
        **kwargs: passed on to :func:`parse_gff`, :func:`parse_genbank` or :func:`parse_fasta`.

    Raises:
        DataFormatError: the suffix is not one of :data:`ANNOTATED_SUFFIXES`.
        ConfigError: ``fasta`` given for a file that is not GFF3.
    """
    suffix = _suffix(path)
    if suffix in GFF_SUFFIXES:
        return parse_gff(path, fasta, **kwargs)
    if suffix not in FORMATS:
        raise DataFormatError(f"{path}: not an annotated format; use one of {ANNOTATED_SUFFIXES} (+.gz)")
    if fasta is not None:
        raise ConfigError(f"{path}: fasta= only applies to GFF3 files")
    if FORMATS[suffix] == "fasta":
        return parse_fasta(path, **kwargs)
    return parse_genbank(path, format=FORMATS[suffix], **kwargs)
