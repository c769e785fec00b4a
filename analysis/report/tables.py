"""The tidy tables the report's figures draw, with the columns the figure functions take.

=================================  =================================================  =====================================
table                              columns                                            drawn by
=================================  =================================================  =====================================
:func:`article_frames`             article_id, title, group, n_passages, n_articles,  :func:`~analysis.figures.plot_frame_shares`
                                   share_<frame>[_low|_high], stance[_low|_high]
:func:`group_stance`               group, n, n_articles, share_<frame>[_low|_high],   :func:`~analysis.figures.plot_stance_by_group`
                                   stance, ci_low, ci_high
:func:`period_stance`              as :func:`group_stance`, group = period start      :func:`~analysis.figures.plot_stance_by_group`
:func:`topic_frame_table`          topic, label, frame, n, share                      :func:`~analysis.figures.plot_topic_frame_heatmap`
:func:`topics_over_time`           period, topic, label, count, share                 :func:`~analysis.figures.plot_topic_share_over_time`
:func:`topics_per_class`           class, topic, label, count, share                  (the report's ``topic_by_group`` table)
:func:`evidence_table`             article_id, title, source, date, side,             :func:`~analysis.report.render.evidence_html`
                                   passage_id, label, p_militarization, p_root_cause,
                                   stance, evidence, text
:func:`frame_shares`               group, n_passages, n_articles,                     (the others are built from it)
                                   share_<frame>[_low|_high], stance[_low|_high]
=================================  =================================================  =====================================

``<frame>`` is each of :data:`~analysis.framing.FRAMES`. Confidence intervals are percentile
bootstrap 95% intervals. Within one article, passages are resampled. Above the article (outlet,
country, period) whole articles are resampled (a cluster bootstrap), because passages of one
article are not independent of each other.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..framing.frames import FRAMES
from ..topics.shares import period_frequency, topics_over_time, topics_per_class

__all__ = ["EVIDENCE_COLUMNS", "article_frames", "display_titles", "evidence_table", "first_sentence", "frame_shares", "group_stance", "period_stance", "topic_frame_table",
           "topics_over_time", "topics_per_class"]


def _sorted_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values in groupby's order (sorted) and each row's position among them."""
    codes, uniques = pd.factorize(values, sort=True)
    return np.asarray(uniques, dtype=object), codes


def frame_shares(table: pd.DataFrame, by: str = "article_id", *, n_boot: int = 1000,
                 random_state: int = 0) -> pd.DataFrame:
    """Share of each frame and mean stance per group, with bootstrap 95% CIs.

    Parameters
    ----------
    table : DataFrame
        One row per passage with columns article_id, label, stance and the ``by`` column.
    by : str
        Grouping column: "article_id", "source", "country", "collection", "period", ...
    n_boot : int, default 1000
    random_state : int, default 0

    Returns
    -------
    DataFrame with columns group, n_passages, n_articles, share_<frame>, share_<frame>_low,
    share_<frame>_high for each frame, stance, stance_low, stance_high (sorted by group).
    Above the article level a group with a single article has no interval (NaN): articles are
    what is resampled, and one article cannot vary.
    """
    need = {"article_id", "label", "stance", by}
    missing = sorted(need - set(table.columns))
    if missing:
        raise ValueError(f"frame_shares needs columns {missing}; the table has {list(table.columns)}")
    if table.empty:
        raise ValueError("no passages to summarise")
    rng = np.random.default_rng(random_state)
    kept = table.dropna(subset=[by])
    groups, group_of = _sorted_codes(kept[by])
    article_of = _sorted_codes(kept["article_id"])[1]
    labels = kept["label"].to_numpy(dtype=object)
    passage_values = np.column_stack([*((labels == f).astype(float) for f in FRAMES),
                                      kept["stance"].to_numpy(float), np.ones(len(kept))])
    order = np.argsort(group_of, kind="stable")  # each group's passages, in table order
    bounds = np.searchsorted(group_of[order], np.arange(len(groups) + 1))
    rows = []
    for g, group in enumerate(groups):
        rows_of = order[bounds[g]:bounds[g + 1]]
        values = passage_values[rows_of]
        ids, inverse = np.unique(article_of[rows_of], return_inverse=True)  # the group's articles, sorted by id
        if by != "article_id":  # cluster bootstrap over articles: sum passages per article first
            summed = np.zeros((len(ids), values.shape[1]))
            np.add.at(summed, inverse, values)
            values = summed
        idx = rng.integers(0, len(values), (n_boot, len(values)))
        sums = values[idx].sum(axis=1)  # (n_boot, n_frames + 2)
        boot = sums[:, :-1] / sums[:, -1:]
        low, high = np.percentile(boot, [2.5, 97.5], axis=0)
        point = values.sum(axis=0)
        row = {"group": group, "n_passages": int(point[-1]), "n_articles": len(ids)}
        for i, frame in enumerate(FRAMES):
            row[f"share_{frame}"] = point[i] / point[-1]
            row[f"share_{frame}_low"], row[f"share_{frame}_high"] = float(low[i]), float(high[i])
        row["stance"] = point[len(FRAMES)] / point[-1]
        row["stance_low"], row["stance_high"] = float(low[len(FRAMES)]), float(high[len(FRAMES)])
        if by != "article_id" and len(values) < 2:  # one article: resampling articles cannot vary
            for key in [k for k in row if k.endswith(("_low", "_high"))]:
                row[key] = np.nan
        rows.append(row)
    return pd.DataFrame(rows)


