"""Framing summaries with uncertainty: shares and mean stance per article, outlet, country or period.

Confidence intervals are percentile bootstrap 95% intervals. Within one article, passages are
resampled. Above the article (outlet, country, period) whole articles are resampled (a cluster
bootstrap), because passages of one article are not independent of each other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..framing.frames import FRAMES


def _ci(samples: np.ndarray) -> tuple[float, float]:
    return float(np.percentile(samples, 2.5)), float(np.percentile(samples, 97.5))


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
    """
    need = {"article_id", "label", "stance", by}
    missing = sorted(need - set(table.columns))
    if missing:
        raise ValueError(f"frame_shares needs columns {missing}; the table has {list(table.columns)}")
    if table.empty:
        raise ValueError("no passages to summarise")
    rng = np.random.default_rng(random_state)
    rows = []
    for group, part in table.dropna(subset=[by]).groupby(by, sort=True):
        onehot = np.column_stack([(part["label"] == f).to_numpy(float) for f in FRAMES])
        values = np.column_stack([onehot, part["stance"].to_numpy(float), np.ones(len(part))])
        if by != "article_id":  # cluster bootstrap over articles: sum passages per article first
            values = pd.DataFrame(values).groupby(part["article_id"].to_numpy()).sum().to_numpy()
        idx = rng.integers(0, len(values), (n_boot, len(values)))
        sums = values[idx].sum(axis=1)  # (n_boot, n_frames + 2)
        boot = sums[:, :-1] / sums[:, -1:]
        point = values.sum(axis=0)
        row = {"group": group, "n_passages": int(point[-1]), "n_articles": int(part["article_id"].nunique())}
        for i, frame in enumerate(FRAMES):
            row[f"share_{frame}"] = point[i] / point[-1]
            row[f"share_{frame}_low"], row[f"share_{frame}_high"] = _ci(boot[:, i])
        row["stance"] = point[len(FRAMES)] / point[-1]
        row["stance_low"], row["stance_high"] = _ci(boot[:, len(FRAMES)])
        rows.append(row)
    return pd.DataFrame(rows)


def evidence_table(table: pd.DataFrame, *, max_chars: int = 400) -> pd.DataFrame:
    """Each article's most militarized and most root-cause passage, for reading.

    Parameters
    ----------
    table : DataFrame
        One row per passage: article_id, title, passage_id, text, label, stance,
        p_militarization, p_root_cause, evidence.

    Returns
    -------
    DataFrame with columns article_id, title, side ("most militarized" or "most root-cause"),
    passage_id, label, p, stance, evidence, text (shortened to ``max_chars``).
    """
    rows = []
    for article_id, part in table.groupby("article_id", sort=True):
        for side, column in (("most militarized", "p_militarization"), ("most root-cause", "p_root_cause")):
            best = part.loc[part[column].idxmax()]
            text = best["text"] if len(best["text"]) <= max_chars else best["text"][: max_chars - 1].rstrip() + "…"
            rows.append({"article_id": article_id, "title": best.get("title", ""), "side": side,
                         "passage_id": best["passage_id"], "label": best["label"], "p": float(best[column]),
                         "stance": float(best["stance"]), "evidence": best["evidence"], "text": text})
    return pd.DataFrame(rows)


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
