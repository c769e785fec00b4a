"""Publication figures drawn from tidy tables.

Every ``plot_*`` function takes a tidy DataFrame with the documented columns (never a fitted
model), keyword options and ``ax=None``. It draws on ``ax`` or makes its own figure and returns
the :class:`~matplotlib.figure.Figure`. Nothing here calls ``plt.show()`` or writes a file except
:func:`save_figure`.

* Style: one style sheet (``analysis.mplstyle``) applied by :func:`figure_style` inside every
  function; the global ``rcParams`` are never changed.
* Colours: :data:`FRAME_COLORS` gives one colour-blind-safe colour per frame in every figure;
  :func:`topic_colors` gives topic colours (outlier topic grey). Pass the same ``colors`` mapping
  to every topic figure to keep each topic's colour across figures.
* Size: ``width="single"`` (3.5 in) or ``"double"`` (7 in); heights grow with the rows.
* Long labels are wrapped at 28 characters (article titles to at most 3 lines).
* Empty tables raise ``ValueError`` ("... is empty: there is nothing to plot").
* New figures are not registered with pyplot: show one by leaving it as the last expression of a
  notebook cell.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from analysis._figure_style import (
    BAR_HEIGHT, FRAME_COLORS, LINE_HEIGHT, OUTLIER_COLOR, OUTLIER_LABEL, WIDTHS, Width, add_legend, add_note,
    annotated_heatmap, chars_per_line, check_choice, check_unit_interval, date_labels, diverging_title,
    figure_style, finish, is_outlier_label, label_axes, labelled_barh, legend_height, n_lines, new_axes,
    period_axis, period_name, place_labels, require_columns, resolve_topic_colors, restart_layout,
    row_positions, rows_height, texts_outside_figure, topic_colors, topic_display_labels, wrap_label,
)
from analysis._frames import FRAME_NAMES, FRAMES

__all__ = [
    "FRAME_COLORS", "OUTLIER_COLOR", "figure_style", "topic_colors", "wrap_label", "save_figure",
    "plot_articles_over_time", "plot_passages_per_article", "plot_topic_sizes", "plot_topic_words",
    "plot_topic_map", "plot_topic_share_over_time", "plot_frame_shares", "plot_stance_by_group",
    "plot_topic_frame_heatmap", "plot_confusion_matrix",
]

#: Formats :func:`save_figure` writes, with metadata that keeps the bytes reproducible.
_SAVE_METADATA: dict[str, dict[str, object]] = {
    "png": {},
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
}
_NEUTRAL = "#4C5B6B"  # bars that encode a count, not a frame or a topic
_TITLE_LINES = 3  # article titles are wrapped to at most this many lines


def save_figure(fig: Figure, name: str, out_dir: str | Path,
                formats: Sequence[str] = ("png", "svg", "pdf")) -> list[Path]:
    """Write a figure as ``out_dir/name.<format>`` for each format, reproducibly.

    PNG is written at 300 dpi, PDF with embedded TrueType fonts, SVG with text kept as text.
    PDF and SVG carry no creation date, so saving the same figure twice gives identical bytes.

    Parameters
    ----------
    fig : Figure
    name : str
        File name without folder or extension, e.g. ``"topic_sizes"``.
    out_dir : str or Path
        Folder to write to; created (with parents) when missing.
    formats : sequence of {"png", "svg", "pdf"}

    Returns
    -------
    list of Path
        The files written, in the order of ``formats``.

    Warns
    -----
    UserWarning
        When a text of the figure reaches outside the canvas (it would be clipped).
    """
    if not name or Path(name).name != name or name in {".", ".."}:
        raise ValueError(f"name must be a bare file name without folders, got {name!r}")
    if isinstance(formats, str):
        formats = (formats,)
    for fmt in formats:
        check_choice(fmt, tuple(_SAVE_METADATA), name="format")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    with figure_style():
        restart_layout(fig)
        clipped = texts_outside_figure(fig)
        if clipped:
            warnings.warn(f"figure {name!r}: text reaches outside the canvas and will be clipped: "
                          f"{clipped[:3]}", UserWarning, stacklevel=2)
        for fmt in dict.fromkeys(formats):
            path = folder / f"{name}.{fmt}"
            restart_layout(fig)
            fig.savefig(path, format=fmt, dpi=300, metadata=_SAVE_METADATA[fmt])
            paths.append(path)
    return paths


# ---------------------------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------------------------

def plot_articles_over_time(articles: pd.DataFrame, *, freq: str = "MS", by: str | None = "source",
                            width: Width = "single", ax: Axes | None = None) -> Figure:
    """Articles per outlet over time.

    Parameters
    ----------
    articles : DataFrame
        One row per article with columns ``date`` (datetime or parseable text) and the ``by``
        column (e.g. ``source``). Rows whose date is missing or unparseable are left out and
        their number is given in a footnote.
    freq : str
        pandas frequency of the periods counted ("MS" months, "W" weeks, "YS" years, ...).
    by : str or None
        Column that splits the counts into lines (outlets); None counts all articles together.
    width : {"single", "double"}
    ax : Axes, optional

    Returns
    -------
    Figure
        Lines with markers per outlet; a bar per outlet when all dates fall in one period.
    """
    require_columns(articles, ["date"] + ([by] if by else []), name="articles")
    dates = pd.to_datetime(articles["date"], errors="coerce", utc=True).dt.tz_convert(None)
    groups = articles[by].astype("string").fillna("Unknown") if by else pd.Series("All articles", index=articles.index)
    table = pd.DataFrame({"date": dates, "group": groups.astype(str)}).dropna(subset=["date"])
    excluded = len(articles) - len(table)
    if table.empty:
        raise ValueError(f"articles has no usable date: all {len(articles)} 'date' values are missing or unparseable")
    counts = table.groupby([pd.Grouper(key="date", freq=freq), "group"]).size().unstack(fill_value=0)
    counts = counts.reindex(pd.date_range(counts.index.min(), counts.index.max(), freq=freq), fill_value=0)
    counts = counts[counts.sum().sort_values(ascending=False, kind="stable").index]
    period = period_name(freq)
    group_name = (by or "articles").replace("_", " ").capitalize()
    colors = topic_colors(counts.columns)
    own = ax is None
    with figure_style():
        if len(counts) == 1:
            labels = [wrap_label(g) for g in counts.columns]
            fig, ax = new_axes(ax, width=width, height=rows_height(labels, extra=1.1))
            totals = counts.iloc[0]
            labelled_barh(ax, labels, totals.to_numpy(), [colors[g] for g in counts.columns],
                          [f"{v:,}" for v in totals])
            label_axes(ax, title=f"Articles per {group_name.lower()}, {date_labels(counts.index)[0]}",
                       xlabel="Articles (count)", ylabel=group_name, own_figure=own)
        else:
            legend_labels = [wrap_label(g) for g in counts.columns] if by else []
            height = (2.2 if width == "single" else 2.6) + (legend_height(legend_labels, width=width, title=True)
                                                            if legend_labels else 0.0)
            fig, ax = new_axes(ax, width=width, height=height)
            marker = "o" if len(counts) <= 24 else None  # markers only while they stay apart
            handles = [ax.plot(counts.index, counts[g], marker=marker, markersize=3, color=colors[g])[0]
                       for g in counts.columns]
            period_axis(ax, counts.index)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylim(bottom=0)
            label_axes(ax, title=f"Articles per {group_name.lower()} over time",
                       xlabel=f"Publication date (per {period})", ylabel=f"Articles per {period}", own_figure=own)
            if by:
                add_legend(ax, handles, legend_labels, own_figure=own, title=group_name)
        if excluded:
            add_note(ax, f"{excluded:,} article{'s' if excluded != 1 else ''} without a publication date not shown.",
                     own_figure=own)
        return finish(fig)


def _titles_or_ids(titles: pd.Series, ids: pd.Series) -> list[str]:
    """Each article's title, or its id when the title is missing or blank."""
    return [str(t).strip() if pd.notna(t) and str(t).strip() else str(i) for t, i in zip(titles, ids)]


