"""Topic stability: how much the topics change when only the seed changes (refits the model)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from .base import TopicModelWarning
from .model import TopicModel
from .quality import seed_agreement

__all__ = ["topic_stability"]


def topic_stability(
    texts: Sequence[str], embeddings: np.ndarray, seeds: Sequence[int] = (0, 1, 2), **model_params
) -> float:
    """Mean pairwise adjusted Rand index of topic assignments fitted with different seeds.

    Parameters
    ----------
    texts : sequence of str, length n_passages
    embeddings : ndarray of shape (n_passages, dim)
    seeds : sequence of int, default (0, 1, 2)
        At least two seeds; one :class:`TopicModel` is fitted per seed.
    **model_params
        Other :class:`TopicModel` settings (``random_state`` is set from ``seeds``).

    Returns
    -------
    float
        Mean ARI over all pairs of seeds (1 = identical partitions).
    """
    model_params = {k: v for k, v in model_params.items() if k != "random_state"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TopicModelWarning)
        return seed_agreement(
            lambda seed: TopicModel(random_state=seed, **model_params).fit_transform(texts, embeddings), seeds)
