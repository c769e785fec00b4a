"""Framing figures: frame shares per article, stance per group, topic x frame, confusion matrix.

Their inputs are the tidy tables of :mod:`analysis.report.tables`, with the same column names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..framing.frames import FRAME_NAMES, FRAMES
from .drawing import annotated_heatmap
from .style import (
    BAR_HEIGHT,
    FRAME_COLORS,
    LINE_HEIGHT,
    OUTLIER_LABEL,
    TITLE_LINES,
    Width,
    add_legend,
    add_note,
    check_unit_interval,
    date_labels,
    diverging_title,
    figure_style,
    finish,
    is_outlier_label,
    label_axes,
    legend_height,
    n_lines,
    new_axes,
    require_columns,
    row_positions,
    rows_height,
    titles_or_ids,
    wrap_label,
)

__all__ = ["plot_frame_shares", "plot_stance_by_group", "plot_topic_frame_heatmap", "plot_confusion_matrix", "MANY_HEATMAP_ROWS"]

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
    names = titles_or_ids(table["title"], table["article_id"])
    labels = [wrap_label(n, max_lines=TITLE_LINES) for n in names]
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


def _with_count(label: str, n: float, n_articles: float | None = None) -> str:
    """A wrapped label followed by its count: "(1,234 passages)", or "(12 articles, 345 passages)".

    The count goes on the label's last line when that stays short, else on a line of its own.
    """
    passages = f"{int(n):,} passage{'s' if int(n) != 1 else ''}"
    if n_articles is None or pd.isna(n_articles):
        count = f"({passages})"
    else:
        articles = f"{int(n_articles):,} article" + ("s" if int(n_articles) != 1 else "")
        count = f"({articles}, {passages})"
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
        ``n`` (passages); ``n_articles`` (optional) labels each group with its articles and
        passages. Text groups are sorted by stance (most militarized on top); datetime
        groups chronologically (earliest on top) and labelled as dates. A group whose interval
        is NaN is drawn as a point only, and the note says why (one article: no interval).
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
    articles = table["n_articles"] if "n_articles" in table else [None] * len(table)
    labels = [_with_count(wrap_label(name), n, k) for name, n, k in zip(names, table["n"], articles)]
    values = table["stance"].to_numpy(float)
    no_interval = table["ci_low"].isna().to_numpy() | table["ci_high"].isna().to_numpy()
    low = np.nan_to_num(np.clip(values - table["ci_low"].to_numpy(float), 0, None))
    high = np.nan_to_num(np.clip(table["ci_high"].to_numpy(float) - values, 0, None))
    sides = np.where(values > 0, "militarization", np.where(values < 0, "root_cause", "neither"))
    own = ax is None
    with figure_style():
        fig, ax = new_axes(ax, width=width, height=rows_height(labels, extra=1.3))
        y = row_positions(ax, labels)
        ax.axvline(0, color="#444444", linewidth=0.7, linestyle="--", zorder=1)
        ranged = ~no_interval
        ax.errorbar(values[ranged], np.asarray(y)[ranged], xerr=np.vstack([low, high])[:, ranged], fmt="none",
                    ecolor="#555555", elinewidth=0.9, capsize=2, zorder=2)
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
        note = ("Stance of a passage: P(militarization) − P(root causes). Points: mean; bars: 95% "
                "confidence interval.")
        if no_interval.any():
            singles = int(no_interval.sum())
            note += (f" {singles} group{'s have' if singles > 1 else ' has'} no bar: "
                     "one article, and intervals resample articles.")
        add_note(ax, note, own_figure=own)
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
        labels = [f"{text} ({int(totals[label]):,} passages)" if many else _with_count(text, totals[label])
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
    """Classifier against the coders' labels: counts and row percentages, frames in FRAMES order.

    Parameters
    ----------
    confusion : DataFrame
        One row per (true, predicted) cell with columns ``true`` (the coders' frame), ``predicted``
        (classifier frame), both from :data:`~analysis._frames.FRAMES`, and ``count`` (passages).
        Missing cells count as 0. Colours show the share of the coded row.
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
        label_axes(ax, title="Classifier against the coders' labels", xlabel="Classifier", ylabel="Coders' label",
                   own_figure=own)
        add_note(ax, f"n = {int(counts.sum()):,} passages. Each cell: count and percentage of its row "
                     "(shading follows the percentage).", own_figure=own)
        return finish(fig)