def plot_passages_per_article(articles: pd.DataFrame, *, max_bars: int = 40, width: Width = "single",
                              ax: Axes | None = None) -> Figure:
    """Passages per article: one labelled bar per article, or a histogram for many articles.

    Parameters
    ----------
    articles : DataFrame
        One row per article with columns ``article_id`` and ``n_passages`` (int); ``title`` is
        optional and labels the bars (the id labels articles without a title).
    max_bars : int
        Up to this many articles get one bar each, sorted by passages; more give a histogram.
    width : {"single", "double"}
    ax : Axes, optional
    """
    require_columns(articles, ["article_id", "n_passages"], name="articles")
    table = articles.assign(n_passages=pd.to_numeric(articles["n_passages"], errors="raise"))
    own = ax is None
    with figure_style():
        if len(table) <= max_bars:
            table = table.sort_values("n_passages", ascending=False, kind="stable")
            titles = table["title"] if "title" in table else pd.Series("", index=table.index)
            names = _titles_or_ids(titles, table["article_id"])
            labels = [wrap_label(n, max_lines=_TITLE_LINES) for n in names]
            fig, ax = new_axes(ax, width=width, height=rows_height(labels, extra=0.9))
            values = table["n_passages"].to_numpy()
            labelled_barh(ax, labels, values, _NEUTRAL, [f"{v:,}" for v in values])
            label_axes(ax, title="Passages per article", xlabel="Passages (count)", ylabel="Article",
                       own_figure=own)
        else:
            fig, ax = new_axes(ax, width=width, height=2.4 if width == "single" else 2.8)
            values = table["n_passages"].to_numpy()
            low, high = int(values.min()), int(values.max())
            bins = np.arange(low, high + 2) - 0.5 if high - low <= 60 else "auto"
            ax.hist(values, bins=bins, color=_NEUTRAL, edgecolor="white", linewidth=0.4)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            label_axes(ax, title=f"Passages per article ({len(values):,} articles)",
                       xlabel="Passages per article (count)", ylabel="Articles (count)", own_figure=own)
            add_note(ax, f"Median {np.median(values):g} passages per article.", own_figure=own)
        return finish(fig)


