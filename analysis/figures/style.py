"""Helpers of :mod:`analysis.figures`: style, colours, input checks, sizes and labels.

Everything here is about how a figure looks or is laid out; the figure functions themselves live
in :mod:`analysis.figures.corpus`, :mod:`~analysis.figures.topics` and
:mod:`~analysis.figures.framing`, drawing helpers they share in :mod:`analysis.figures.drawing`.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Literal
from weakref import WeakKeyDictionary

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Annotation, Text
from matplotlib.textpath import TextPath
from matplotlib.transforms import Bbox
from matplotlib.ticker import FixedLocator

from ..framing.frames import FRAME_NAMES

Width = Literal["single", "double"]

#: The one style sheet, shipped with the package.
STYLE_PATH = Path(__file__).with_name("analysis.mplstyle")
#: The house font (set in the style sheet too); it ships with matplotlib.
STYLE_FONT = "DejaVu Sans"

#: Figure widths in inches for a one-column and a two-column layout.
WIDTHS: dict[str, float] = {"single": 3.5, "double": 7.0}

#: One colour per frame in every figure (Okabe-Ito, colour-blind safe).
FRAME_COLORS: dict[str, str] = {
    "militarization": "#D55E00",  # vermillion
    "root_cause": "#0072B2",  # blue
    "neither": "#999999",  # grey
}

#: Colour of the outlier topic (BERTopic's topic -1) and of its passages.
OUTLIER_COLOR = "#BBBBBB"
#: Display name of the outlier topic.
OUTLIER_LABEL = "Outliers"

#: Paul Tol's "muted" qualitative palette (colour-blind safe), ordered so neighbours differ.
TOPIC_PALETTE: tuple[str, ...] = (
    "#332288", "#DDCC77", "#117733", "#CC6677", "#88CCEE",
    "#882255", "#44AA99", "#999933", "#AA4499",
)

#: Colour map of heatmaps: one hue (purple, unlike any frame colour), lightness rising with value.
SEQUENTIAL_CMAP = "Purples"

#: Characters per line of a wrapped label.
WRAP_WIDTH = 28
#: Font size of footnotes, in points.
NOTE_SIZE = 6.5
#: Height of one line of tick-label text (7 pt with 1.2 line spacing), in inches.
LINE_HEIGHT = 7 * 1.2 / 72


@contextmanager
def figure_style() -> Iterator[None]:
    """Apply the package style sheet inside a ``with`` block and restore rcParams after it."""
    with mpl.rc_context(fname=str(STYLE_PATH)):
        yield


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------

def require_columns(table: pd.DataFrame, required: Iterable[str], *, name: str) -> None:
    """Raise a ValueError naming the missing columns, the present ones, and empty tables."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(table).__name__}")
    missing = [column for column in required if column not in table.columns]
    if missing:
        present = ", ".join(repr(str(c)) for c in table.columns) or "none"
        raise ValueError(
            f"{name} is missing column(s) {', '.join(repr(c) for c in missing)}; "
            f"it has columns: {present}"
        )
    if table.empty:
        raise ValueError(f"{name} is empty: there is nothing to plot (pass a table with at least one row)")


