"""Charts of the pages: class probabilities, motif hits along a sequence, GC profile, sequence logo and the
model's measured figures (Altair, and logomaker for the logo)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import numpy as np
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
        tooltip=[
            "tf",
            "motif",
            "start",
            "end",
            "strand",
            alt.Tooltip("p_value:Q", format=".1e"),
            alt.Tooltip("q_value:Q", format=".2g"),
            "site",
        ],
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


MUTAGENESIS_COLOURS = ["#2166ac", "#f7f7f7", "#b2182b"]
"""Delta colours: lowers the class (blue), no change (white), raises it (red)."""


def mutagenesis_chart(
    result: Any, *, summary: str = "max_abs", width: int = 900, reference_colour: str = "#bdbdbd"
) -> alt.VConcatChart:
    """In-silico mutagenesis of a sequence (:class:`dnahlm.retrieval.mutagenesis.Mutagenesis`) as two
    tracks on one position axis: bars of the per-position summary (``max_abs`` or ``mean``, coloured by
    whether the strongest substitution, or for ``mean`` the mean, raises or lowers the class), and a heatmap with a row per base
    (A, C, G, T) coloured by the change in the class probability, the reference base in grey (so the
    heatmap also spells the sequence) and skipped ``N`` positions blank.

    Args:
        result: the mutagenesis result.
        summary: ``"max_abs"`` (largest |delta| of the three substitutions) or ``"mean"`` (mean delta).
        width: pixels for the whole sequence (900: 3 px a base at 300 bp).
        reference_colour: colour of the reference bases' cells.
    """
    seq = result.sequence
    length = len(seq)
    matrix = result.matrix()  # (L, 4), NaN at the reference base and at skipped positions
    sums = result.summary(summary)
    skipped = set(result.skipped)
    cells, bars = [], []
    for i, base in enumerate(seq):
        pos = i + 1
        if pos in skipped:
            continue
        row = matrix[i]
        sign = float(row[int(np.nanargmax(np.abs(row)))]) if summary == "max_abs" else sums[i]
        bars.append({"position": pos, "from": pos - 0.5, "to": pos + 0.5, "base": base, "value": sums[i],
                     "effect": "raises" if sign > 0 else "lowers"})  # fmt: skip
        for j, alt_base in enumerate("ACGT"):
            ref = alt_base == base
            cells.append({"position": pos, "from": pos - 0.5, "to": pos + 0.5, "base": base,
                          "substitution": alt_base, "delta": None if ref else float(row[j]),
                          "kind": "reference" if ref else "variant"})  # fmt: skip
    finite = matrix[~np.isnan(matrix)]
    top = float(np.abs(finite).max()) if finite.size else 0.0
    top = top if top > 0 else 1e-6  # a flat result still gets a valid colour scale
    scale = alt.Scale(domain=[0.5, length + 0.5], nice=False, zero=False)
    x = alt.X("from:Q", scale=scale, axis=alt.Axis(tickMinStep=1, format="d"), title="position (bp)")
    x_top = alt.X("from:Q", scale=scale, axis=alt.Axis(labels=False, ticks=False, title=None))
    tip = [alt.Tooltip("position:Q", title="position"), alt.Tooltip("base:N", title="reference")]
    how = "largest |delta|" if summary == "max_abs" else "mean delta"
    bar_track = (
        alt.Chart(alt.InlineData(values=bars))
        .mark_rect()
        .encode(
            x=x_top,
            x2="to:Q",
            y=alt.Y("value:Q", title=how),
            y2=alt.datum(0),
            color=alt.Color(
                "effect:N",
                scale=alt.Scale(
                    domain=["lowers", "raises"], range=[MUTAGENESIS_COLOURS[0], MUTAGENESIS_COLOURS[2]]
                ),
                title="strongest change" if summary == "max_abs" else "mean change",
            ),
            tooltip=[*tip, alt.Tooltip("value:Q", format=".4f", title=how), "effect:N"],
        )
        .properties(width=width, height=90)
    )
    cell = alt.Chart(alt.InlineData(values=cells)).encode(
        x=x,
        x2="to:Q",
        y=alt.Y("substitution:N", sort=list("ACGT"), title=None),
        tooltip=[*tip, "substitution:N", alt.Tooltip("delta:Q", format=".4f")],
    )
    variants = (
        cell.mark_rect()
        .encode(
            color=alt.Color(
                "delta:Q",
                scale=alt.Scale(domain=[-top, 0, top], range=MUTAGENESIS_COLOURS, clamp=True),
                title=f"change in P({result.label})",
            )
        )
        .transform_filter(alt.datum.kind == "variant")
    )
    reference = cell.mark_rect(color=reference_colour).transform_filter(alt.datum.kind == "reference")
    heatmap = (variants + reference).properties(width=width, height=alt.Step(16))
    return (
        alt.vconcat(bar_track, heatmap, spacing=4)
        .resolve_scale(x="shared", color="independent")
        .properties(
            title=f"In-silico mutagenesis of {length:,} bp: change in P({result.label}) from the reference "
            f"{result.reference:.3f} (grey: reference base)"
        )
    )