# ---------------------------------------------------------------------------------------------
# Topics
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Framing
# ---------------------------------------------------------------------------------------------

def plot_frame_shares(article_frames: pd.DataFrame, *, max_labelled: int = 40, width: Width = "single",
                      ax: Axes | None = None) -> Figure:
    """Balance of frames in each article as diverging horizontal bars.

    Militarization extends right of zero and root causes left of zero, so the two compare from
    a common baseline; "neither" is split in two and drawn grey at both ends, so every bar
    spans 100 % and its shift from the centre shows the article's balance. Articles are sorted
    by ``share_militarization - share_root_cause`` (most militarized on top).

    Parameters
    ----------
    article_frames : DataFrame
        One row per article with columns ``article_id``, ``title`` (may be empty: the id is
        shown), ``share_militarization``, ``share_root_cause`` and ``share_neither`` (fractions of
        the article's passages, 0-1, adding up to 1).
    max_labelled : int
        Up to this many articles are labelled by title; more are drawn unlabelled.
    width : {"single", "double"}
    ax : Axes, optional
    """
    share_columns = [f"share_{frame}" for frame in FRAMES]
    require_columns(article_frames, ["article_id", "title", *share_columns], name="article_frames")
    for column in share_columns:
        check_unit_interval(article_frames[column], name=column)
    totals = article_frames[share_columns].astype(float).sum(axis=1)
    if ((totals - 1).abs() > 0.02).any():
        raise ValueError("the three share_<frame> columns must add up to 1 for every article; "
                         f"found totals from {totals.min():.3f} to {totals.max():.3f}")
    table = article_frames.assign(balance=article_frames["share_militarization"] - article_frames["share_root_cause"])
    table = table.sort_values("balance", ascending=False, kind="stable")
    labelled = len(table) <= max_labelled
    names = _titles_or_ids(table["title"], table["article_id"])
    labels = [wrap_label(n, max_lines=_TITLE_LINES) for n in names]
    mil, root, neither = (table[c].to_numpy(float) for c in share_columns)
    own = ax is None
    with figure_style():
        height = rows_height(labels, extra=1.1) if labelled else min(6.0, 2.0 + 0.012 * len(table))
        height += legend_height([FRAME_NAMES[f] for f in FRAMES], width=width) if own else 0.0
        fig, ax = new_axes(ax, width=width, height=height)
        segments = [(-root, 0.0, "root_cause"), (mil, 0.0, "militarization"),
                    (-root - neither / 2, -root, "neither"), (mil + neither / 2, mil, "neither")]
        if labelled:
            y = row_positions(ax, labels)
            for end, start, frame in segments:
                ax.barh(y, end - start, left=start, height=BAR_HEIGHT, color=FRAME_COLORS[frame])
        else:  # one stepped area per segment instead of thousands of bars: same picture, small files
            edges = np.arange(len(table) + 1) - 0.5
            ax.set_ylim(-0.5, len(table) - 0.5)
            for end, start, frame in segments:
                ax.stairs(np.asarray(end)[::-1], edges, baseline=np.broadcast_to(start, end.shape)[::-1],
                          orientation="horizontal", fill=True, color=FRAME_COLORS[frame], linewidth=0)
        ax.axvline(0, color="#222222", linewidth=0.8)
        ticks = [-1, -0.5, 0, 0.5, 1]
        ax.set_xticks(ticks, labels=[f"{abs(t):.0%}" for t in ticks])
        ax.set_xlim(-1.02, 1.02)
        if labelled:
            ax.set_yticks(y, labels=labels)
            ax.tick_params(axis="y", length=0)
        else:
            ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set(xlabel="Share of passages (%)",
               ylabel="Article" if labelled else f"Articles ({len(table):,}), by balance")
        diverging_title(ax, "Frames in each article", own_figure=own)
        handles = [Patch(facecolor=FRAME_COLORS[f]) for f in FRAMES]
        add_legend(ax, handles, [FRAME_NAMES[f] for f in FRAMES], own_figure=own)
        return finish(fig)


