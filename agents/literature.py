"""Literature that ships with the toolkit: JASPAR's annotation of each motif profile, with its PubMed id.

pyjaspar bundles every JASPAR release as SQLite. Besides the count matrices (see :mod:`dnahlm.bio.jaspar`), each
profile is annotated with the TF's full name, aliases, structural class and family, the kind of data the
profile was derived from (ChIP-seq, HT-SELEX, ...) and the PubMed id of the paper that reported it
(JASPAR is CC BY 4.0). :func:`jaspar_references` turns those annotations into one passage per profile, so
the agent can answer "what is known about the factors that bind here?" with cited PMIDs on a fresh
install, before any papers are indexed. Passages are searched with BM25 (:func:`reference_retriever`):
no model to load, built in well under a second.

Example:
    >>> docs = jaspar_references(names=["NFKB1"])
    >>> docs[0].metadata["motif_id"], docs[0].metadata["pmid"]
    ('MA0105.4', '20066093')
"""

from __future__ import annotations

import functools
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from langchain_core.documents import Document

from dnahlm.bio.jaspar import latest_release, release_database

__all__ = ["SOURCE_LABEL", "jaspar_references", "reference_retriever"]

SOURCE_LABEL = "JASPAR profile annotations"
"""How answers name this source (as opposed to papers in the user's index)."""


def _latest_rows(
    conn: sqlite3.Connection,
    rows: list[tuple[int, str, int, str, str]],
    collection: str | None,
    tax_group: str | None,
) -> list[tuple[int, str, int, str]]:
    """(internal id, base id, version, name) of the latest version of each matrix in the selection."""
    latest: dict[str, tuple[int, str, int, str]] = {}
    for internal, base, version, name, coll in rows:
        if collection and (coll or "").upper() != collection.upper():
            continue
        if base not in latest or version > latest[base][2]:
            latest[base] = (internal, base, version, name)
    if not tax_group:
        return sorted(latest.values(), key=lambda r: (r[1], r[2]))
    taxed = {
        i
        for (i,) in conn.execute(
            "SELECT ID FROM MATRIX_ANNOTATION WHERE TAG = 'tax_group' AND lower(VAL) = ?",
            (tax_group.lower(),),
        )
    }
    return sorted((r for r in latest.values() if r[0] in taxed), key=lambda r: (r[1], r[2]))


def _passage(name: str, motif_id: str, notes: dict[str, str], release: str) -> str:
    """One passage from a profile's annotations; every sentence names the TF, so each stands alone."""
    first = f"{name} (JASPAR {motif_id})"
    if notes.get("description"):
        first += f" is {notes['description']}"
    family, cls = notes.get("family"), notes.get("class")
    if family or cls:
        kind = f"a transcription factor of the {family} family" if family else "a transcription factor"
        kind += f" ({cls})" if cls else ""
        first += f", {kind}" if notes.get("description") else f" is {kind}"
    parts = [first + "."]
    if notes.get("alias"):
        parts.append(f"{name} is also known as {notes['alias'].replace(',', ', ')}.")
    evidence = f"The {release} binding profile of {name}"
    if notes.get("type"):
        evidence += f" comes from {notes['type']} data"
    if notes.get("medline"):
        evidence += f"{' and' if notes.get('type') else ''} was reported in PubMed {notes['medline']}"
    if notes.get("type") or notes.get("medline"):
        parts.append(evidence + ".")
    if notes.get("comment"):
        parts.append(f"JASPAR notes on {name}: {notes['comment'].rstrip('.')}.")
    return " ".join(parts)


@functools.lru_cache(maxsize=8)
def _references(
    release: str, collection: str | None, tax_group: str | None, names: tuple[str, ...] | None
) -> tuple[Document, ...]:
    uri = f"file:{release_database(release)}?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        matrices = conn.execute("SELECT ID, BASE_ID, VERSION, NAME, COLLECTION FROM MATRIX").fetchall()
        rows = _latest_rows(conn, matrices, collection, tax_group)
        notes: dict[int, dict[str, str]] = defaultdict(dict)
        for internal, tag, val in conn.execute("SELECT ID, TAG, VAL FROM MATRIX_ANNOTATION"):
            if val and tag in ("description", "alias", "class", "family", "type", "medline", "comment"):
                notes[internal][tag] = " ".join(str(val).split())
    # the TF's full name and aliases are often recorded on an older version of the matrix only
    versions: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for internal, base, version, *_ in matrices:
        versions[base].append((version, internal))
    for internal, base, *_ in rows:
        for _, older in sorted(versions[base], reverse=True):
            for tag in ("description", "alias"):
                if tag in notes[older]:
                    notes[internal].setdefault(tag, notes[older][tag])
    wanted = {n.lower() for n in names} if names else None
    docs = []
    for internal, base, version, name in rows:
        if wanted is not None and name.lower() not in wanted:
            continue
        motif_id = f"{base}.{version}"
        n = notes.get(internal, {})
        pmid = n.get("medline", "").split(",")[0].strip()
        docs.append(
            Document(
                id=f"jaspar:{motif_id}",
                page_content=_passage(name, motif_id, n, release),
                metadata={
                    "kind": "passage",
                    "source": release,
                    "doc_id": f"JASPAR:{motif_id}",
                    "title": f"{release} {motif_id} {name}",
                    "motif_id": motif_id,
                    "tf": name,
                    **({"pmid": pmid} if pmid.isdigit() else {}),
                },
            )
        )
    return tuple(docs)


def jaspar_references(
    *,
    release: str | None = None,
    collection: str | None = "CORE",
    tax_group: str | None = "vertebrates",
    names: Sequence[str] | None = None,
) -> list[Document]:
    """One passage per JASPAR profile (latest version of each matrix), citing the paper behind it.

    Args:
        release: e.g. ``"JASPAR2024"``; default: the latest release pyjaspar bundles.
        collection: JASPAR collection (``"CORE"``, ``"UNVALIDATED"``, None: all).
        tax_group: e.g. ``"vertebrates"``, ``"plants"``; None: all.
        names: keep only these TF names (case-insensitive).

    Returns:
        LangChain documents; metadata holds ``pmid`` (when the profile has one), ``motif_id``, ``tf``,
        ``title`` and ``doc_id`` (``JASPAR:<matrix id>``, the citation when there is no PMID).
    """
    key = tuple(sorted(names)) if names else None
    return list(_references(release or latest_release(), collection, tax_group, key))


@functools.lru_cache(maxsize=4)
def reference_retriever(release: str | None = None, k: int = 4) -> Any:
    """A BM25 retriever over :func:`jaspar_references` (built once per process and release).

    Example:
        >>> docs = reference_retriever().invoke("NF-kappaB Rel homology")
        >>> docs[0].metadata["tf"] in {"NFKB1", "NFKB2", "RELA", "RELB", "REL"}
        True
    """
    from dnahlm.retrieval.retrievers import BM25Retriever

    return BM25Retriever.from_documents(jaspar_references(release=release), k=k)
