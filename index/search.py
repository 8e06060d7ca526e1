"""Searching an index with a query string: DNA is embedded as a sequence, anything else as text.

A DNA query goes to every collection built with a sequence embedder (k-mer or DNAHLM), a text query to
every collection built with a text embedder, each with the embedder its collection was built with.
Hits from collections that share an embedder are merged by score; each hit says where it came from
(:func:`describe_hit`), which is what ``dnahlm index search`` prints.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from dnahlm.errors import UserInputError
from dnahlm.sequences import is_dna, normalize

from .embed import SEQUENCE_EMBEDDERS, make_embedder
from .store import Hit, KnowledgeStore


def query_collections(
    store: KnowledgeStore, query: str, collections: Sequence[str] | None = None
) -> list[str]:
    """The collections a query should search: by query kind, or the ones asked for."""
    if collections:
        for name in collections:
            store._collection(name)  # clear error for an unknown name
        return list(collections)
    dna = is_dna(query)
    chosen = [
        name for name, col in store.collections.items() if (col.embedder["name"] in SEQUENCE_EMBEDDERS) == dna
    ]
    if not chosen:
        kind = "sequence" if dna else "text"
        raise UserInputError(
            f"{store.path}: no collection holds {kind} vectors for this {'DNA' if dna else 'text'} query "
            f"(collections: {', '.join(store.collections) or 'none'})"
        )
    return chosen


def search(
    store: KnowledgeStore,
    query: str,
    k: int = 5,
    *,
    collections: Sequence[str] | None = None,
    filter: dict[str, Any] | None = None,
    embedders: dict[str, Embeddings] | None = None,
) -> list[Hit]:
    """The ``k`` best hits for ``query`` over the chosen collections, best first.

    Args:
        store: an open index.
        query: a DNA sequence or a text question.
        k: how many hits in all.
        collections: search only these (default: by the kind of query).
        filter: metadata equalities, e.g. ``{"organism": "Escherichia coli"}``.
        embedders: embedders to reuse by collection name (default: rebuilt from the manifest).

    Raises:
        UserInputError: an empty query, or ``k`` below 1.
    """
    if not query or not query.strip():
        raise UserInputError("the search query is empty: give a DNA sequence or a question")
    if k < 1:
        raise UserInputError(f"k must be at least 1, got {k}")
    embedders = embedders if embedders is not None else {}
    hits: list[Hit] = []
    for name in query_collections(store, query, collections):
        spec = store.collections[name].embedder
        if name not in embedders:
            embedders[name] = make_embedder(spec["name"], **spec["params"])
        text = query
        if spec["name"] in SEQUENCE_EMBEDDERS:
            text = normalize(query, record_id="query", iupac=True)
        emb = embedders[name]
        vector = (
            emb.embed_array([text]) if hasattr(emb, "embed_array") else np.asarray([emb.embed_query(text)])
        )
        hits.extend(store.search(name, vector, k, filter=filter)[0])
    return sorted(hits, key=lambda h: -h.score)[:k]


def describe_hit(hit: Hit) -> dict[str, Any]:
    """A hit as the short fields a person reads: what it is, where it is from, a snippet."""
    m = hit.metadata
    if m.get("kind") == "passage":
        what = m.get("title") or m.get("doc_id") or ""
        cite = next(
            (f"{k.upper()}:{m[k]}" for k in ("pmid", "pmcid", "doi") if m.get(k)), m.get("doc_id", "")
        )
        where = f"{cite} #{m.get('position', 0)}"
    elif m.get("kind") == "example":
        what = f"{m.get('task')} label {m.get('label')}"
        where = str(m.get("id", ""))
    else:
        what = " ".join(str(x) for x in (m.get("feature_type"), m.get("name")) if x) or str(m.get("id", ""))
        where = f"{m.get('record_id', '')}:{m.get('location') or ''}"
        if m.get("offset"):
            where += f" +{m['offset']}"
    snippet = " ".join(hit.text.split())
    return {
        "score": round(hit.score, 4),
        "collection": hit.collection,
        "what": what,
        "where": where,
        "source": m.get("source", ""),
        "snippet": snippet[:60] + ("…" if len(snippet) > 60 else ""),
        "id": hit.key or str(hit.id),
    }


def format_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """A plain fixed-width table (no dependency, copy-paste friendly)."""
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def hits_json(hits: Sequence[Hit]) -> str:
    return json.dumps(
        [{**describe_hit(h), "text": h.text, "metadata": h.metadata} for h in hits], indent=2, default=str
    )