#: The columns of :func:`evidence_table`, in order.
EVIDENCE_COLUMNS = ["article_id", "title", "source", "date", "side", "passage_id", "label", "p_militarization",
                    "p_root_cause", "stance", "evidence", "text"]

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"'“¿¡(]?[A-ZÁÉÍÓÚÑ0-9])")


def first_sentence(text: str, *, max_chars: int = 120) -> str:
    """The first sentence of ``text`` (up to ``max_chars``, cut at a word with "…"), on one line.

    Short lines before it (section headings such as "What's happened") are skipped: the
    sentence comes from the first line of eight words or more, or the first line if none is.
    """
    lines = [" ".join(line.split()) for line in str(text).splitlines() if line.strip()] or [""]
    line = next((line for line in lines if len(line.split()) >= 8), lines[0])
    sentence = _SENTENCE_END.split(line, maxsplit=1)[0]
    if len(sentence) <= max_chars:
        return sentence
    return sentence[: max_chars - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def display_titles(passage_frames: pd.DataFrame) -> pd.Series:
    """Each article's title, or the first sentence of its first passage when it has none.

    Returns a Series indexed by article_id. ``passage_frames`` has columns article_id, text and
    title (optional), and ``order`` (the passage's place in its article) when known.
    """
    ordered = passage_frames.sort_values(["article_id", "order"]) if "order" in passage_frames else passage_frames
    first = ordered.drop_duplicates("article_id").set_index("article_id")
    titles = first["title"].fillna("").astype(str).str.strip() if "title" in first else pd.Series("", first.index)
    fallback = first["text"].map(first_sentence)
    return titles.where(titles != "", fallback)


def evidence_table(table: pd.DataFrame) -> pd.DataFrame:
    """Each article's most militarized and most root-cause passage, in full, for reading.

    Parameters
    ----------
    table : DataFrame
        One row per passage: article_id, passage_id, text, label, stance, p_militarization,
        p_root_cause, evidence; title, source and date when known (a missing title becomes the
        first sentence of the article, :func:`display_titles`).

    Returns
    -------
    DataFrame with the columns :data:`EVIDENCE_COLUMNS`: side is "most militarized" (the passage
    with the highest p_militarization) or "most root-cause" (highest p_root_cause); text is the
    whole passage; evidence the codebook indicator phrases found in it.
    """
    titles = display_titles(table)
    if table.empty:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    sides = []
    for rank, (side, column) in enumerate((("most militarized", "p_militarization"), ("most root-cause", "p_root_cause"))):
        best = table.loc[table.groupby("article_id", sort=True)[column].idxmax()]  # the first passage at the maximum
        sides.append(pd.DataFrame({
            "article_id": best["article_id"].to_numpy(), "title": best["article_id"].map(titles).fillna("").to_numpy(),
            "source": best["source"].to_numpy() if "source" in best else "",
            "date": best["date"].to_numpy() if "date" in best else pd.NaT, "side": side,
            "passage_id": best["passage_id"].to_numpy(), "label": best["label"].to_numpy(),
            "p_militarization": best["p_militarization"].to_numpy(float),
            "p_root_cause": best["p_root_cause"].to_numpy(float), "stance": best["stance"].to_numpy(float),
            "evidence": best["evidence"].to_numpy(), "text": best["text"].to_numpy(), "_rank": rank}))
    out = pd.concat(sides, ignore_index=True).sort_values(["article_id", "_rank"], kind="stable")
    return out.drop(columns="_rank").reset_index(drop=True)[EVIDENCE_COLUMNS]


def topic_frame_table(table: pd.DataFrame) -> pd.DataFrame:
    """Share of each frame within each topic: columns topic, label, frame, n, share.

    ``table`` has one row per passage with columns topic, topic_label and label (the frame).
    """
    counts = table.groupby(["topic", "topic_label", "label"]).size().rename("n").reset_index()
    full = pd.MultiIndex.from_product([table[["topic", "topic_label"]].drop_duplicates().itertuples(index=False),
                                       FRAMES]).to_frame(index=False, name=["key", "frame"])
    full["topic"] = [k[0] for k in full["key"]]
    full["topic_label"] = [k[1] for k in full["key"]]
    out = full.drop(columns="key").merge(counts.rename(columns={"label": "frame"}),
                                         on=["topic", "topic_label", "frame"], how="left")
    out["n"] = out["n"].fillna(0).astype(int)
    out["share"] = out["n"] / out.groupby("topic")["n"].transform("sum")
    return out.rename(columns={"topic_label": "label"})[["topic", "label", "frame", "n", "share"]]


def article_frames(passage_frames: pd.DataFrame, *, n_boot: int = 1000, random_state: int = 0) -> pd.DataFrame:
    """Frame shares per article, the table :func:`~analysis.figures.plot_frame_shares` draws.

    Parameters
    ----------
    passage_frames : DataFrame
        One row per passage with columns article_id, title, label, stance.
    n_boot : int, default 1000
    random_state : int, default 0

    Returns
    -------
    DataFrame
        The columns of :func:`frame_shares` by ``article_id``, plus ``article_id`` and ``title``
        ("" when the article has none).
    """
    table = frame_shares(passage_frames, "article_id", n_boot=n_boot, random_state=random_state)
    titles = passage_frames.drop_duplicates("article_id").set_index("article_id")["title"]
    table["article_id"] = table["group"]
    table["title"] = table["article_id"].map(titles).fillna("")
    return table


def group_stance(passage_frames: pd.DataFrame, by: str, *, n_boot: int = 1000, random_state: int = 0) -> pd.DataFrame:
    """Mean stance per group with its 95% CI, the table :func:`~analysis.figures.plot_stance_by_group` draws.

    Parameters
    ----------
    passage_frames : DataFrame
        One row per passage with columns article_id, label, stance and ``by``.
    by : str
        The grouping column ("source", "country", "collection", "language", "period", ...).
    n_boot : int, default 1000
    random_state : int, default 0

    Returns
    -------
    DataFrame with columns group, n (passages), n_articles, share_<frame>, share_<frame>_low,
    share_<frame>_high, stance, ci_low, ci_high (one row per group, sorted).
    """
    shares = frame_shares(passage_frames, by, n_boot=n_boot, random_state=random_state)
    return shares.rename(columns={"stance_low": "ci_low", "stance_high": "ci_high", "n_passages": "n"})


def period_stance(passage_frames: pd.DataFrame, *, freq: str | None = None, n_boot: int = 1000,
                  random_state: int = 0) -> pd.DataFrame:
    """Mean stance per period (month, quarter or year), as :func:`group_stance` with ``group`` = period start.

    Parameters
    ----------
    passage_frames : DataFrame
        One row per passage with columns article_id, date, label, stance; passages without a
        date are left out.
    freq : {"MS", "QS", "YS"}, optional
        The period; default from the date span (:func:`~analysis.topics.period_frequency`).
    n_boot : int, default 1000
    random_state : int, default 0
    """
    dated = passage_frames.dropna(subset=["date"])
    if dated.empty:
        raise ValueError("no passage has a date: there is no stance over time")
    freq = freq or period_frequency(dated["date"])
    dated = dated.assign(period=dated["date"].dt.to_period(freq.rstrip("S")).dt.start_time)
    return group_stance(dated, "period", n_boot=n_boot, random_state=random_state)