def check_choice(value: object, allowed: Sequence[object], *, name: str) -> None:
    """Raise a ValueError when ``value`` is not one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}")


def check_unit_interval(values: pd.Series, *, name: str, low: float = 0.0) -> None:
    """Raise a ValueError when values are missing or fall outside [low, 1]."""
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.isna().any():
        raise ValueError(f"column {name!r} holds missing or non-numeric values")
    if ((numbers < low - 1e-9) | (numbers > 1 + 1e-9)).any():
        raise ValueError(f"column {name!r} must lie in [{low:g}, 1]; found {numbers.min():g} to {numbers.max():g}")


# ---------------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------------

class _LabelWrapper(textwrap.TextWrapper):
    """A TextWrapper that may also break after "_", "-" and "/" (BERTopic labels: "0_coca_port")."""

    wordsep_simple_re = re.compile(r"(\s+|(?<=[_/-])(?=[^\s_/-]))")


def wrap_label(text: object, width: int = WRAP_WIDTH, *, max_lines: int | None = None) -> str:
    """Wrap a label onto lines of at most ``width`` characters (optionally at most ``max_lines``).

    Breaks at spaces and after "_", "-" and "/"; words longer than a line are split. With
    ``max_lines``, the last line ends with "…" when text was cut.
    """
    wrapper = _LabelWrapper(
        width=width, break_on_hyphens=False, max_lines=max_lines, placeholder=" …"
    )
    lines = wrapper.wrap(" ".join(str(text).split()))
    return "\n".join(lines) if lines else ""


def is_outlier_label(label: object) -> bool:
    """True for the outlier topic's label ("Outliers", "-1" or BERTopic's "-1_...")."""
    text = str(label).strip()
    return text == OUTLIER_LABEL or text == "-1" or text.startswith("-1_")


def topic_display_labels(topics: pd.Series, labels: pd.Series) -> pd.Series:
    """The labels to show: topic -1 becomes "Outliers", missing labels become "Topic <n>"."""
    shown = labels.astype("string").fillna("").str.strip()
    shown = shown.where(shown != "", "Topic " + topics.astype(str))
    return shown.where(topics.astype(str) != "-1", OUTLIER_LABEL).astype(str)


def topic_colors(labels: Iterable[object]) -> dict[str, str]:
    """Colour-blind-safe colours for topic labels, assigned in the order given.

    The outlier topic is grey. After nine topics the palette repeats; figures always print the
    topic labels, so no topic is identified by colour alone.
    """
    colors: dict[str, str] = {}
    n_topics = 0
    for label in labels:
        key = str(label)
        if key in colors:
            continue
        if is_outlier_label(key):
            colors[key] = OUTLIER_COLOR
        else:
            colors[key] = TOPIC_PALETTE[n_topics % len(TOPIC_PALETTE)]
            n_topics += 1
    return colors


def resolve_topic_colors(labels: Sequence[str], colors: Mapping[str, str] | None) -> dict[str, str]:
    """Colours for ``labels``: from ``colors`` when given, else :func:`topic_colors`.

    Outliers are always grey; every other label needs a colour in ``colors``.
    """
    if colors is None:
        return topic_colors(labels)
    missing = [label for label in labels if label not in colors and not is_outlier_label(label)]
    if missing:
        raise ValueError(f"colors has no colour for topic label(s) {', '.join(map(repr, missing[:5]))}")
    return {label: OUTLIER_COLOR if is_outlier_label(label) else to_hex(colors[label]) for label in labels}


def text_color_on(fill: object) -> str:
    """Dark or white text, whichever is more readable on the fill colour (WCAG luminance)."""
    channels = np.array(to_rgb(fill))
    linear = np.where(channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)
    luminance = float(linear @ np.array([0.2126, 0.7152, 0.0722]))
    return "#222222" if luminance > 0.30 else "white"


def n_lines(text: str) -> int:
    return text.count("\n") + 1


# ---------------------------------------------------------------------------------------------
# Figures, sizes, legends and notes
# ---------------------------------------------------------------------------------------------

def row_heights(labels: Sequence[str]) -> np.ndarray:
    """Height in inches of the row of each label: as tall as its wrapped text needs, at least 0.2."""
    return np.array([max(0.2, n_lines(label) * LINE_HEIGHT + 0.07) for label in labels])


def rows_height(labels: Sequence[str], *, extra: float = 1.0, minimum: float = 1.8) -> float:
    """Figure height (in) for one row per label plus ``extra`` for titles and axes."""
    return max(minimum, float(row_heights(labels).sum()) + extra)


def row_positions(ax: Axes, labels: Sequence[str]) -> np.ndarray:
    """y centres of label rows, first label on top, rows as tall as their labels; sets y limits.

    The y data unit is the inch of :func:`row_heights`, so a 5-line label gets the room of five
    lines and bars of a fixed data height look the same in every row.
    """
    heights = row_heights(labels)
    tops = heights.sum() - np.concatenate([[0.0], np.cumsum(heights)[:-1]])
    ax.set_ylim(0.0, heights.sum())
    return tops - heights / 2


#: Bar thickness in the y units of :func:`row_positions` (inches).
BAR_HEIGHT = 0.14


def new_axes(ax: Axes | None, *, width: Width, height: float) -> tuple[Figure, Axes]:
    """Return (figure, axes): ``ax`` and its figure, or a new figure of the given size.

    New figures are not registered with pyplot (no global state, no double display in notebooks);
    they carry an Agg canvas so they can be drawn, measured and saved.
    """
    check_choice(width, tuple(WIDTHS), name="width")
    if ax is not None:
        if not isinstance(ax, Axes):
            raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
        return ax.get_figure(root=True), ax
    fig = Figure(figsize=(WIDTHS[width], height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


#: Where each axes drawn by this package starts before layout (see :func:`restart_layout`).
_LAYOUT_START: WeakKeyDictionary[Axes, Bbox] = WeakKeyDictionary()


def finish(fig: Figure) -> Figure:
    """End a figure function: create ticks while the style applies and note where axes start.

    Ticks made later copy the first tick's style, so later draws keep the house style.
    """
    for axes in fig.get_axes():
        for axis in (axes.xaxis, axes.yaxis):
            axis.get_major_ticks()
            axis.get_minor_ticks()
        _LAYOUT_START.setdefault(axes, axes.get_position(original=True).frozen())
    return fig


def restart_layout(fig: Figure) -> None:
    """Put every axes back where it started before layout, so the next draw gives the same result.

    Constrained layout starts from the current axes positions and moves them by a little at every
    draw; restarting from the same place makes two saves of one figure byte-identical.
    """
    for axes in fig.get_axes():
        start = _LAYOUT_START.get(axes)
        if start is None and axes.get_subplotspec() is not None:
            start = axes.get_subplotspec().get_position(axes.get_figure(root=False))
        if start is not None:
            in_layout = axes.get_in_layout()
            axes.set_position(start)
            axes.set_in_layout(in_layout)  # set_position takes the axes out of the layout


def text_width(text: str, fontsize: float) -> float:
    """Width in inches of the longest line of ``text`` in the house font at ``fontsize``."""
    return max(_line_width(line, float(fontsize)) for line in str(text).split("\n")) / 72


@lru_cache(maxsize=8192)
def _line_width(line: str, fontsize: float) -> float:
    """Width in points of one line (glyph outlines are slow to build: each line is measured once)."""
    if not line.strip():  # a blank line has no glyphs to measure (and TextPath fails on it): it is zero wide
        return 0.0
    return TextPath((0, 0), line, size=fontsize, prop=FontProperties(family=STYLE_FONT)).get_extents().width


def legend_columns(labels: Sequence[str], available: float) -> int:
    """The most legend columns (filled column by column) whose width fits in ``available`` inches."""
    entry = [1.05 * text_width(label, 7) + (1.4 + 0.8 + 2.0) * 7 / 72 for label in labels]  # text, handle, gaps
    for ncols in range(len(labels), 1, -1):
        sizes = column_sizes(len(labels), ncols)
        starts = np.cumsum([0, *sizes])
        if sum(max(entry[a:b]) for a, b in zip(starts[:-1], starts[1:])) + 0.1 <= available:
            return ncols
    return 1


def column_sizes(n_entries: int, ncols: int) -> list[int]:
    """Entries per legend column, as matplotlib fills them (the first columns take the extra)."""
    rows, extra = divmod(n_entries, ncols)
    return [rows + 1] * extra + [rows] * (ncols - extra) if rows else [1] * n_entries


def legend_height(labels: Sequence[str], *, width: Width, title: bool = False) -> float:
    """Height (in) of the legend :func:`add_legend` puts under a new figure of this width."""
    ncols = legend_columns(labels, WIDTHS[width] - 0.3)
    sizes = column_sizes(len(labels), ncols)
    starts = np.cumsum([0, *sizes])
    columns = [labels[a:b] for a, b in zip(starts[:-1], starts[1:])]
    entries = max(sum(n_lines(label) * LINE_HEIGHT + 0.05 for label in column) for column in columns)
    return entries + 0.1 + (LINE_HEIGHT + 0.05 if title else 0.0)


def add_legend(ax: Axes, handles: list, labels: Sequence[str], *, own_figure: bool, title: str | None = None):
    """A legend below the plot on figures we made, to the right of ``ax`` on the caller's figure."""
    fig = ax.get_figure(root=True)
    if own_figure:
        ncols = legend_columns(labels, fig.get_figwidth() - 0.3)
        return fig.legend(handles, labels, loc="outside lower center", ncols=ncols, title=title)
    return ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), title=title)


