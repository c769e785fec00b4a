"""Interactive figures for JupyterLab (plotly): the topic map and a passage browser.

They sit next to the static figures in the notebooks; the static exports (PNG, SVG, PDF) stay
matplotlib. Like every figure function they take one tidy table, here one row per passage:

==============  ==========================================================================
column          meaning
==============  ==========================================================================
passage_id      the passage
text            the passage as read (shown on hover, wrapped)
topic_label     its topic's label (or the name given by hand)
x, y            its place on the 2-D map (``passage_topics``); the topic map only
label           its frame (militarization, root_cause, neither)
stance          p_militarization − p_root_cause; the passage browser only
source, date    outlet and date of its article (optional; "(unknown)" / "undated" when missing)
title           its article's title (optional)
==============  ==========================================================================

Hovering a point shows the passage with its topic, frame, outlet and date; the legend hides or
shows topics (map) or frames (browser), and the browser's menu keeps one outlet.
"""

from __future__ import annotations

import textwrap

import pandas as pd

from ..framing.frames import FRAME_NAMES, FRAMES
from .style import FRAME_COLORS, require_columns, topic_colors

__all__ = ["HOVER_CHARS", "HOVER_WIDTH", "plot_passage_browser", "plot_topic_map_interactive"]

#: Passage text shown on hover is cut after this many characters (the map); the browser shows it whole.
HOVER_CHARS = 600


#: Hover text is wrapped at this many characters, at spaces only (a word is broken only when longer than a line).
HOVER_WIDTH = 80
_WRAPPER = textwrap.TextWrapper(HOVER_WIDTH, break_on_hyphens=False)


def _wrap_lines(text: str) -> list[str]:
    """``text`` (words separated by single spaces) cut into lines as ``_WRAPPER.wrap`` cuts it.

    Lines are filled greedily; textwrap itself is used only when a word is longer than a line
    (it then breaks the word), since it is ten times slower and passages are wrapped by thousands.
    """
    if len(text) <= HOVER_WIDTH:
        return [text] if text else []
    words = text.split(" ")
    if max(map(len, words)) > HOVER_WIDTH:
        return _WRAPPER.wrap(text)
    lines, line, used = [], [], -1
    for word in words:
        if used + 1 + len(word) > HOVER_WIDTH:
            lines.append(" ".join(line))
            line, used = [], -1
        line.append(word)
        used += 1 + len(word)
    lines.append(" ".join(line))
    return lines


