"""Model: a checkpoint folder's card (architecture, parameters, training data, tuned tasks, heads) and its
measured figures as charts, read from the folder's files (:mod:`dnahlm.ui.card`); no weights are loaded.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dnahlm.errors import UserInputError
from dnahlm.ui import charts, resources
from dnahlm.ui.card import METRICS, CheckpointCard, model_card_markdown, read_card


def show_overview(card: CheckpointCard) -> None:
    """Headline figures and the architecture."""
    pre = card.pretraining
    data = card.meta.get("pretraining_data", {})
    a, b, c, d = st.columns(4)
    a.metric("Parameters", f"{card.parameters:,}" if card.parameters else "?")
    b.metric("Weights on disk", f"{card.weights_mb:.1f} MB")
    c.metric("Pretraining tokens", f"{pre['tokens_seen']:,}" if "tokens_seen" in pre else "?")
    d.metric("Tuned tasks / heads", f"{len(card.tasks)} / {len(card.heads)}")
    st.markdown("#### Architecture")
    st.dataframe(pd.DataFrame([card.architecture]), hide_index=True)
    if pre or data:
        st.markdown("#### Pretraining")
        e, f, g = st.columns(3)
        e.metric("Validation perplexity, DNA", f"{pre['val_ppl_dna']:.1f}" if "val_ppl_dna" in pre else "?")
        f.metric(
            "Validation perplexity, English",
            f"{pre['val_ppl_english']:.1f}" if "val_ppl_english" in pre else "?",
        )
        g.metric("Steps / wall time", f"{pre.get('steps', '?')} / {pre.get('wall_seconds', 0) / 60:.0f} min")
        if data:
            rows = [
                {
                    "data": "DNA",
                    "documents": data.get("train_dna_docs"),
                    "characters": data.get("train_dna_chars"),
                    "tokens": data.get("train_dna_tokens"),
                },
                {
                    "data": "English",
                    "documents": data.get("train_english_docs"),
                    "characters": data.get("train_english_chars"),
                    "tokens": data.get("train_english_tokens"),
                },
            ]
            st.dataframe(pd.DataFrame(rows), hide_index=True)
            dropped = data.get("dna_dropped_heldout")
            if dropped is not None:
                st.caption(f"Genome windows dropped for sharing >= 64 bp with a GUE row: {dropped:,}.")


def show_tasks(card: CheckpointCard) -> None:
    """Instruction-tuned tasks and classification heads."""
    if card.tasks:
        st.markdown("#### Instruction-tuned tasks (rows of train / validation split)")
        st.dataframe(pd.DataFrame(card.tasks), hide_index=True, width="stretch")
    if card.heads:
        st.markdown("#### Classification heads")
        st.dataframe(pd.DataFrame(card.heads), hide_index=True, width="stretch")


def show_results(card: CheckpointCard) -> None:
    """Measured figures per task and method, as a chart and a table."""
    st.markdown("#### Evaluation on the validation splits")
    if not card.results:
        st.caption("This folder records no measured figures (no dnahlm.json validation, no eval JSON).")
        return
    results = pd.DataFrame(card.results)
    metric = st.radio(
        "Figure",
        [m for m in METRICS if results[m].notna().any()],
        horizontal=True,
        key="model_metric",
        format_func=lambda m: m.replace("_", " "),
    )
    st.altair_chart(charts.metrics_chart(results, metric))
    st.dataframe(results, hide_index=True, width="stretch")


def render() -> None:
    """The Model page."""
    st.title("Model")
    default = resources.current_model()
    path = st.text_input(
        "Checkpoint folder",
        value=default,
        key="model_card_dir",
        help="Any folder written by dnahlm training, or a published DNAHLM GPT-2 folder.",
    ).strip()
    try:
        card = read_card(path)
    except UserInputError as exc:
        resources.error_box(exc)
        return
    st.caption(f"`{card.path}`" + ("" if card.meta else " (no dnahlm.json: a folder not trained by dnahlm)"))
    show_overview(card)
    show_tasks(card)
    show_results(card)
    doc = model_card_markdown(card.path)
    if doc:
        with st.expander("Full model card (docs/model-card.md)"):
            st.markdown(doc)
    with st.expander("config.json"):
        st.json(card.config, expanded=False)


if __name__ == "__main__":  # run as a Streamlit page
    render()
