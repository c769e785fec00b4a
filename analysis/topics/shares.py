"""Topic counts and shares over time and per class, from tidy passage-topic tables."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import pandas as pd

from .base import TopicModelWarning

__all__ = ["period_frequency", "topics_over_time", "topics_per_class"]


def _aligned(passage_topics: pd.DataFrame, values, name: str, what: str) -> pd.DataFrame:
    missing = {"topic", "label"} - set(passage_topics.columns)
    if missing:
        raise ValueError(f"passage_topics lacks column(s) {sorted(missing)}; use TopicModel.passage_topics()")
    values = pd.Series(values).reset_index(drop=True)
    if len(values) != len(passage_topics):
        raise ValueError(f"{what} has {len(values)} entries but passage_topics has {len(passage_topics)} rows")
    table = passage_topics[["topic", "label"]].reset_index(drop=True).assign(**{name: values})
    dropped = int(table[name].isna().sum())
    if dropped:
        warnings.warn(f"{dropped} passage(s) without {what} were left out", TopicModelWarning, stacklevel=3)
    return table.dropna(subset=[name])


def _shares(table: pd.DataFrame, key: str) -> pd.DataFrame:
    labels = table.drop_duplicates("topic").set_index("topic")["label"]
    counts = table.groupby([key, "topic"], observed=True).size().unstack("topic", fill_value=0)
    counts = counts.loc[counts.sum(axis=1) > 0]
    long = counts.stack().rename("count").reset_index()
    long["share"] = long["count"] / long.groupby(key)["count"].transform("sum")
    long["label"] = long["topic"].map(labels)
    return long[[key, "topic", "label", "count", "share"]].astype({"topic": int, "count": int})


def period_frequency(dates: pd.Series) -> str:
    """Time bins for a date span: ``"MS"`` (months) up to two years, ``"QS"`` up to eight, else ``"YS"``."""
    span_days = (dates.max() - dates.min()).days
    return "MS" if span_days <= 2 * 366 else "QS" if span_days <= 8 * 366 else "YS"


def topics_over_time(
    passage_topics: pd.DataFrame, dates: Sequence | pd.Series, freq: str | None = None
) -> pd.DataFrame:
    """Topic counts and shares per time bin.

    Parameters
    ----------
    passage_topics : DataFrame with columns topic, label (e.g. ``TopicModel.passage_topics()``)
    dates : Series or array-like of datetimes, aligned by position with ``passage_topics``
        The article date of each passage; missing dates are left out with a warning.
    freq : str or None
        A pandas offset alias ("MS", "QS", "YS", "W", ...). ``None`` chooses from the date span:
        "MS" up to two years, "QS" up to eight, "YS" beyond. A date's bin starts at the date
        rolled back to the offset ("MS": first of its month).

    Returns
    -------
    DataFrame with columns period (bin start), topic, label, count, share
        Every topic appears in every non-empty bin (count 0 when absent); shares sum to 1 per bin.
    """
    table = _aligned(passage_topics, pd.to_datetime(pd.Series(dates), errors="coerce"), "date", "dates")
    if table.empty:
        raise ValueError("no passage has a usable date")
    freq = freq or period_frequency(table["date"])
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except ValueError as err:
        raise ValueError(f"freq={freq!r} is not a pandas offset alias such as 'MS', 'QS' or 'YS'") from err
    table["period"] = table["date"].dt.normalize().map(offset.rollback)  # start of each date's bin
    return _shares(table, "period")


def topics_per_class(passage_topics: pd.DataFrame, classes: Sequence | pd.Series) -> pd.DataFrame:
    """Topic counts and shares per class (outlet, country, collection, frame, ...).

    Parameters
    ----------
    passage_topics : DataFrame with columns topic, label
    classes : Series or array-like, aligned by position with ``passage_topics``

    Returns
    -------
    DataFrame with columns class, topic, label, count, share
        Every topic appears for every class; shares sum to 1 per class.
    """
    table = _aligned(passage_topics, classes, "class", "classes")
    if table.empty:
        raise ValueError("no passage has a class")
    return _shares(table, "class")
