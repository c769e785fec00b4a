"""The bilingual gold standard: real passages coded against the codebook, stored without their text.

``gold_standard.csv`` (next to the codebook) holds one row per coded passage of the third-party
corpora in ``../shared/corpora``: where the passage is (``corpus``, ``article_id``,
``passage_index``, ``start``, ``end``), the SHA-1 of its text, its language, outlet, date, the
sampling ``stratum`` (``random`` or ``targeted``) and how a targeted passage was found
(``selection``), the first coder's ``label`` and ``mixed`` flag, the independent second coder's
``second_label`` where the passage was double-coded, and the adjudicated ``final_label`` (with the
settling rule in ``note``). ``gold_supplement.csv`` has the same columns for more passages of the
same outlets: stratum ``remainder``, the other passages of the gold standard's AllSides, web-page
and Colombian articles (third round); with selection ``round4``, the rest of the Colombian
regional articles and one more passage each of 200 Lucio Torres articles (fourth round); with
selection ``round7``, the other passages of its Socialist Worker and Amazon Underworld articles
(seventh round). They are kept apart because the gold standard takes at most 8 passages per
article and its strata are samples: the model learns from them, the validation holds them out
with their outlet, and they are never scored. Texts are never stored in the repository:
:func:`attach_texts` rebuilds them with the project's own corpus loader and checks every SHA-1,
so a changed loader or corpus fails loudly instead of training on other text. ``gold_reserve.csv`` (same columns) holds
passages coded in the fifth and sixth rounds that nothing reads yet: passages of Lucio Torres,
Socialist Worker, Amazon Underworld, AllSides' US outlets and La Jornada Zacatecas picked because
they name one of a frame's cues and a drug-trade word (selection ``round5:``/``round6:keywords:
<frame>``). Trained on, they lowered the outlet-held-out scores and the parallel-pair agreement
(README): a sample picked by the lexicon's own cues and mostly ``neither`` pulls the in-fold
choice of the lexicon's weight from 1 to 0.5 (nine folds of ten). It also holds the eighth
round (stratum ``remainder``, selection ``round8``): 500 more passages of the Lucio Torres
articles of the gold standard and the supplement, drawn at random (at most two per article, 96%
``neither``); trained on, they lowered the outlet-held-out scores in both languages (README).

Coders are recorded on every row. ``lead`` is the project's lead engineer's session;
``coder-f1`` .. ``coder-f45`` are separate annotation sessions of the team given the codebook and
the passages only; ``coder-s*`` are the blind second coders. All are AI-agent coders working one
passage at a time against the codebook, not human annotators; see the README. A disagreement's
``note`` names the rule that settled it (``adjudicated by rule A8``); a single-coded label that a
rule written after its round overturns is settled by the lead and says so (``re-adjudicated by
lead under rule A23 ...``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd

from .frames import FRAMES

__all__ = ["GOLD_COLUMNS", "GOLD_STANDARD_PATH", "GoldStandardError", "attach_texts", "default_corpora_dir",
           "read_gold_standard", "read_gold_supplement", "RESERVE_PATH", "SUPPLEMENT_PATH"]

GOLD_STANDARD_PATH = Path(__file__).with_name("gold_standard.csv")
SUPPLEMENT_PATH = Path(__file__).with_name("gold_supplement.csv")
#: Coded passages that nothing trains on or scores yet (see the module docstring).
RESERVE_PATH = Path(__file__).with_name("gold_reserve.csv")
GOLD_COLUMNS = ["passage_key", "corpus", "article_id", "passage_index", "start", "end", "sha1", "language", "outlet",
                "date", "stratum", "selection", "label", "mixed", "coder", "second_label", "second_coder",
                "final_label", "note"]


class GoldStandardError(RuntimeError):
    """The gold standard is malformed, or its texts cannot be rebuilt from the corpora."""


def default_corpora_dir() -> Path:
    """``$ANALYSIS_SHARED/corpora``, else ``../shared/corpora`` beside the project folder."""
    shared = os.environ.get("ANALYSIS_SHARED")
    if shared:
        return Path(shared) / "corpora"
    return Path(__file__).resolve().parents[3] / "shared" / "corpora"


def read_gold_standard(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check the gold-standard table (no texts).

    Raises
    ------
    GoldStandardError
        When columns are missing or labels are not frames.
    """
    path = Path(path or GOLD_STANDARD_PATH)
    if not path.is_file():
        raise GoldStandardError(f"gold standard '{path}' does not exist")
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in GOLD_COLUMNS if c not in table.columns]
    if missing:
        raise GoldStandardError(f"gold standard '{path}' lacks columns {missing}")
    for column in ("label", "final_label"):
        bad = sorted(set(table[column]) - set(FRAMES))
        if bad:
            raise GoldStandardError(f"gold standard '{path}' has {column} values {bad}; must be one of {list(FRAMES)}")
    bad = sorted(set(table["second_label"]) - set(FRAMES) - {""})
    if bad:
        raise GoldStandardError(f"gold standard '{path}' has second_label values {bad}")
    for column in ("passage_index", "start", "end", "mixed"):
        table[column] = table[column].astype("int64")
    if table["passage_key"].duplicated().any():
        raise GoldStandardError(f"gold standard '{path}' codes a passage twice: "
                                f"{table.loc[table['passage_key'].duplicated(), 'passage_key'].iloc[0]}")
    return table


