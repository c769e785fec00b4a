"""The plain-text summary of a corpus printed by ``analysis corpus PATH``."""

from __future__ import annotations

from collections import Counter

import pandas as pd

_TOP = 8


def corpus_summary(articles: pd.DataFrame, passages: pd.DataFrame, manifest: pd.DataFrame) -> str:
    """Counts by status, source, language, collection and country; date range; passages.

    Parameters
    ----------
    articles, passages, manifest : DataFrame
        The frames of a :class:`analysis.corpus.Corpus`.
    """
    status = manifest["status"].value_counts()
    loaded = articles[articles["status"] == "loaded"]
    lines = [
        f"inputs: {len(manifest)} ({status.get('loaded', 0)} loaded, {status.get('duplicate', 0)} duplicate, "
        f"{status.get('skipped', 0)} skipped)",
        f"passages: {len(passages)}" + _passage_sizes(passages),
        f"dates: {_date_range(loaded['date'])}",
        "by source: " + _counts(loaded["source"], "(unknown)"),
        "by language: " + _counts(loaded["language"], "(undetermined)"),
        "by collection: " + _counts(loaded["collection"], "(top level)"),
        "by country: " + _counts(loaded["country"], "(none)"),
    ]
    if "country_given" in loaded and (loaded["country_given"] != "").any():
        lines.append("by country as given: " + _counts(loaded["country_given"], "(none)"))
    notes = manifest.loc[manifest["date_note"] != "", "date_note"] if "date_note" in manifest else None
    if notes is not None and len(notes):
        undated = int(notes.str.contains("left undated").sum())
        lines.append(f"date notes: {len(notes)} ({undated} left undated; see the manifest's date_note"
                     + ("; set dayfirst if numeric dates are ambiguous)" if notes.str.contains("day or month").any()
                        else ")"))
    skipped = manifest.loc[manifest["status"] == "skipped", "reason"]
    if len(skipped):
        lines.append("skipped: " + _counts(skipped.str.split(" \\(").str[0], "(no reason)"))
    return "\n".join(lines)


def _passage_sizes(passages: pd.DataFrame) -> str:
    if passages.empty:
        return ""
    words = passages["n_words"]
    return f" (words per passage: median {int(words.median())}, min {words.min()}, max {words.max()})"


def _date_range(dates: pd.Series) -> str:
    known = dates.dropna()
    undated = len(dates) - len(known)
    if known.empty:
        return f"none known ({undated} undated)"
    span = f"{known.min():%Y-%m-%d} to {known.max():%Y-%m-%d}"
    return span + (f" ({undated} undated)" if undated else "")


def _counts(values: pd.Series, blank: str) -> str:
    counts = Counter(value or blank for value in values)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = ", ".join(f"{name} {count}" for name, count in ranked[:_TOP])
    more = len(counts) - _TOP
    return (shown or "none") + (f", ... and {more} more" if more > 0 else "")


def column_summary(columns: dict[str, dict[str, str]]) -> str:
    """One line per table file: the column read for each field, "-" for a field no column holds.

    Parameters
    ----------
    columns : dict
        Table file -> field ("text", "title", "date", ...) -> column name (:attr:`Corpus.columns`).
    """
    lines = []
    for path, mapping in columns.items():
        shown = ", ".join(f"{role} <- {mapping[role]!r}" if role in mapping else f"{role} -"
                          for role in _SHOWN_ROLES)
        lines.append(f"columns of {path}: {shown}")
    return "\n".join(lines)


_SHOWN_ROLES = ("text", "title", "date", "source", "id", "url", "country", "language")
