"""Topic figures: sizes, top words, the passage map and shares over time (from the topic tables)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .drawing import labelled_barh, place_labels
from .style import (
    OUTLIER_COLOR,
    OUTLIER_LABEL,
    WIDTHS,
    Width,
    add_legend,
    add_note,
    chars_per_line,
    check_choice,
    check_unit_interval,
    date_labels,
    figure_style,
    finish,
    is_outlier_label,
    label_axes,
    legend_height,
    n_lines,
    new_axes,
    period_axis,
    require_columns,
    resolve_topic_colors,
    rows_height,
    topic_colors,
    topic_display_labels,
    wrap_label,
)

__all__ = ["plot_topic_sizes", "plot_topic_words", "plot_topic_map", "plot_topic_share_over_time"]

def _topic_order(topics: pd.Series) -> list:
    """Topic ids in ascending order with the outlier topic -1 last."""
    ids = list(dict.fromkeys(topics))
    return sorted(ids, key=lambda t: (str(t) == "-1", t if isinstance(t, (int, np.integer)) else str(t)))


def plot_topic_sizes(topic_info: pd.DataFrame, *, colors: Mapping[str, str] | None = None,
                     width: Width = "single", ax: Axes | None = None) -> Figure:
    """Passages per topic as labelled horizontal bars, largest first, outliers last and grey.

    Parameters
    ----------
    topic_info : DataFrame
        One row per topic with columns ``topic`` (int, -1 for outliers), ``label`` (str) and
        ``size`` (passages); ``share`` (fraction of passages, 0-1) is optional and printed.
    colors : mapping of label to colour, optional
        Default: :func:`topic_colors` of the labels in topic order.
    width : {"single", "double"}
    ax : Axes, optional
    """
    require_columns(topic_info, ["topic", "label", "size"], name="topic_info")
    if topic_info["topic"].duplicated().any():
        raise ValueError("topic_info must hold one row per topic; found repeated values in column 'topic'")
    table = topic_info.assign(shown=topic_display_labels(topic_info["topic"], topic_info["label"]))
    palette = resolve_topic_colors(list(table.set_index("topic").loc[_topic_order(table["topic"]), "shown"]), colors)
    table = table.assign(outlier=table["shown"] == OUTLIER_LABEL)
    table = table.sort_values(["outlier", "size"], ascending=[True, False], kind="stable")
    labels = [wrap_label(s) for s in table["shown"]]
    texts = [f"{size:,}" for size in table["size"]]
    if "share" in table:
        texts = [f"{text} ({share:.0%})" for text, share in zip(texts, table["share"])]
    own = ax is None
    with figure_style():
        fig, ax = new_axes(ax, width=width, height=rows_height(labels, extra=0.9))
        labelled_barh(ax, labels, table["size"].to_numpy(), [palette[s] for s in table["shown"]], texts)
        label_axes(ax, title="Topic sizes", xlabel="Passages (count)", ylabel="Topic", own_figure=own)
        return finish(fig)


def plot_topic_words(topic_words: pd.DataFrame, *, n_words: int = 8, max_topics: int = 12,
                     include_outliers: bool = False, colors: Mapping[str, str] | None = None,
                     width: Width = "single", ax: Axes | None = None) -> Figure:
    """Top words of each topic as small multiples (one panel of word-weight bars per topic).

    Parameters
    ----------
    topic_words : DataFrame
        One row per (topic, word) with columns ``topic`` (int), ``label`` (str), ``word`` (str)
        and ``weight`` (float, e.g. c-TF-IDF).
    n_words : int
        Words per panel (the heaviest).
    max_topics : int
        Panels drawn: the first topics in topic order.
    include_outliers : bool
        Whether topic -1 gets a panel.
    colors : mapping of label to colour, optional
    width : {"single", "double"}
        Two panels per row for "single", three for "double".
    ax : Axes, optional
        The panels replace this Axes (in a subfigure taking its grid cell).
    """
    require_columns(topic_words, ["topic", "label", "word", "weight"], name="topic_words")
    check_choice(width, tuple(WIDTHS), name="width")
    table = topic_words.assign(shown=topic_display_labels(topic_words["topic"], topic_words["label"]))
    order = [t for t in _topic_order(table["topic"]) if include_outliers or str(t) != "-1"][:max_topics]
    if not order:
        raise ValueError("topic_words holds only the outlier topic -1: pass include_outliers=True to draw it")
    shown = table.drop_duplicates("topic").set_index("topic").loc[order, "shown"]
    palette = resolve_topic_colors(list(shown), colors)
    ncols = min(len(order), 2 if width == "single" else 3)
    nrows = math.ceil(len(order) / ncols)
    title_chars = min(28, chars_per_line(WIDTHS[width] / ncols - 0.8))  # a title must fit its panel
    titles = {t: wrap_label(shown[t], title_chars) for t in order}
    row_heights = [max(n_lines(titles[t]) for t in order[r * ncols:(r + 1) * ncols]) * 0.13 + n_words * 0.16 + 0.3
                   for r in range(nrows)]
    with figure_style():
        if ax is None:
            fig = Figure(figsize=(WIDTHS[width], sum(row_heights) + 0.7), layout="constrained")
            FigureCanvasAgg(fig)
            panel_area = fig
        else:
            fig, spec = ax.get_figure(root=True), ax.get_subplotspec()
            if spec is None:
                raise ValueError("ax must sit in a grid (made by subplots or add_subplot) to hold the panels")
            ax.remove()
            panel_area = fig.add_subfigure(spec)
        axes = panel_area.subplots(nrows, ncols, squeeze=False, height_ratios=row_heights)
        for panel, topic in zip(axes.flat, order):
            words = table[table["topic"] == topic].nlargest(n_words, "weight")
            labelled_barh(panel, [wrap_label(w, 16) for w in words["word"]], words["weight"].to_numpy(),
                          palette[shown[topic]])
            panel.set_xlim(0, words["weight"].max() * 1.05 if len(words) else 1)
            panel.xaxis.set_major_locator(MaxNLocator(3))
            panel.set_title(titles[topic], fontsize=7, fontweight="normal", loc="left")
        for panel in axes.flat[len(order):]:
            panel.set_axis_off()
        panel_area.suptitle("Top words per topic", x=0.02, ha="left")
        panel_area.supxlabel("Word weight (c-TF-IDF score)")
        panel_area.supylabel("Word")
        return finish(fig)


def plot_topic_map(passage_topics: pd.DataFrame, *, colors: Mapping[str, str] | None = None,
                   width: Width = "single", ax: Axes | None = None) -> Figure:
    """Passages in a 2-D projection coloured by topic, each topic labelled at its median point.

    Parameters
    ----------
    passage_topics : DataFrame
        One row per passage with columns ``x``, ``y`` (2-D coordinates, e.g. UMAP), ``topic``
        (int, -1 for outliers) and ``label`` (str). Outliers are drawn small and grey.
    colors : mapping of label to colour, optional
    width : {"single", "double"}
    ax : Axes, optional
    """
    require_columns(passage_topics, ["x", "y", "topic", "label"], name="passage_topics")
    table = passage_topics.assign(shown=topic_display_labels(passage_topics["topic"], passage_topics["label"]))
    order = _topic_order(table["topic"])
    shown = table.drop_duplicates("topic").set_index("topic").loc[order, "shown"]
    palette = resolve_topic_colors(list(shown), colors)
    outliers = table[table["shown"] == OUTLIER_LABEL]
    own = ax is None
    with figure_style():
        fig, ax = new_axes(ax, width=width, height=3.4 if width == "single" else 5.0)
        ax.scatter(outliers["x"], outliers["y"], s=2, color=OUTLIER_COLOR, alpha=0.6, linewidths=0,
                   rasterized=True, zorder=1, label=OUTLIER_LABEL)
        labels = []
        for topic in order:
            if shown[topic] == OUTLIER_LABEL:
                continue
            points = table[table["topic"] == topic]
            color = palette[shown[topic]]
            ax.scatter(points["x"], points["y"], s=5, color=color, alpha=0.8, linewidths=0,
                       rasterized=True, zorder=2, label=shown[topic])
            labels.append(ax.annotate(
                wrap_label(shown[topic]), (points["x"].median(), points["y"].median()), xytext=(0, 0),
                textcoords="offset points", ha="center", va="center", fontsize=6, color="#222222", zorder=3,
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": color,
                      "linewidth": 0.7, "alpha": 0.8}))
        ax.margins(0.06)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.spines[["top", "right"]].set_visible(True)
        label_axes(ax, title="Passages by topic", xlabel="Projection axis 1 (arbitrary units)",
                   ylabel="Projection axis 2 (arbitrary units)", own_figure=own)
        note = "Each point is a passage; labels sit at each topic's median."
        if len(outliers):
            note += f" Grey: {len(outliers):,} outlier passages."
        add_note(ax, note, own_figure=own)
        place_labels(ax, labels)
        return finish(fig)


def plot_topic_share_over_time(topic_time: pd.DataFrame, *, kind: Literal["line", "area"] = "line",
                               colors: Mapping[str, str] | None = None, width: Width = "single",
                               ax: Axes | None = None) -> Figure:
    """Share of passages in each topic per period, as lines or stacked areas.

    Parameters
    ----------
    topic_time : DataFrame
        One row per (period, topic) with columns ``period`` (datetime: the period start),
        ``label`` (str) and ``share`` (fraction of the period's passages, 0-1). An optional
        ``topic`` column (int) orders the default colours like the other topic figures.
    kind : {"line", "area"}
        Lines (one per topic) or stacked areas. With a single period, bars are drawn instead.
    colors : mapping of label to colour, optional
    width : {"single", "double"}
    ax : Axes, optional
    """
    require_columns(topic_time, ["period", "label", "share"], name="topic_time")
    check_choice(kind, ("line", "area"), name="kind")
    check_unit_interval(topic_time["share"], name="share")
    table = topic_time.assign(period=pd.to_datetime(topic_time["period"]),
                              label=topic_time["label"].astype(str).where(
                                  ~topic_time["label"].map(is_outlier_label), OUTLIER_LABEL))
    shares = table.pivot_table(index="period", columns="label", values="share", aggfunc="sum", fill_value=0.0)
    means = shares.mean()
    order = sorted(shares.columns, key=lambda label: (label == OUTLIER_LABEL, -means[label]))
    shares = shares[order]
    if "topic" in table:
        by_topic = table.drop_duplicates("label").set_index("label")["topic"]
        color_order = sorted(order, key=lambda label: (label == OUTLIER_LABEL, by_topic[label]))
    else:
        color_order = order
    palette = resolve_topic_colors(color_order, colors)
    wrapped = [wrap_label(label) for label in order]
    own = ax is None
    with figure_style():
        if len(shares) == 1:
            fig, ax = new_axes(ax, width=width, height=rows_height(wrapped, extra=0.9))
            values = shares.iloc[0].to_numpy()
            labelled_barh(ax, wrapped, values, [palette[label] for label in order], [f"{v:.0%}" for v in values])
            ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            label_axes(ax, title=f"Topic shares, {date_labels(shares.index)[0]}",
                       xlabel="Share of passages (%)", ylabel="Topic", own_figure=own)
            return finish(fig)
        height = (2.2 if width == "single" else 2.6) + legend_height(wrapped, width=width, title=True)
        fig, ax = new_axes(ax, width=width, height=height)
        if kind == "area":
            polys = ax.stackplot(shares.index, shares.T.to_numpy(), colors=[palette[label] for label in order],
                                 edgecolor="white", linewidth=0.3)
            handles = [Patch(facecolor=p.get_facecolor()[0]) for p in polys]
        else:
            styles = ("-", "--", ":")
            marker = "o" if len(shares) <= 24 else None
            handles = [ax.plot(shares.index, shares[label], color=palette[label], marker=marker, markersize=2.5,
                               linestyle=styles[(i // 9) % 3])[0] for i, label in enumerate(order)]
        period_axis(ax, shares.index)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylim(bottom=0)
        label_axes(ax, title="Topic shares over time", xlabel="Period start", ylabel="Share of passages (%)",
                   own_figure=own)
        add_legend(ax, handles, wrapped, own_figure=own, title="Topic")
        return finish(fig)