def chars_per_line(inches: float, fontsize: float = 7.0) -> int:
    """About how many characters of the house font at ``fontsize`` fit on ``inches``."""
    return max(12, int(inches * 72 / (fontsize * 0.6)))


def wrap_to_width(text: str, inches: float, fontsize: float) -> str:
    """Wrap ``text`` so that no line is wider than ``inches`` at ``fontsize``."""
    for chars in range(chars_per_line(inches, fontsize) + 10, 11, -1):
        wrapped = wrap_label(text, chars)
        if text_width(wrapped, fontsize) <= inches:
            return wrapped
    return wrap_label(text, 12)


def add_note(ax: Axes, text: str, *, own_figure: bool) -> Annotation:
    """A footnote in small grey type under the x-axis label, left-aligned with the axes.

    On a figure we made, the figure grows by the note's height, the note is wrapped to the width
    the laid-out axes has and constrained layout keeps room for it. On the caller's figure it is
    wrapped to the axes' current width and left out of the layout (the caller owns that space).
    """
    fig = ax.get_figure(root=True)
    if own_figure:
        guess = wrap_to_width(text, fig.get_figwidth() - 1.2, NOTE_SIZE)
        fig.set_figheight(fig.get_figheight() + n_lines(guess) * NOTE_SIZE * 1.25 / 72 + 0.04)
        fig.draw_without_rendering()
    box = ax.get_window_extent()
    # no wider than the axes, nor than the canvas right of the axes' left edge (with a margin, as
    # the layout may still shift the axes a little when it makes room for the note)
    width = min(box.width, fig.bbox.width - box.x0 - 0.15 * fig.dpi) / fig.dpi
    note = ax.annotate(wrap_to_width(text, width, NOTE_SIZE), xy=(0.0, 0.0),
                       xycoords=("axes fraction", ax.xaxis.label), xytext=(0, -3), textcoords="offset points",
                       ha="left", va="top", fontsize=NOTE_SIZE, color="#555555", annotation_clip=False)
    note.set_in_layout(own_figure)
    return note