def read_gold_supplement(path: str | Path | None = None, *, gold: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and check the supplement (coded passages beyond the per-article cap; no texts).

    Same columns and checks as :func:`read_gold_standard`; an absent file is an empty table. A
    passage in both the supplement and ``gold`` (default: the gold standard) is refused.
    """
    path = Path(path or SUPPLEMENT_PATH)
    if not path.is_file():
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("passage_index", "start", "end", "mixed") else str)
                             for c in GOLD_COLUMNS})
    table = read_gold_standard(path)
    gold = read_gold_standard() if gold is None else gold
    both = sorted(set(table["passage_key"]) & set(gold["passage_key"]))
    if both:
        raise GoldStandardError(f"{len(both)} passages are both in the gold standard and in '{path}', e.g. {both[0]}")
    return table


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def attach_texts(gold: pd.DataFrame, corpora_dir: str | Path | None = None, *, show_progress: bool = False) -> pd.DataFrame:
    """Rebuild the passage texts of the gold standard from the corpora and check their SHA-1.

    Each corpus ``corpora_dir/<corpus>/articles.jsonl`` is read with :func:`analysis.corpus.load_corpus`
    (default settings), exactly as the passages were cut when they were sampled.

    Returns
    -------
    DataFrame
        ``gold`` with a ``text`` column, in the same order.

    Raises
    ------
    FileNotFoundError
        When the corpora folder is absent (callers that can do without skip with this reason).
    GoldStandardError
        When a passage is missing or its text does not match its SHA-1.
    """
    from ..corpus import load_corpus

    root = Path(corpora_dir) if corpora_dir is not None else default_corpora_dir()
    if not root.is_dir():
        raise FileNotFoundError(f"the corpora of the gold standard are not at {root}; "
                                "put the shared folder beside the project or set ANALYSIS_SHARED")
    texts = pd.Series(index=gold.index, dtype=object)
    for corpus, rows in gold.groupby("corpus", sort=True):
        source = root / corpus / "articles.jsonl"
        if not source.is_file():
            raise FileNotFoundError(f"corpus file {source} of the gold standard is missing")
        passages = load_corpus(source, show_progress=show_progress).passages
        by_key = passages.set_index(passages["article_id"] + "\x00" + passages["order"].astype(str))
        keys = rows["article_id"] + "\x00" + rows["passage_index"].astype(str)
        found = keys.isin(by_key.index)
        if not found.all():
            first = rows.loc[~found].iloc[0]
            raise GoldStandardError(f"{(~found).sum()} gold passages of {corpus} are no longer cut by the loader, "
                                    f"e.g. {first['passage_key']}")
        picked = by_key.loc[keys.to_numpy()]
        bad = (picked["start"].to_numpy() != rows["start"].to_numpy()) | (
            np.array([_sha1(t) for t in picked["text"]]) != rows["sha1"].to_numpy())
        if bad.any():
            first = rows.loc[bad].iloc[0]
            raise GoldStandardError(f"{int(bad.sum())} gold passages of {corpus} have changed text "
                                    f"(SHA-1 or offset mismatch), e.g. {first['passage_key']}")
        texts.loc[rows.index] = picked["text"].to_numpy()
    return gold.assign(text=texts)