def _with_count(label: str, n: float) -> str:
    """A wrapped label followed by "(n = 1,234)", on its last line when that stays short."""
    count = f"(n = {int(n):,})"
    return f"{label} {count}" if len(label.split("\n")[-1]) + 1 + len(count) <= 34 else f"{label}\n{count}"


def plot_stance_by_group(group_stance: pd.DataFrame, *, group_label: str = "Outlet", width: Width = "single",
                         ax: Axes | None = None) -> Figure:
    """Mean framing stance per group (outlet or time bin) with 95 % confidence intervals.

    Stance is ``p_militarization - p_root_cause``: -1 is all root causes, +1 all militarization.
    Points are coloured by the side they fall on.

    Parameters
    ----------
    group_stance : DataFrame
        One row per group with columns ``group`` (str, or datetime for time bins), ``stance``
        (mean stance, -1 to 1), ``ci_low`` and ``ci_high`` (95 % interval; NaN draws no bar) and
        ``n`` (passages). Text groups are sorted by stance (most militarized on top); datetime
        groups chronologically (earliest on top) and labelled as dates.
    group_label : str
        Name of the groups for the axis label and title ("Outlet", "Month", ...).
    width : {"single", "double"}
    ax : Axes, optional
    """
    require_columns(group_stance, ["group", "stance", "ci_low", "ci_high", "n"], name="group_stance")
    stance = pd.to_numeric(group_stance["stance"], errors="coerce")
    if stance.isna().any() or (stance.abs() > 1 + 1e-9).any():
        raise ValueError("column 'stance' must hold numbers from -1 to 1 (p_militarization - p_root_cause)")
    table = group_stance.assign(stance=stance)
    groups = table["group"]
    if isinstance(groups.dtype, pd.PeriodDtype):
        groups = groups.dt.to_timestamp()
    if pd.api.types.is_datetime64_any_dtype(groups):
        table = table.assign(group=groups).sort_values("group", kind="stable")
        names = date_labels(pd.DatetimeIndex(table["group"]))
    else:
        table = table.sort_values("stance", ascending=False, kind="stable")
        names = [str(g) for g in table["group"]]
    labels = [_with_count(wrap_label(name), n) for name, n in zip(names, table["n"])]
    values = table["stance"].to_numpy(float)
    low = np.clip(values - table["ci_low"].to_numpy(float), 0, None)
    high = np.clip(table["ci_high"].to_numpy(float) - values, 0, None)
    sides = np.where(values > 0, "militarization", np.where(values < 0, "root_cause", "neither"))
    own = ax is None
    with figure_style():
        fig, ax = new_axes(ax, width=width, height=rows_height(labels, extra=1.3))
        y = row_positions(ax, labels)
        ax.axvline(0, color="#444444", linewidth=0.7, linestyle="--", zorder=1)
        ax.errorbar(values, y, xerr=np.vstack([low, high]), fmt="none", ecolor="#555555", elinewidth=0.9,
                    capsize=2, zorder=2)
        ax.scatter(values, y, s=22, c=[FRAME_COLORS[s] for s in sides], edgecolors="white", linewidths=0.5,
                   zorder=3)
        ax.set_xlim(-1.05, 1.05)
        ax.set_xticks([-1, -0.5, 0, 0.5, 1])
        ax.set_yticks(y, labels=labels)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.grid(axis="y", color="#EEEEEE", linewidth=0.5)
        ax.set(xlabel="Mean stance (−1 to +1)", ylabel=group_label)
        diverging_title(ax, f"Framing stance by {group_label.lower()}", own_figure=own)
        add_note(ax, "Stance of a passage: P(militarization) − P(root causes). Points: mean; bars: 95% "
                     "confidence interval.", own_figure=own)
        return finish(fig)


