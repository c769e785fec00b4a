"""What every topic module shares: the warning, settings checks and BERTopic plumbing."""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from typing import Any, Literal, get_args

import numpy as np

__all__ = ["OUTLIER_LABEL", "OutlierStrategy", "StopWords", "TopicModelWarning", "check_choice", "check_inputs",
           "unit_rows"]

OUTLIER_LABEL = "outliers"

OutlierStrategy = Literal["embeddings", "none"]
StopWords = Literal["en+es", "en", "es"]
_CHOICES: dict[str, tuple[str, ...]] = {
    "outlier_strategy": get_args(OutlierStrategy),
    "stop_words": get_args(StopWords),
}


class TopicModelWarning(Warning):
    """A topic model fell back to another method or dropped input; see the message.

    Not a ``UserWarning``: importing BERTopic adds a global filter that ignores every
    ``UserWarning`` (we import it so that its filters are undone, but a user may import it too).
    """


def _bertopic():
    """BERTopic's classes, imported without its global ``ignore UserWarning`` filter."""
    with warnings.catch_warnings():
        from bertopic import BERTopic
        from bertopic.dimensionality import BaseDimensionalityReduction
        from bertopic.vectorizers import ClassTfidfTransformer
    return BERTopic, BaseDimensionalityReduction, ClassTfidfTransformer


def check_choice(name: str, value: Any) -> None:
    """The one place where Literal settings are validated."""
    if value not in _CHOICES[name]:
        raise ValueError(f"{name}={value!r} is not one of {list(_CHOICES[name])}")


def check_inputs(texts: Any, embeddings: Any, *, min_passages: int = 2) -> tuple[list[str], np.ndarray]:
    if isinstance(texts, str):
        raise ValueError("texts must be a sequence of passage strings, not a single string")
    texts = list(texts)
    if len(texts) < min_passages:
        raise ValueError(f"a topic model needs at least {min_passages} passages; got {len(texts)}")
    empty = [i for i, t in enumerate(texts) if not isinstance(t, str) or not t.strip()]
    if empty:
        raise ValueError(f"empty or non-text passages at positions {empty[:10]}; drop them before fitting")
    emb = np.asarray(embeddings, dtype=np.float64) if embeddings is not None else None
    if emb is None:
        raise ValueError("embeddings are required: pass the ndarray from analysis.vectorize.Embedder.encode")
    if emb.ndim != 2:
        raise ValueError(f"embeddings must be 2-D (n_passages, dim); got an array with {emb.ndim} dimension(s)")
    if emb.shape[0] != len(texts):
        raise ValueError(f"embeddings have {emb.shape[0]} rows but there are {len(texts)} texts; they must match")
    if not np.isfinite(emb).all():
        bad = np.flatnonzero(~np.isfinite(emb).all(axis=1))
        raise ValueError(f"embeddings contain NaN or infinite values in rows {bad[:10].tolist()}")
    return texts, emb


def unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1.0, norms)


class _PrecomputedReduction:
    """A dimensionality-reduction stand-in returning an already computed reduction."""

    def __init__(self, reduced: np.ndarray) -> None:
        self.reduced = reduced

    def fit(self, X: np.ndarray, y: Any = None) -> _PrecomputedReduction:
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        if len(X) != len(self.reduced):
            raise ValueError("a precomputed reduction only transforms its own training passages")
        return self.reduced


@contextmanager
def _quiet_bertopic():
    """Silence BERTopic's logger (it warns on every manual topic update)."""
    logger = logging.getLogger("BERTopic")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
