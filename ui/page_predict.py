"""Predict: a task's label and class probabilities for pasted or uploaded sequences, with the evidence.

Sequences: pasted (plain or FASTA) or an uploaded FASTA/GenBank/EMBL file (one table row per record, a
progress bar while they run). Task: a labelled pool in the index, a task the checkpoint was tuned on
(zero-shot), or an uploaded pool CSV (see :mod:`dnahlm.ui.predicting`). For the record chosen: the class
probabilities, the retrieved examples with similarity and label, JASPAR motif hits along the sequence,
the logo of a chosen motif and GC along the sequence. The table downloads as CSV. Record ids, task names
and labels from files are shown as text (:func:`dnahlm.ui.text.md_line`).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import streamlit as st

from dnahlm.errors import UserInputError
from dnahlm.tasks import KINDS
from dnahlm.types import METHODS as ALL_METHODS
from dnahlm.ui import charts, resources
from dnahlm.ui.card import tuned_tasks
from dnahlm.ui.predicting import (
    TaskChoice,
    evidence_frame,
    gc_profile,
    motif_hits,
    predict_records,
    results_frame,
)
from dnahlm.ui.text import md_line
from dnahlm.ui.uploads import SEQUENCE_SUFFIXES, check_upload, parse_pasted, read_sequences

METHODS = ("fused", *(m for m in ALL_METHODS if m != "fused"))  # the default first
MAX_RECORDS = 500
_AMBIGUOUS = re.compile("[^ACGTN]")
SOURCE_LABELS = {
    "index": "Task in the index (labelled pool)",
    "tuned": "Task the model was tuned on (zero-shot)",
    "pool": "Upload a labelled pool CSV",
}


def _use_example() -> None:
    from dnahlm.examples import GLUT5_PROMOTER_300

    st.session_state["pred_input"] = "Paste"
    st.session_state["pred_seq"] = f">GLUT5_promoter human SLC2A5 -249..+50\n{GLUT5_PROMOTER_300}"


def records_given(cfg: resources.UIConfig) -> list[tuple[str, str]]:
    """The ``(id, sequence)`` records to predict, from the box or the uploaded file.

    Raises:
        UserInputError: nothing given, a bad file or letter, or more than :data:`MAX_RECORDS` records.
    """
    if st.session_state.get("pred_input") == "Upload":
        upload = st.session_state.get("pred_file")
        if upload is None:
            raise UserInputError("upload a FASTA / GenBank / EMBL file first")
        check_upload(upload.name, upload.size, SEQUENCE_SUFFIXES, cfg.max_upload_mb)
        records = read_sequences(
            upload.name, upload.getvalue(), limit=MAX_RECORDS + 1, max_mb=cfg.max_upload_mb
        )
    else:
        records = parse_pasted(st.session_state.get("pred_seq") or "")
    if len(records) > MAX_RECORDS:
        raise UserInputError(f"more than {MAX_RECORDS} records: split the file and predict it in parts")
    return records


def exact_bases(sequence: str) -> str:
    """``sequence`` (normalised, IUPAC allowed) with every ambiguity code as ``N``: what the motif scanner
    reads (it needs exact bases, and scores no site across an N), at the same positions."""
    return _AMBIGUOUS.sub("N", sequence)


def index_tasks(index: str | None) -> list[str]:
    """Names of the tasks whose labelled pools are in the index's ``examples`` collection."""
    if index is None:
        return []
    store = resources.store(index, resources.index_token(index))
    if "examples" not in store.collections:
        return []
    return sorted(str(v) for v, _ in store.values("examples", "task"))


def task_choice(cfg: resources.UIConfig, index: str | None, model: str) -> TaskChoice | None:
    """The task widgets; returns what to predict with once the inputs are complete (else None)."""
    in_index = index_tasks(index)
    tuned = tuned_tasks(model)
    sources = [s for s, ok in (("index", in_index), ("tuned", tuned), ("pool", True)) if ok]
    source = st.radio("Task", sources, format_func=SOURCE_LABELS.get, key="pred_source")
    if source == "index":
        task = st.selectbox("Task in the index", in_index, key="pred_index_task")
        method = st.selectbox("Method", METHODS, key="pred_method_index")
        service = resources.prediction_service(index, model, resources.index_token(index))
        return TaskChoice("index", task, method, service=service)
    if source == "tuned":
        task = st.selectbox(
            "Tuned task",
            sorted(tuned),
            key="pred_tuned_task",
            format_func=lambda t: (
                f"{t} ({tuned[t].get('kind')}: {', '.join(tuned[t].get('labels', {}).values())})"
            ),
        )
        st.caption(
            "No pool: the checkpoint's classification head for the task where it has one, else "
            "zero-shot label likelihood; no retrieved examples."
        )
        return TaskChoice("tuned", task, "", service=resources.prediction_service(None, model, ""))
    upload = st.file_uploader("Labelled pool CSV (columns sequence,label)", type=["csv"], key="pred_pool")
    labels = st.text_input("Label names", key="pred_labels", placeholder="0=background,1=bound")
    kind = st.selectbox("Task kind", KINDS, index=KINDS.index("generic"), key="pred_kind")
    instruction = st.text_input("Instruction (generic kind, optional)", key="pred_instruction")
    method = st.selectbox("Method", METHODS, key="pred_method_pool")
    if upload is None or not labels.strip():
        st.caption("Upload the pool and name its labels to predict from it.")
        return None
    check_upload(upload.name, upload.size, (".csv",), cfg.max_upload_mb, upload.getvalue())
    data = upload.getvalue()
    task, pool = resources.uploaded_pool(
        hashlib.sha256(data).hexdigest(), labels.strip(), kind, instruction.strip(), data, upload.name
    )
    service = resources.prediction_service(None, model, "")
    return TaskChoice("pool", task, method, service=service, pool=pool)


