"""Corpus figures: articles over time, passages per article (from the ``articles`` table)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .drawing import labelled_barh
from .style import (
    NEUTRAL_COLOR,
    TITLE_LINES,
    Width,
    add_legend,
    add_note,
    date_labels,
    figure_style,
    finish,
    label_axes,
    legend_height,
    new_axes,
    period_axis,
    period_name,
    require_columns,
    rows_height,
    titles_or_ids,
    topic_colors,
    wrap_label,
)

__all__ = ["plot_articles_over_time", "plot_passages_per_article"]

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
            names = titles_or_ids(titles, table["article_id"])
            labels = [wrap_label(n, max_lines=TITLE_LINES) for n in names]
            fig, ax = new_axes(ax, width=width, height=rows_height(labels, extra=0.9))
            values = table["n_passages"].to_numpy()
            labelled_barh(ax, labels, values, NEUTRAL_COLOR, [f"{v:,}" for v in values])
            label_axes(ax, title="Passages per article", xlabel="Passages (count)", ylabel="Article",
                       own_figure=own)
        else:
            fig, ax = new_axes(ax, width=width, height=2.4 if width == "single" else 2.8)
            values = table["n_passages"].to_numpy()
            low, high = int(values.min()), int(values.max())
            bins = np.arange(low, high + 2) - 0.5 if high - low <= 60 else "auto"
            ax.hist(values, bins=bins, color=NEUTRAL_COLOR, edgecolor="white", linewidth=0.4)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            label_axes(ax, title=f"Passages per article ({len(values):,} articles)",
                       xlabel="Passages per article (count)", ylabel="Articles (count)", own_figure=own)
            add_note(ax, f"Median {np.median(values):g} passages per article.", own_figure=own)
        return finish(fig)
