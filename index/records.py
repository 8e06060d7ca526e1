"""What the ingesters yield: annotated sequences, labelled examples and paper passages.

Each parser in :mod:`dnahlm.index.ingest` (and its helpers :mod:`~dnahlm.index.annotated`,
:mod:`~dnahlm.index.papers`) yields these records lazily. The store keeps them as rows of text plus
metadata; :func:`to_metadata` is the one place that says which fields become which metadata keys.

Labelled examples reuse the model layer's :class:`dnahlm.tasks.Example`.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from dnahlm.tasks import Example

__all__ = ["Example", "Passage", "Record", "SequenceRecord", "content_key", "record_text", "to_metadata"]


@dataclass(frozen=True)
class SequenceRecord:
    """An annotated sequence: a whole FASTA/GenBank record, or one feature of it.

    Coordinates are 0-based, end-exclusive, on the forward strand of ``record_id``; ``sequence`` is
    already strand-aware (reverse-complemented for features on the minus strand). ``location`` is the
    human-readable form, 1-based inclusive like GenBank (``"190..255(+)"``).
    """

    id: str
    sequence: str
    source: str
    record_id: str
    organism: str | None = None
    feature_type: str | None = None
    qualifiers: dict[str, str] = field(default_factory=dict)
    start: int | None = None
    end: int | None = None
    strand: int | None = None
    description: str = ""

    @property
    def location(self) -> str | None:
        if self.start is None or self.end is None:
            return None
        sign = {1: "(+)", -1: "(-)"}.get(self.strand or 0, "")
        return f"{self.start + 1}..{self.end}{sign}"

    @property
    def name(self) -> str:
        """A short human name: gene, locus tag or product when the annotation has one, else the id."""
        for key in ("gene", "locus_tag", "product", "name", "Name", "standard_name", "note"):
            if self.qualifiers.get(key):
                return self.qualifiers[key]
        return self.id


@dataclass(frozen=True)
class Passage:
    """A chunk of a paper or text file, with what is needed to cite it."""

    id: str
    text: str
    source: str
    position: int
    title: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    doi: str | None = None
    doc_id: str | None = None
    section: str | None = None


Record = SequenceRecord | Example | Passage


def content_key(record: Record) -> str:
    """Hash that identifies a record's content, used to skip duplicates within a collection.

    Two windows with the same bases from different places are different records (their location is part
    and id are part of the key: a gene and its CDS on one span each keep their qualifiers); the same
    labelled sequence in the same task, or the same passage text, is a duplicate.
    """
    if isinstance(record, SequenceRecord):
        parts = [
            record.sequence,
            record.record_id,
            record.id,
            str(record.start),
            str(record.end),
            str(record.strand),
        ]
    elif isinstance(record, Example):
        parts = [record.task, record.sequence, str(record.label)]
    else:
        parts = [record.text]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def to_metadata(record: Record) -> dict[str, Any]:
    """Flat JSON-serialisable metadata of a record (the text itself is stored separately)."""
    if isinstance(record, SequenceRecord):
        meta = {k: v for k, v in asdict(record).items() if k not in ("sequence", "qualifiers")}
        meta.update(kind="sequence", name=record.name, location=record.location)
        meta.update({f"q_{k}": v for k, v in record.qualifiers.items()})
    elif isinstance(record, Example):
        meta = {"id": record.id, "kind": "example", "task": record.task, "label": record.label}
        meta.update(record.meta)
    else:
        meta = {k: v for k, v in asdict(record).items() if k != "text"}
        meta["kind"] = "passage"
    return {k: v for k, v in meta.items() if v is not None and v != ""}


def record_text(record: Record) -> str:
    """The text a record is embedded and stored as: its sequence, or its passage text."""
    return record.text if isinstance(record, Passage) else record.sequence