def run_prediction(choice: TaskChoice, records: list[tuple[str, str]]) -> None:
    """Predict every record with a progress bar and keep the results for the page."""
    bar = st.progress(0.0, text=f"0 / {len(records)} records")

    def progress(done: int, total: int, rid: str) -> None:
        bar.progress(done / total, text=f"{done} / {total} records ({md_line(rid)})")

    results = predict_records(choice, records, progress)
    bar.empty()
    st.session_state["pred_results"] = {"records": records, "results": results, "choice": choice}


def show_record(record: tuple[str, str], result: Any) -> None:
    """Probabilities, evidence, motifs, logo and GC of one record."""
    from dnahlm.agents.graph import MAX_SCAN_BP
    from dnahlm.sequences import gc_content

    rid, seq = record
    left, right = st.columns(2)
    with left:
        st.altair_chart(charts.probability_chart(result.probs, result.label_name), width="stretch")
        where = (
            f"; best of {result.windows} windows: {result.window[0] + 1}..{result.window[1]}"
            if result.window
            else ""
        )
        called = result.label_name if result.call else f"no call (best guess {result.label_name})"
        st.caption(f"{md_line(rid)}: **{md_line(called)}** ({md_line(result.task)}, {result.method}{where})")
        if result.caveat:  # outside the data the prediction rests on, or a best-of-windows label
            (st.warning if not result.call else st.caption)(md_line(result.caveat))
        if result.set_text:
            st.caption(md_line(f"Prediction set: {result.set_text}"))
        if result.reliability:
            st.caption(md_line(f"Reliability: {result.reliability}"))
        if result.note:  # e.g. an index pool not fitted yet, answered with knn
            st.caption(md_line(result.note))
    with right:
        st.markdown("**Retrieved examples**")
        if result.evidence:
            st.dataframe(evidence_frame(result), hide_index=True, width="stretch")
        else:
            st.caption("None: this prediction used no labelled pool.")
    st.markdown("#### Motifs")
    p_value = st.select_slider(
        "Motif p-value at most",
        options=[1e-3, 1e-4, 1e-5, 1e-6],
        value=1e-4,
        format_func=lambda v: f"{v:.0e}",
        key="pred_p",
    )
    start = max(0, (len(seq) - MAX_SCAN_BP) // 2)
    scanned = seq[start : start + MAX_SCAN_BP]
    scan, hits = motif_hits(resources.scanner(), exact_bases(scanned), p_value)
    if start:
        st.caption(f"Scanned the central {MAX_SCAN_BP:,} bp ({start + 1}..{start + len(scanned)}).")
    if exact_bases(scanned) != scanned:
        st.caption("IUPAC ambiguity codes are scanned as N: no motif site is scored across them.")
    st.markdown(md_line(scan.lead()))  # what is significant after correction, or that nothing is
    st.caption(md_line(scan.chance()))
    if len(hits):
        st.altair_chart(charts.motif_track(hits, len(scanned)), width="stretch")
        with st.expander(
            f"{scan.total_hits} hits of {scan.profiles_scanned} JASPAR profiles ({scan.release})"
        ):
            st.dataframe(hits, hide_index=True, width="stretch")
    else:
        st.caption(f"No JASPAR motif at p < {p_value:g} among {scan.profiles_scanned} profiles.")
    profiles = {p.motif_id: p for p in resources.scanner().profiles}
    hit_ids = list(dict.fromkeys(hits["motif"])) if len(hits) else []
    options = hit_ids + sorted((m for m in profiles if m not in hit_ids), key=lambda m: profiles[m].name)
    chosen = st.selectbox(
        "Sequence logo of motif", options, key="pred_logo", format_func=lambda m: f"{profiles[m].name} ({m})"
    )
    if chosen:
        import matplotlib.pyplot as plt

        fig = charts.logo_figure(profiles[chosen])
        st.pyplot(fig, width="content")
        plt.close(fig)
    st.markdown("#### GC along the sequence")
    window = min(len(seq), st.slider("GC window (bp)", 10, 1000, 50, step=10, key="pred_gc_window"))
    st.altair_chart(charts.gc_chart(gc_profile(seq, window), window, gc_content(seq)), width="stretch")


def show_results() -> None:
    """The results table, its CSV download and the chosen record's details."""
    saved = st.session_state.get("pred_results")
    if not saved:
        return
    records, results = saved["records"], saved["results"]
    st.subheader(f"Results ({len(records)} record{'s' if len(records) != 1 else ''})")
    frame = results_frame(records, results)
    st.dataframe(frame, hide_index=True, width="stretch")
    st.download_button(
        "Download results (CSV)",
        frame.to_csv(index=False).encode(),
        "dnahlm-predictions.csv",
        "text/csv",
        key="pred_download",
    )
    ids = [f"{i + 1}. {rid}" for i, (rid, _) in enumerate(records)]
    pick = (
        st.selectbox("Record", range(len(ids)), format_func=ids.__getitem__, key="pred_record")
        if len(ids) > 1
        else 0
    )
    show_record(records[pick or 0], results[pick or 0])
    if saved.get("choice") is not None:
        show_mutagenesis(saved["choice"], records[pick or 0], results[pick or 0])


def show_mutagenesis(choice: TaskChoice, record: tuple[str, str], result: Any) -> None:
    """In-silico mutagenesis of the record, on request: the change in the predicted probability of a class
    for every single-base substitution, as a track under the sequence and as JSON."""
    from dnahlm.retrieval.mutagenesis import MAX_LENGTH

    rid, seq = record
    st.markdown("#### Which bases matter (in-silico mutagenesis)")
    if len(seq) > MAX_LENGTH:
        st.caption(f"Only for sequences up to {MAX_LENGTH:,} bp (this one is {len(seq):,}).")
        return
    label = st.selectbox("Class followed", list(result.probs), key="pred_mut_label")
    if not st.button(f"Mutate every base ({3 * len(seq):,} variants)", key="pred_mut_run"):
        return
    with st.spinner("Scoring every single-base variant ..."):
        try:
            mut = choice.service.mutagenesis(
                choice.task, seq, pool=choice.pool, method=choice.method or None, label=label
            )
        except UserInputError as exc:
            resources.error_box(exc)
            return
    st.altair_chart(charts.mutagenesis_chart(mut), width="stretch")
    top = ", ".join(f"{e.position} {e.base}>{e.alternative} ({e.delta:+.3f})" for e in mut.top(5))
    st.caption(f"P({md_line(mut.label)}) = {mut.reference:.3f}; strongest: {md_line(top)}")
    st.download_button(
        "Download mutagenesis (JSON)", mut.model_dump_json().encode(), f"{rid}-mutagenesis.json",
        "application/json", key="pred_mut_download",
    )  # fmt: skip


def render() -> None:
    """The Predict page."""
    cfg = resources.ui_config()
    index, model = resources.current_index(), resources.current_model()
    st.title("Predict")
    st.caption(
        "Label and class probabilities from a labelled pool (kNN, few-shot, fused) or the model's "
        "tuned tasks, with the retrieved examples, motifs and GC of each sequence."
    )
    left, right = st.columns(2)
    with left:
        mode = st.radio(
            "Sequences",
            ["Paste", "Upload"],
            horizontal=True,
            key="pred_input",
            format_func=lambda m: {"Paste": "Paste (plain or FASTA)", "Upload": "Upload a file"}[m],
        )
        if mode == "Paste":
            st.text_area("DNA sequence or FASTA records", key="pred_seq", height=160, placeholder="ACGT...")
            st.button("Use the human GLUT5 promoter (300 bp)", on_click=_use_example, key="pred_example")
        else:
            st.file_uploader(
                "FASTA / GenBank / EMBL (many records: one row each)",
                key="pred_file",
                type=[s.lstrip(".") for s in SEQUENCE_SUFFIXES] + ["gz"],
            )
    with right:
        try:
            choice = task_choice(cfg, index, model)
        except UserInputError as exc:
            resources.error_box(exc)
            choice = None
    if st.button("Predict", type="primary", key="pred_run", disabled=choice is None):
        try:
            run_prediction(choice, records_given(cfg))
        except UserInputError as exc:
            resources.error_box(exc)
    show_results()


if __name__ == "__main__":  # run as a Streamlit page
    render()
