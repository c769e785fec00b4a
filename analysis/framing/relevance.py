"""Is a passage about drugs, organised crime or security policy at all? A learned relevance score.

A frame is only meaningful for coverage of the subject: a passage on pensions, a transfer window
or a film premiere is ``neither`` whatever its wording. :class:`RelevanceScorer` learns
``p_relevant`` from the passage embedding, with the project's labelled in-domain passages (gold
standard, seeds, codebook examples: drug-trade and security coverage, framed or not) as relevant
and off-topic news (BBC News, AG News; :func:`.protocol.offtopic_passages`) as not. It reads no
keyword list. :func:`gate` turns a framing model's probabilities into ones where an off-topic
passage is ``neither`` with high probability; :func:`article_relevance` judges whole articles.

How well it separates is measured by ``analysis framing validate`` (outlet-grouped, out of fold
for the in-domain passages; a held-out half of the off-topic articles for the rest).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from .frames import FRAMES

__all__ = ["RELEVANCE_THRESHOLD", "RelevanceScorer", "article_relevance", "gate"]

#: An article is judged off-topic when the mean ``p_relevant`` of its passages is below this.
RELEVANCE_THRESHOLD = 0.5


class RelevanceScorer(ClassifierMixin, BaseEstimator):
    """Logistic regression of relevance on the standardised passage embedding (class-balanced).

    Parameters
    ----------
    C : float, default 0.01
        Inverse regularisation (chosen by the outlet-grouped validation among 0.001, 0.01, 0.1).
    random_state : int, default 0

    Attributes
    ----------
    dimension_ : int
        Embedding dimension it was fitted on; other vectors are refused.
    """

    def __init__(self, *, C: float = 0.01, random_state: int = 0) -> None:
        self.C = C
        self.random_state = random_state

    def fit(self, texts: Sequence[str] | None, y: Sequence[bool], *, embeddings: np.ndarray) -> "RelevanceScorer":
        """Fit on passages marked relevant (True) or off-topic (False).

        Parameters
        ----------
        texts : sequence of str or None
            Unused (the score reads only the embedding); kept for the scorers' common signature.
        y : sequence of bool, length n_passages
        embeddings : ndarray of shape (n_passages, dim)
        """
        embeddings = np.asarray(embeddings, dtype=np.float64)
        y = np.asarray(list(y), dtype=bool)
        if embeddings.ndim != 2 or len(embeddings) != len(y):
            raise ValueError(f"need one embedding row per label: got {embeddings.shape} for {len(y)} labels")
        if y.all() or not y.any():
            raise ValueError("relevance needs both relevant and off-topic passages to learn from")
        self.mean_ = embeddings.mean(axis=0)
        self.scale_ = embeddings.std(axis=0) + 1e-8
        model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000, random_state=self.random_state)
        model.fit((embeddings - self.mean_) / self.scale_, y)
        self.coef_, self.intercept_ = model.coef_[0], float(model.intercept_[0])
        self.dimension_ = int(embeddings.shape[1])
        return self

    def predict_proba(self, texts: Sequence[str] | None = None, *, embeddings: np.ndarray) -> np.ndarray:
        """ndarray of shape (n_passages,): p_relevant."""
        embeddings = np.asarray(embeddings, dtype=np.float64)
        if embeddings.ndim != 2 or embeddings.shape[1] != self.dimension_:
            raise ValueError(f"embeddings of shape {embeddings.shape} but the relevance score was trained on "
                             f"{self.dimension_}-dimensional vectors: embed with the encoder it was trained with")
        z = ((embeddings - self.mean_) / self.scale_) @ self.coef_ + self.intercept_
        return 1.0 / (1.0 + np.exp(-z))

    def get_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        return ({"C": self.C, "dimension": self.dimension_},
                {"mean": self.mean_, "scale": self.scale_, "coef": self.coef_,
                 "intercept": np.array([self.intercept_])})

    def set_state(self, meta: dict, arrays: dict[str, np.ndarray]) -> "RelevanceScorer":
        self.mean_, self.scale_, self.coef_ = arrays["mean"], arrays["scale"], arrays["coef"]
        self.intercept_ = float(np.asarray(arrays["intercept"]).ravel()[0])
        self.dimension_ = int(meta["dimension"])
        return self


def gate(proba: np.ndarray, p_relevant: np.ndarray) -> np.ndarray:
    """Frame probabilities given relevance: p(frame) * p_relevant, the rest to ``neither``.

    Parameters
    ----------
    proba : ndarray of shape (n_passages, 3)
        Probabilities in :data:`FRAMES` order, from a framing scorer.
    p_relevant : ndarray of shape (n_passages,)

    Returns
    -------
    ndarray of shape (n_passages, 3), rows summing to 1.
    """
    proba = np.asarray(proba, dtype=np.float64)
    p_relevant = np.clip(np.asarray(p_relevant, dtype=np.float64), 0.0, 1.0)
    if proba.shape != (len(p_relevant), len(FRAMES)):
        raise ValueError(f"proba of shape {proba.shape} does not match {len(p_relevant)} relevance scores")
    out = proba * p_relevant[:, None]
    neither = FRAMES.index("neither")
    out[:, neither] = 1.0 - np.delete(out, neither, axis=1).sum(axis=1)
    return out


def article_relevance(passages: pd.DataFrame, *, threshold: float = RELEVANCE_THRESHOLD) -> pd.DataFrame:
    """Per article: mean ``p_relevant`` of its passages and whether it is judged on topic.

    Parameters
    ----------
    passages : DataFrame
        Columns ``article_id`` and ``p_relevant``, one row per passage.
    threshold : float, default :data:`RELEVANCE_THRESHOLD`

    Returns
    -------
    DataFrame with columns article_id, p_relevant (mean over passages), relevant (bool).
    """
    missing = {"article_id", "p_relevant"} - set(passages.columns)
    if missing:
        raise ValueError(f"passages lack the columns {sorted(missing)}: frame them with a model that has a "
                         "relevance score (the shipped model has one)")
    table = passages.groupby("article_id", sort=False)["p_relevant"].mean().rename("p_relevant").reset_index()
    table["relevant"] = table["p_relevant"] >= threshold
    return table