def _wrapped(text: str, limit: int | None) -> str:
    from html import escape

    text = " ".join(str(text).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + " …"
    return "<br>".join(escape(line) for line in _wrap_lines(text)) or "(empty)"


def _hover(table: pd.DataFrame, limit: int | None) -> list[str]:
    from html import escape

    n = len(table)
    sources = table["source"].fillna("").astype(str).tolist() if "source" in table else [""] * n
    dates = (pd.to_datetime(table["date"], errors="coerce") if "date" in table
             else pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]"))
    days = [f"date: {day}" for day in dates.dt.strftime("%Y-%m-%d").fillna("undated").tolist()]
    titles = table["title"].fillna("").astype(str).tolist() if "title" in table else [""] * n
    frames = table["label"].map(FRAME_NAMES).fillna("(not framed)").tolist() if "label" in table else None
    out = []
    for i, (topic, text) in enumerate(zip(table["topic_label"].tolist(), table["text"].tolist())):
        head = f"<b>{escape(titles[i])}</b><br>" if titles[i] else ""
        meta = [f"topic: {escape(str(topic))}"]
        if frames is not None:
            meta.append(f"frame: {frames[i]}")
        meta += [f"outlet: {escape(sources[i]) or '(unknown)'}", days[i]]
        out.append(f"{head}{' · '.join(meta)}<br><br>{_wrapped(text, limit)}")
    return out


def _scatter(many: bool):
    import plotly.graph_objects as go

    return go.Scattergl if many else go.Scatter


def plot_topic_map_interactive(passages: pd.DataFrame, *, height: int = 600):
    """The passage map with topics as colours; hover a point to read its passage.

    Parameters
    ----------
    passages : DataFrame
        One row per passage with passage_id, text, topic_label, x, y; label (frame), source,
        date and title are shown when present (module docstring).
    height : int, default 600
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        One trace per topic (click a legend entry to hide it).
    """
    import plotly.graph_objects as go

    require_columns(passages, ["passage_id", "text", "topic_label", "x", "y"], name="passages")
    table = passages.reset_index(drop=True)
    colors = topic_colors(table["topic_label"].tolist())
    kind = _scatter(len(table) > 3000)
    fig = go.Figure()
    for label, part in table.groupby("topic_label", sort=False):
        fig.add_trace(kind(x=part["x"], y=part["y"], mode="markers", name=str(label), customdata=part["passage_id"],
                           hovertext=_hover(part, HOVER_CHARS), hoverinfo="text",
                           marker={"size": 6, "color": colors[str(label)], "opacity": 0.75}))
    fig.update_layout(title="Passages by meaning, coloured by topic (hover to read)", height=height,
                      template="simple_white", legend_title_text="Topic", hoverlabel={"align": "left"},
                      xaxis={"visible": False}, yaxis={"visible": False})
    return fig


def plot_passage_browser(passages: pd.DataFrame, *, height: int = 650):
    """Every passage by stance (x) and topic (y), coloured by frame; a menu keeps one outlet.

    Parameters
    ----------
    passages : DataFrame
        One row per passage with passage_id, text, topic_label, label (frame) and stance;
        source, date and title when present (module docstring).
    height : int, default 650

    Returns
    -------
    plotly.graph_objects.Figure
        One trace per (outlet, frame); the outlet menu shows all outlets or one, the legend
        hides or shows a frame. Hover shows the whole passage.
    """
    import numpy as np
    import plotly.graph_objects as go

    require_columns(passages, ["passage_id", "text", "topic_label", "label", "stance"], name="passages")
    table = passages.reset_index(drop=True)
    table = table.assign(source=table["source"].fillna("").replace("", "(unknown)") if "source" in table
                         else "(unknown)")
    topics = list(dict.fromkeys(table["topic_label"].astype(str)))
    rows = {label: i for i, label in enumerate(topics)}
    jitter = np.random.default_rng(0).uniform(-0.3, 0.3, len(table))  # fixed: the same picture every time
    table = table.assign(row=table["topic_label"].astype(str).map(rows) + jitter)
    kind = _scatter(len(table) > 3000)
    outlets = sorted(table["source"].unique())
    fig = go.Figure()
    owners = []
    for outlet in outlets:
        for frame in FRAMES:
            part = table[(table["source"] == outlet) & (table["label"] == frame)]
            if part.empty:
                continue
            fig.add_trace(kind(x=part["stance"], y=part["row"], mode="markers", name=FRAME_NAMES[frame],
                               legendgroup=frame, showlegend=frame not in {fig.data[i].legendgroup for i in range(len(fig.data))},
                               customdata=part["passage_id"], hovertext=_hover(part, None), hoverinfo="text",
                               marker={"size": 7, "color": FRAME_COLORS[frame], "opacity": 0.8}))
            owners.append(outlet)
    buttons = [{"label": "All outlets", "method": "update", "args": [{"visible": [True] * len(owners)}]}]
    buttons += [{"label": outlet, "method": "update", "args": [{"visible": [o == outlet for o in owners]}]}
                for outlet in outlets]
    fig.update_layout(title="Every passage: stance by topic, coloured by frame (hover to read)", height=height,
                      template="simple_white", legend_title_text="Frame", hoverlabel={"align": "left"},
                      xaxis={"title": "Stance: p_militarization − p_root_cause", "range": [-1.05, 1.05]},
                      yaxis={"tickvals": list(range(len(topics))), "ticktext": topics, "title": "Topic"},
                      updatemenus=[{"buttons": buttons, "direction": "down", "x": 1.0, "xanchor": "right",
                                    "y": 1.12, "yanchor": "top"}])
    return fig
