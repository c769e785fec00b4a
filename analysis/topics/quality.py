"""Topic quality metrics: NPMI coherence on the corpus itself, and topic diversity.

Both take topic words from any model (ours, BERTopic, LDA), so models are compared with the same
function on the same texts.

NPMI coherence (Bouma 2009; Röder et al. 2015 "C_NPMI" with document windows)
    * Windows are whole passages: a pair of words co-occurs when both occur in the same passage
      (document-level co-occurrence; counts are presence/absence, not frequencies).
    * Matching is case-insensitive on the surface text: every passage is split into lower-case
      runs of letters and digits (``[^\\W_]+``), and a topic word (which may be a phrase such as
      "United States" or a hyphenated word) occurs in a passage when its own token sequence
      appears there contiguously. Topic words from any vectorizer are therefore found.
    * For each pair of a topic's top ``top_n`` words,
      ``NPMI = log((p(a,b) + eps) / (p(a) p(b))) / -log(p(a,b) + eps)`` with
      probabilities as shares of passages and ``eps = 1e-12`` smoothing, so a pair that never
      co-occurs scores close to -1 and a pair that always co-occurs scores 1. Words that occur in
      no passage cannot be scored; their pairs are skipped (and counted in the result).
    * A topic's coherence is the mean over its word pairs; the model's is the mean over topics
      (the outlier topic -1 excluded). Range [-1, 1].

Topic diversity (Dieng et al. 2020)
    Share of unique words among all topics' top ``top_n`` words (default 10, the number of words
    our topic table keeps); words are compared in lower case. 1 means no topic repeats another's
    words.

Stability (:func:`analysis.topics.model.topic_stability`, which refits the model)
    Mean pairwise adjusted Rand index of the passage assignments of models fitted with different
    seeds (1 = identical partitions, about 0 = chance agreement).

Choosing k for k-means (:func:`best_k`)
    Best silhouette over a small range of k, among partitions without tiny topics.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

__all__ = [
    "CoherenceResult",
    "as_topic_words",
    "best_k",
    "reference_tokens",
    "topic_coherence_npmi",
    "seed_agreement",
    "topic_diversity",
]

_REF_TOKEN = re.compile(r"[^\W_]+")

TopicWords = Mapping[int, Sequence[str]] | Sequence[Sequence[str]] | pd.DataFrame


def reference_tokens(text: str) -> tuple[str, ...]:
    """Lower-case letter/digit runs of ``text``: the tokenisation NPMI matches words against."""
    return tuple(_REF_TOKEN.findall(text.lower()))


def as_topic_words(topic_words: TopicWords, top_n: int | None = None) -> dict[int, list[str]]:
    """Normalise topic words to ``{topic: [word, ...]}`` without the outlier topic -1.

    Accepts a mapping, a list of word lists (topics numbered from 0), or a tidy DataFrame with
    columns ``topic`` and ``word`` (in rank order, as :attr:`TopicModel.topic_words_`).
    """
    if isinstance(topic_words, pd.DataFrame):
        missing = {"topic", "word"} - set(topic_words.columns)
        if missing:
            raise ValueError(f"topic_words table lacks column(s) {sorted(missing)}; expected 'topic' and 'word'")
        mapping = {int(t): list(g["word"]) for t, g in topic_words.groupby("topic", sort=True)}
    elif isinstance(topic_words, Mapping):
        mapping = {int(t): list(w) for t, w in topic_words.items()}
    else:
        mapping = {i: list(w) for i, w in enumerate(topic_words)}
    mapping.pop(-1, None)
    return {t: [w for w in words if isinstance(w, str) and w.strip()][:top_n] for t, words in mapping.items()}


@dataclass
class CoherenceResult:
    """NPMI coherence of a set of topics (see the module docstring)."""

    mean: float
    per_topic: dict[int, float] = field(default_factory=dict)
    n_pairs: int = 0
    n_pairs_skipped: int = 0

    def __float__(self) -> float:
        return float(self.mean)


def _presence(texts: Sequence[str], words: list[str]) -> sparse.csc_matrix:
    """Boolean matrix of shape (n_texts, n_words): does word j occur in text i."""
    patterns = [reference_tokens(w) for w in words]
    by_length: dict[int, dict[tuple[str, ...], list[int]]] = {}
    for j, pattern in enumerate(patterns):
        if pattern:
            by_length.setdefault(len(pattern), {}).setdefault(pattern, []).append(j)
    rows, cols = [], []
    for i, text in enumerate(texts):
        tokens = reference_tokens(text)
        for length, wanted in by_length.items():
            grams = set(zip(*(tokens[k:] for k in range(length)))) if length > 1 else {(t,) for t in tokens}
            for gram in grams & wanted.keys():
                for j in wanted[gram]:
                    rows.append(i)
                    cols.append(j)
    data = np.ones(len(rows), dtype=np.float64)
    return sparse.csc_matrix((data, (rows, cols)), shape=(len(texts), len(words)))


def topic_coherence_npmi(
    topic_words: TopicWords,
    texts: Sequence[str],
    *,
    top_n: int = 10,
    eps: float = 1e-12,
) -> CoherenceResult:
    """NPMI coherence of topics, with passages as co-occurrence windows.

    Parameters
    ----------
    topic_words : mapping of int to list of str, list of lists, or DataFrame
        Each topic's words in rank order (a tidy table needs columns ``topic`` and ``word``).
        Topic -1 (outliers) is ignored.
    texts : sequence of str, length n_passages
        The reference corpus (the passages the models were fitted on).
    top_n : int, default 10
        Words per topic that are scored.
    eps : float, default 1e-12
        Smoothing added to the joint probability.

    Returns
    -------
    CoherenceResult
        ``mean`` in [-1, 1] (``float(result)`` gives it), ``per_topic`` means, and the number of
        scored and skipped word pairs.
    """
    texts = list(texts)
    if not texts:
        raise ValueError("NPMI needs at least one reference text; got none")
    topics = as_topic_words(topic_words, top_n)
    vocab = sorted({w for words in topics.values() for w in words})
    if not vocab:
        raise ValueError("NPMI needs topic words; every topic is empty")
    index = {w: j for j, w in enumerate(vocab)}
    presence = _presence(texts, vocab)
    n_docs = float(len(texts))
    doc_freq = np.asarray(presence.sum(axis=0)).ravel() / n_docs
    joint = (presence.T @ presence).toarray() / n_docs
    per_topic: dict[int, float] = {}
    n_pairs = n_skipped = 0
    for topic, words in topics.items():
        ids = [index[w] for w in dict.fromkeys(words)]
        scores = []
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                pa, pb, pab = doc_freq[ids[a]], doc_freq[ids[b]], joint[ids[a], ids[b]]
                if pa == 0 or pb == 0:
                    n_skipped += 1
                    continue
                denominator = -np.log(pab + eps)
                value = 0.0 if denominator <= 0 else np.log((pab + eps) / (pa * pb)) / denominator
                scores.append(float(np.clip(value, -1.0, 1.0)))
        n_pairs += len(scores)
        if scores:
            per_topic[topic] = float(np.mean(scores))
    mean = float(np.mean(list(per_topic.values()))) if per_topic else float("nan")
    return CoherenceResult(mean=mean, per_topic=per_topic, n_pairs=n_pairs, n_pairs_skipped=n_skipped)


def topic_diversity(topic_words: TopicWords, *, top_n: int = 10) -> float:
    """Share of unique words among all topics' top ``top_n`` words (case-insensitive).

    Parameters
    ----------
    topic_words : mapping of int to list of str, list of lists, or DataFrame
        As for :func:`topic_coherence_npmi`; topic -1 is ignored.
    top_n : int, default 10

    Returns
    -------
    float in (0, 1]
    """
    topics = as_topic_words(topic_words, top_n)
    words = [w.lower() for ws in topics.values() for w in ws]
    if not words:
        raise ValueError("topic diversity needs topic words; every topic is empty")
    return len(set(words)) / len(words)


#: Smallest topic a silhouette-chosen k-means partition may have (when one qualifies).
MIN_KMEANS_TOPIC = 3


def best_k(points: np.ndarray, random_state: int, metric: str) -> tuple[int, dict[int, float]]:
    """Number of k-means topics with the best silhouette over k = 3 .. max(3, min(10, n // 4)).

    The silhouette is biased toward k = 2, which splits a small in-domain corpus into "drug trade"
    and "the rest" and tells a reader nothing, so k starts at 3 (at 2 when n < 12). Only
    partitions whose smallest topic holds at least :data:`MIN_KMEANS_TOPIC` passages compete (all
    do when none qualifies); ties go to the smaller k; k = 2 when n < 4.

    Parameters
    ----------
    points : ndarray of shape (n_passages, dim)
        Unit-length embeddings (with ``metric="cosine"``) or a UMAP reduction ("euclidean").
    random_state : int
        Seed of k-means (``n_init=10``) and of the silhouette sample (at most 3,000 points).
    metric : str
        Distance of the silhouette.

    Returns
    -------
    k : int
    scores : dict of int to float
        Silhouette of every k tried.
    """
    n = len(points)
    if n < 4:
        return 2, {}
    scores, smallest = {}, {}
    first = 3 if n >= 12 else 2
    for k in range(first, min(max(first, min(10, n // 4)), n - 1) + 1):
        labels = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit_predict(points)
        if len(set(labels)) < 2:
            continue
        sample = min(n, 3000)
        score = silhouette_score(points, labels, metric=metric, sample_size=sample, random_state=random_state)
        scores[k] = float(score)
        smallest[k] = int(np.bincount(labels).min())
    eligible = {k: v for k, v in scores.items() if smallest[k] >= MIN_KMEANS_TOPIC} or scores
    return (max(eligible, key=lambda k: (eligible[k], -k)) if eligible else 2), scores


def seed_agreement(fit_topics: Callable[[int], np.ndarray], seeds: Sequence[int]) -> float:
    """Mean pairwise adjusted Rand index of the assignments ``fit_topics(seed)`` returns per seed.

    Parameters
    ----------
    fit_topics : callable
        Fits a model with the given seed and returns its topics, ndarray of shape (n_passages,).
    seeds : sequence of int
        At least two seeds.

    Returns
    -------
    float
        Mean ARI over all pairs of seeds (1 = identical partitions).
    """
    seeds = list(seeds)
    if len(seeds) < 2:
        raise ValueError(f"stability needs at least two seeds; got {seeds}")
    runs = [fit_topics(seed) for seed in seeds]
    return float(np.mean([adjusted_rand_score(a, b) for a, b in combinations(runs, 2)]))