def texts_outside_figure(fig: Figure, tolerance: float = 1.0, *, drawn: bool = False) -> list[str]:
    """Draw the figure and return the texts whose extent leaves the canvas (by > tolerance px).

    ``drawn=True`` skips the draw: the figure was just drawn (as it is laid out) by the caller.
    """
    if not drawn:
        fig.draw_without_rendering()
    hidden: set[int] = set()
    for axes in fig.get_axes():
        for axis in (axes.xaxis, axes.yaxis):
            low, high = sorted(axis.get_view_interval())
            pad = (high - low) * 1e-6
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                loc = tick.get_loc()
                if not axes.axison or loc is None or not low - pad <= loc <= high + pad:
                    hidden.update((id(tick.label1), id(tick.label2)))
    box = fig.bbox
    outside = []
    for text in fig.findobj(Text):
        if id(text) in hidden or not text.get_visible() or not text.get_text().strip():
            continue
        extent = text.get_window_extent()
        if (extent.x0 < box.x0 - tolerance or extent.y0 < box.y0 - tolerance
                or extent.x1 > box.x1 + tolerance or extent.y1 > box.y1 + tolerance):
            outside.append(text.get_text())
    return outside


# ---------------------------------------------------------------------------------------------
# Drawing parts shared by several figures
# ---------------------------------------------------------------------------------------------

