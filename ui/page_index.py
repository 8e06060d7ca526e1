"""Index: add files to a knowledge index, see its collections, search it.

Uploads (FASTA, GenBank/EMBL, GFF3 with its FASTA, labelled CSV, papers as JSONL/text/Markdown/PDF/MEDLINE)
are checked for size and kind, staged in a temporary folder inside the index folder (removed afterwards)
and ingested one file per transaction with :func:`dnahlm.index.ingest.add_files`, a progress bar
counting files. Search embeds a DNA query as a sequence and anything else as text
(:func:`dnahlm.index.search.search`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dnahlm.errors import UserInputError
from dnahlm.settings import get_settings
from dnahlm.ui import resources
from dnahlm.ui.text import md_line
from dnahlm.ui.uploads import INDEX_SUFFIXES, SEQUENCE_SUFFIXES, check_upload, staged, suffix

COLLECTIONS = ("auto", "sequences", "examples", "papers")


@st.cache_resource(show_spinner="Loading the MiniLM text embedder ...")
def text_embedder() -> Any:
    """The packaged MiniLM text embedder, loaded once for every papers upload."""
    from dnahlm.index.embed import TextEmbeddings

    return TextEmbeddings()


def _embedder_for(target: str, path: Path, collection: str | None) -> Any:
    """The shared MiniLM embedder for a papers file going to a collection built with it (or a new one);
    None lets ingestion pick (and check) the embedder itself."""
    from dnahlm.index.embed import embedder_spec
    from dnahlm.index.ingest import default_collection

    if default_collection(path) != "papers":
        return None
    name = collection or "papers"
    emb = text_embedder()
    if resources.has_index(target):
        cols = resources.store(target, resources.index_token(target)).collections
        if name in cols and cols[name].embedder != embedder_spec(emb):
            return None
    return emb


def ingest(target: str, uploads: list[Any], options: dict[str, Any]) -> list[dict[str, Any]]:
    """Check, stage and ingest the uploads into ``target`` with a progress bar; one report row per file.

    Raises:
        UserInputError: a file too large or of another kind, a CSV without label names, or an ingestion
            error (the files before it stay committed).
    """
    from dnahlm.index.ingest import add_files

    cfg = resources.ui_config()
    for f in uploads:
        check_upload(f.name, f.size, INDEX_SUFFIXES, cfg.max_upload_mb, f.getvalue())
    if any(suffix(f.name) == ".csv" for f in uploads) and not options["labels"]:
        raise UserInputError("a labelled CSV needs its label names, e.g. 0=background,1=binding site")
    fasta = options.get("fasta")
    if fasta is not None:
        check_upload(fasta.name, fasta.size, SEQUENCE_SUFFIXES, cfg.max_upload_mb, fasta.getvalue())
    collection = None if options["collection"] == "auto" else options["collection"]
    bar = st.progress(0.0, text=f"0 / {len(uploads)} files")
    rows = []
    with staged(target, [*uploads, *([fasta] if fasta is not None else [])]) as paths:
        fasta_path = paths[len(uploads)] if fasta is not None else None
        for i, (f, path) in enumerate(zip(uploads, paths, strict=False)):
            bar.progress(i / len(uploads), text=f"{i} / {len(uploads)} files: adding {md_line(f.name)} ...")
            is_csv = suffix(f.name) == ".csv"
            report = add_files(
                target,
                [path],
                collection=collection,
                embedder=_embedder_for(target, path, collection),
                task=(options["task"] or Path(f.name).stem) if is_csv else None,
                labels=options["labels"] if is_csv else None,
                fasta=fasta_path if suffix(f.name) in (".gff", ".gff3") else None,
            )[0]
            rows.append(
                {
                    "file": f.name,
                    "collection": report.collection,
                    "added": report.added,
                    "duplicates": report.duplicates,
                    "skipped (already in)": report.skipped,
                    "seconds": round(report.seconds, 1),
                    "notes": "; ".join(report.notes),
                }
            )
    bar.progress(1.0, text=f"{len(uploads)} / {len(uploads)} files added")
    return rows


def show_stats(target: str) -> None:
    """Collections (records, sources, embedder, FAISS index) and the files ingested."""
    store = resources.store(target, resources.index_token(target))
    stats = store.stats()
    st.subheader("Collections")
    rows = [{"collection": name, **c} for name, c in stats["collections"].items()]
    if not rows:
        st.caption("The index is empty.")
        return
    cols = st.columns(len(rows))
    for col, row in zip(cols, rows, strict=True):
        col.metric(
            row["collection"], f"{row['records']:,} records", f"{row['sources']} file(s)", delta_color="off"
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    with st.expander(f"Files ingested (generation {stats['generation']})"):
        st.dataframe(
            pd.DataFrame(store.sources(), columns=["collection", "file", "records"]), hide_index=True
        )


def show_search(target: str) -> None:
    """The search box and its results table."""
    from dnahlm.index.embed import embedder_spec
    from dnahlm.index.search import describe_hit, search

    token = resources.index_token(target)
    store = resources.store(target, token)
    st.subheader("Search")
    query = st.text_input(
        "Query: a DNA sequence or a question",
        key="idx_query",
        placeholder="ATGAAACGCATTAGCACC... or 'TATA box binding protein'",
    )
    left, right = st.columns([1, 3])
    k = left.number_input("Hits", 1, 50, 10, key="idx_k")
    chosen = right.multiselect(
        "Collections (default: by query kind)", list(store.collections), key="idx_cols"
    )
    if not query.strip():
        return
    embedders = resources.search_embedders(target, token)
    for name, col in store.collections.items():  # reuse the MiniLM loaded for uploads
        if name not in embedders and col.embedder["name"] == "text":
            emb = text_embedder()
            if col.embedder == embedder_spec(emb):
                embedders[name] = emb
    try:
        hits = search(
            store,
            query.strip(),
            int(k),
            collections=chosen or None,
            embedders=embedders,
        )
    except UserInputError as exc:
        resources.error_box(exc)
        return
    if not hits:
        st.caption("No hits.")
        return
    frame = pd.DataFrame([{"#": i + 1, **describe_hit(h)} for i, h in enumerate(hits)])
    st.dataframe(
        frame[["#", "score", "collection", "what", "where", "snippet", "id"]],
        hide_index=True,
        width="stretch",
    )


def _use_folder(path: str) -> None:
    st.session_state["_pending_index"] = path


def render() -> None:
    """The Index page."""
    st.title("Knowledge index")
    st.caption(
        "Annotated sequences, labelled examples and papers side by side (FAISS + SQLite): what "
        "predictions, similar-sequence search and paper search read."
    )
    target = (st.session_state.get("index_dir") or "").strip()
    if not target:
        st.info("No index folder is chosen in the sidebar: files added here create a new one.")
        target = st.text_input(
            "New index folder", key="idx_new", value=str(get_settings().home / "index" / "my-index")
        ).strip()
    st.caption(f"Folder: `{target}`")
    if resources.has_index(target):
        show_stats(target)
    st.subheader("Add files")
    with st.form("idx_add", clear_on_submit=True):
        uploads = st.file_uploader(
            "Files",
            accept_multiple_files=True,
            key="idx_files",
            type=[s.lstrip(".") for s in INDEX_SUFFIXES] + ["gz"],
        )
        a, b, c = st.columns(3)
        collection = a.selectbox("Collection", COLLECTIONS, key="idx_collection")
        task = b.text_input("Task name (labelled CSV; default: file name)", key="idx_task")
        labels = c.text_input(
            "Label names (labelled CSV)", key="idx_labels", placeholder="0=background,1=bound"
        )
        fasta = st.file_uploader(
            "FASTA with the sequences of a GFF3 file (unless it has ##FASTA)",
            key="idx_gff_fasta",
            type=[s.lstrip(".") for s in SEQUENCE_SUFFIXES] + ["gz"],
        )
        submitted = st.form_submit_button("Add to index", type="primary")
    if submitted:
        if not uploads:
            st.warning("Choose one or more files first.")
        else:
            try:
                rows = ingest(
                    target,
                    list(uploads),
                    {
                        "collection": collection,
                        "task": task.strip(),
                        "labels": labels.strip(),
                        "fasta": fasta,
                    },
                )
                st.session_state["idx_reports"] = rows
                if target != (st.session_state.get("index_dir") or "").strip():
                    _use_folder(target)
                st.rerun()
            except UserInputError as exc:
                resources.error_box(exc)
    reports = st.session_state.pop("idx_reports", None)
    if reports:
        st.success(f"Added {sum(r['added'] for r in reports):,} records from {len(reports)} file(s).")
        st.dataframe(pd.DataFrame(reports), hide_index=True, width="stretch")
    if resources.has_index(target):
        show_search(target)


if __name__ == "__main__":  # run as a Streamlit page
    render()