def plot_topic_frame_heatmap(topic_frame: pd.DataFrame, *, width: Width = "single",
                             ax: Axes | None = None) -> Figure:
    """Share of each topic's passages in each frame, as an annotated heatmap (topics x frames).

    Parameters
    ----------
    topic_frame : DataFrame
        One row per (topic, frame) with columns ``label`` (topic label), ``frame`` (one of
        :data:`~analysis._frames.FRAMES`) and ``share`` (fraction of the topic's passages, 0-1);
        ``n`` (passages of the topic in that frame) is optional and adds the topic's total to
        its label. Topics are sorted by militarization minus root-cause share; outliers last.
    width : {"single", "double"}
    ax : Axes, optional
    """
    require_columns(topic_frame, ["label", "frame", "share"], name="topic_frame")
    unknown = sorted(set(topic_frame["frame"].astype(str)) - set(FRAMES))
    if unknown:
        raise ValueError(f"column 'frame' holds unknown frames {unknown}; expected {list(FRAMES)}")
    check_unit_interval(topic_frame["share"], name="share")
    table = topic_frame.assign(label=topic_frame["label"].astype(str).where(
        ~topic_frame["label"].map(is_outlier_label), OUTLIER_LABEL))
    shares = table.pivot_table(index="label", columns="frame", values="share", aggfunc="sum", fill_value=0.0)
    shares = shares.reindex(columns=list(FRAMES), fill_value=0.0)
    balance = shares["militarization"] - shares["root_cause"]
    order = sorted(shares.index, key=lambda label: (label == OUTLIER_LABEL, -balance[label]))
    shares = shares.loc[order]
    many = len(order) > MANY_HEATMAP_ROWS  # one line per topic, so the figure fits a page
    labels = [wrap_label(label, 40, max_lines=1) if many else wrap_label(label) for label in order]
    if "n" in table:
        totals = table.groupby("label")["n"].sum()
        labels = [f"{text} (n = {int(totals[label]):,})" if many else _with_count(text, totals[label])
                  for text, label in zip(labels, order)]
    values = shares.to_numpy(float)
    texts = [[f"{v:.0%}" for v in row] for row in values]
    own = ax is None
    with figure_style():
        row = 0.2 if many else max(0.3, max(n_lines(label) for label in labels) * LINE_HEIGHT + 0.1)
        fig, ax = new_axes(ax, width=width, height=max(2.2, len(labels) * row + 1.3))
        annotated_heatmap(ax, values, texts, xlabels=[FRAME_NAMES[f] for f in FRAMES], ylabels=labels,
                           colorbar_label="Share of the topic's passages (%)")
        label_axes(ax, title="Frames by topic", xlabel="Frame", ylabel="Topic", own_figure=own)
        return finish(fig)


#: Above this many topics the heatmap gives each topic one line (labels cut with "…").
MANY_HEATMAP_ROWS = 20


def plot_confusion_matrix(confusion: pd.DataFrame, *, width: Width = "single", ax: Axes | None = None) -> Figure:
    """Classifier against human coding: counts and row percentages, frames in FRAMES order.

    Parameters
    ----------
    confusion : DataFrame
        One row per (true, predicted) cell with columns ``true`` (human frame), ``predicted``
        (classifier frame), both from :data:`~analysis._frames.FRAMES`, and ``count`` (passages).
        Missing cells count as 0. Colours show the share of the human-coded row.
    width : {"single", "double"}
    ax : Axes, optional
    """
    require_columns(confusion, ["true", "predicted", "count"], name="confusion")
    unknown = sorted((set(confusion["true"].astype(str)) | set(confusion["predicted"].astype(str))) - set(FRAMES))
    if unknown:
        raise ValueError(f"confusion holds unknown frames {unknown}; expected {list(FRAMES)}")
    counts = (confusion.pivot_table(index="true", columns="predicted", values="count", aggfunc="sum", fill_value=0)
              .reindex(index=list(FRAMES), columns=list(FRAMES), fill_value=0).to_numpy(float))
    row_totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        row_shares = np.where(row_totals > 0, counts / row_totals, np.nan)
    texts = [[f"{int(c):,}\n{s:.0%}" if np.isfinite(s) else f"{int(c):,}\n–" for c, s in zip(crow, srow)]
             for crow, srow in zip(counts, row_shares)]
    names = [FRAME_NAMES[f] for f in FRAMES]
    own = ax is None
    with figure_style():
        fig, ax = new_axes(ax, width=width, height=3.1 if width == "single" else 4.2)
        ax.set_aspect("equal")
        annotated_heatmap(ax, row_shares, texts, xlabels=names, ylabels=names, colorbar_label=None)
        label_axes(ax, title="Classifier against human coding", xlabel="Classifier", ylabel="Human coding",
                   own_figure=own)
        add_note(ax, f"n = {int(counts.sum()):,} passages. Each cell: count and percentage of its row "
                     "(shading follows the percentage).", own_figure=own)
        return finish(fig)
