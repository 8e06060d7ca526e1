"""Charts of the pages: class probabilities, motif hits along a sequence, GC profile, sequence logo and the
model's measured figures (Altair, and logomaker for the logo)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd


def probability_chart(probs: Mapping[str, float], predicted: str | None = None) -> alt.Chart:
    """A horizontal bar per class with its probability; the predicted class highlighted."""
    data = pd.DataFrame(
        {
            "label": list(probs),
            "probability": [float(v) for v in probs.values()],
            "predicted": ["predicted" if name == predicted else "other" for name in probs],
        }
    )
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=list(probs), title=None),
        x=alt.X("probability:Q", scale=alt.Scale(domain=[0, 1]), title="probability"),
        tooltip=["label", alt.Tooltip("probability:Q", format=".3f")],
    )
    bars = base.mark_bar(size=22).encode(
        color=alt.Color(
            "predicted:N",
            scale=alt.Scale(domain=["predicted", "other"], range=["#d62728", "#9ecae9"]),
            legend=None,
        )
    )
    text = base.mark_text(align="left", dx=4).encode(text=alt.Text("probability:Q", format=".2f"))
    return (bars + text).properties(height=alt.Step(34), title="Class probabilities")


def motif_track(hits: pd.DataFrame, length: int, *, max_tfs: int = 25) -> alt.Chart:
    """Motif hits drawn along the sequence: one row per TF, a bar from start to end, coloured by strand."""
    order = hits.groupby("tf")["p_value"].min().sort_values().index[:max_tfs].tolist() if len(hits) else []
    data = hits[hits["tf"].isin(order)].copy()
    data["from"] = data["start"] - 1
    base = alt.Chart(data).encode(
        x=alt.X("from:Q", scale=alt.Scale(domain=[0, length]), title="position (bp)"),
        x2="end:Q",
        y=alt.Y("tf:N", sort=order, title=None),
        color=alt.Color("strand:N", scale=alt.Scale(domain=["+", "-"], range=["#1f77b4", "#ff7f0e"])),
        tooltip=["tf", "motif", "start", "end", "strand", alt.Tooltip("p_value:Q", format=".1e"), "site"],
    )
    return base.mark_bar(height=10).properties(
        height=alt.Step(18), title=f"JASPAR motif hits along {length:,} bp"
    )


def gc_chart(profile: pd.DataFrame, window: int, mean: float) -> alt.Chart:
    """GC fraction in a sliding window along the sequence, with the whole sequence's GC as a rule."""
    line = (
        alt.Chart(profile)
        .mark_line()
        .encode(
            x=alt.X("position:Q", title="position (bp, window centre)"),
            y=alt.Y("gc:Q", scale=alt.Scale(domain=[0, 1]), title="GC fraction"),
            tooltip=[alt.Tooltip("position:Q", format=".0f"), alt.Tooltip("gc:Q", format=".2f")],
        )
    )
    rule = alt.Chart(pd.DataFrame({"gc": [mean]})).mark_rule(strokeDash=[4, 4], color="gray").encode(y="gc:Q")
    return (line + rule).properties(height=220, title=f"GC in a {window} bp window (dashed: whole sequence)")


def logo_figure(profile: Any) -> Any:
    """A sequence logo (information content, bits) of a JASPAR profile's count matrix (logomaker)."""
    import matplotlib

    matplotlib.use("Agg")  # no display: draw to images only
    import logomaker
    import matplotlib.pyplot as plt

    counts = pd.DataFrame(profile.matrix, columns=list("ACGT"))
    info = logomaker.transform_matrix(counts, from_type="counts", to_type="information")
    fig, ax = plt.subplots(figsize=(max(3.0, 0.45 * len(info)), 2.2))
    logomaker.Logo(info, ax=ax, color_scheme="classic")
    ax.set_ylabel("bits")
    ax.set_xticks(range(len(info)))
    ax.set_xticklabels([str(i + 1) for i in range(len(info))])
    ax.set_title(f"{profile.name} ({profile.motif_id})")
    fig.tight_layout()
    return fig


def metrics_chart(results: pd.DataFrame, metric: str) -> alt.Chart:
    """Grouped bars of one measured figure per task, one bar per method."""
    data = results.dropna(subset=[metric])
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("method:N", title=None, axis=alt.Axis(labels=False, ticks=False)),
            y=alt.Y(
                f"{metric}:Q",
                title=metric.replace("_", " "),
                scale=alt.Scale(domain=[-1 if metric == "mcc" else 0, 1]),
            ),
            color=alt.Color("method:N"),
            column=alt.Column("task:N", title=None, header=alt.Header(labelOrient="bottom")),
            tooltip=["task", "method", "source", alt.Tooltip(f"{metric}:Q", format=".3f"), "n"],
        )
        .properties(width=60, height=220)
    )