def period_name(freq: str) -> str:
    """"month" for "MS", "2 weeks" for "2W", ... (used in axis labels)."""
    digits = "".join(ch for ch in freq if ch.isdigit())
    letter = freq.lstrip("0123456789")[:1].upper()
    name = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year", "A": "year"}.get(letter, "period")
    return f"{digits} {name}s" if digits and digits != "1" else name


def date_labels(dates: pd.DatetimeIndex) -> list[str]:
    """Short labels for period starts: "2024" for years, "Mar 2024" for months, else ISO dates."""
    if (dates.month == 1).all() and (dates.day == 1).all():
        return [f"{d:%Y}" for d in dates]
    if (dates.day == 1).all():
        return [f"{d:%b %Y}" for d in dates]
    return [f"{d:%Y-%m-%d}" for d in dates]


def period_axis(ax: Axes, periods: pd.DatetimeIndex) -> None:
    """Label the x axis at period starts ("Mar 2026", "2024", ...), thinned so the labels never touch."""
    labels = date_labels(periods)
    axes_width = ax.get_position().width * ax.get_figure(root=True).get_figwidth()
    fits = max(1, int(axes_width // (max(text_width(label, 7) for label in labels) + 0.15)))
    step = math.ceil(len(periods) / fits)
    ax.set_xticks(periods[::step], labels=labels[::step])
    if step > 1 and len(periods) <= 60:  # a small tick for each unlabelled period
        ax.xaxis.set_minor_locator(FixedLocator(mdates.date2num(periods)))
        ax.tick_params(axis="x", which="minor", length=1.5)


def label_axes(ax: Axes, *, title: str, xlabel: str, ylabel: str, own_figure: bool) -> None:
    """Set the title and axis labels.

    On a figure we made the title is the figure's (left-aligned over the whole width), so a long
    title never depends on how much room the tick labels leave the axes.
    """
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if own_figure:
        ax.get_figure(root=True).suptitle(title, x=0.02, ha="left")
    else:
        ax.set_title(title)


def diverging_title(ax: Axes, title: str, *, own_figure: bool) -> None:
    """Title a -1..+1 axis and name its ends over the plot: root causes left, militarization right."""
    ends = {"left": ("root_cause", f"← {FRAME_NAMES['root_cause']}"),
            "right": ("militarization", f"{FRAME_NAMES['militarization']} →")}
    for loc, (frame, text) in ends.items():
        ax.set_title(text, loc=loc, color=FRAME_COLORS[frame], fontsize=6.5, pad=3)
    if own_figure:
        ax.get_figure(root=True).suptitle(title, x=0.02, ha="left")
    else:
        ax.set_title(title, loc="center", pad=14)


#: Colour of bars that encode a count, not a frame or a topic.
NEUTRAL_COLOR = "#4C5B6B"
#: Article titles are wrapped to at most this many lines.
TITLE_LINES = 3


def titles_or_ids(titles: pd.Series, ids: pd.Series) -> list[str]:
    """Each article's title, or its id when the title is missing or blank."""
    return [str(t).strip() if pd.notna(t) and str(t).strip() else str(i) for t, i in zip(titles, ids)]
