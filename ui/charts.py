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


LADDER_BP = (10_000, 8_000, 6_000, 5_000, 4_000, 3_000, 2_000, 1_500, 1_000, 750, 500, 250)
"""A 1 kb DNA ladder's bands (bp), the size standard beside a digest on the virtual gel."""


def gel_chart(lanes: Mapping[str, list[int]], ladder: tuple[int, ...] = LADDER_BP) -> alt.Chart:
    """A virtual agarose gel: one lane per digest plus a ladder, bands placed by log size (as DNA migrates).

    Args:
        lanes: lane name -> fragment sizes (bp); equal sizes co-migrate into one band.
        ladder: the size standard's bands.
    """
    rows = [{"lane": "ladder", "size": s, "label": f"{s:,} bp"} for s in ladder]
    for name, sizes in lanes.items():
        rows += [{"lane": name, "size": s, "label": f"{s:,} bp"} for s in sizes]
    data = pd.DataFrame(rows)
    order = ["ladder", *lanes]
    low = max(10, min(data["size"].min(), min(ladder)) * 0.8)
    high = max(data["size"].max(), max(ladder)) * 1.2
    y = alt.Y("size:Q", scale=alt.Scale(type="log", domain=[low, high], reverse=False), title="size (bp)")
    bands = (
        alt.Chart(data)
        .mark_tick(thickness=4, size=46, color="#f5f5f5")
        .encode(
            x=alt.X("lane:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
            y=y,
            tooltip=["lane", "label"],
        )
    )
    labels = (
        alt.Chart(data[data["lane"] != "ladder"])
        .mark_text(align="left", dx=26, color="#f5f5f5", fontSize=10)
        .encode(x=alt.X("lane:N", sort=order), y=y, text="label")
    )
    return (
        (bands + labels)
        .properties(width=alt.Step(120), height=320, title="Virtual gel (log scale, as DNA migrates)")
        .configure_view(fill="#1b1b2f")
    )


STRANDS = ["template", "product", "top", "bottom"]
STRAND_COLOURS = ["#bbbbbb", "#2ca02c", "#1f77b4", "#ff7f0e"]


def primer_map(
    length: int, primers: list[dict[str, Any]], product: tuple[int, int] | None = None
) -> alt.Chart:
    """Primers on the template: one bar per primer (1-based start..end, coloured by strand) above the
    template line, and the product's span when there is one."""
    rows = [{"what": "template", "from": 0, "to": length, "strand": "template", "label": f"{length:,} bp"}]
    if product is not None:
        rows.append({"what": "product", "from": product[0] - 1, "to": product[1], "strand": "product",
                     "label": f"{product[1] - product[0] + 1:,} bp"})  # fmt: skip
    for p in primers:
        rows.append({"what": p["name"], "from": p["start"] - 1, "to": p["end"], "strand": p["strand"],
                     "label": f"{p['name']} {p['start']:,}-{p['end']:,} ({p['strand']})"})  # fmt: skip
    data = pd.DataFrame(rows)
    order = [r["what"] for r in rows]
    return (
        alt.Chart(data)
        .mark_bar(height=12)
        .encode(
            x=alt.X("from:Q", scale=alt.Scale(domain=[0, length]), title="position (bp)"),
            x2="to:Q",
            y=alt.Y("what:N", sort=order, title=None),
            color=alt.Color("strand:N", scale=alt.Scale(domain=STRANDS, range=STRAND_COLOURS)),
            tooltip=["label"],
        )
        .properties(height=alt.Step(22), title="Primers on the template")
    )
