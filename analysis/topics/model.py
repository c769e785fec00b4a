"""Topic model over passages: BERTopic with size-aware defaults, reproducible, measured, saveable.

:class:`TopicModel` wraps BERTopic (UMAP -> HDBSCAN -> c-TF-IDF) with precomputed embeddings
and fixes what trips it up in practice:

Size-aware defaults (``n`` = number of passages)
    * UMAP: ``n_neighbors = clip(n // 10, 5, 15)``, ``n_components = clip(n // 100 + 2, 3, 5)``
      (3 at 100 passages, 5 from 300), ``min_dist = 0``,
      cosine metric, ``random_state`` passed on with ``n_jobs=1`` and ``low_memory=True`` (UMAP
      only honours a seed single-threaded).
    * HDBSCAN: ``min_cluster_size = max(5, round(0.005 n))`` (or ``min_topic_size``),
      ``min_samples = max(2, min_cluster_size // 5)`` (fewer outliers than HDBSCAN's default of
      ``min_samples = min_cluster_size``), "eom" selection. A trade-off, measured and kept: on
      10% of BBC (986 passages) these give 68 topics and an article ARI of 0.11 against BBC's
      five categories (floors of 20 and 10 give 14 topics and 0.45, BERTopic's defaults
      0.30-0.42), but on 5% of ljz_zacatecas (2,062 Spanish passages, the in-domain use) they
      give 64 topics with NPMI 0.11 where the higher floors give 24 topics with NPMI 0.03; on
      full BBC (10,148 passages) both give 51 and 10 (32 topics, ARI 0.44, NPMI 0.33). For a
      small corpus, ``n_topics`` or ``min_topic_size`` sets the grain. When the automatic grain
      leaves one topic with 90% of the passages or more (tens of thousands of passages), HDBSCAN
      is run once more with a quarter of that size and no topic above half of the passages (see
      :data:`DOMINANT_TOPIC_SHARE`).
    * Vocabulary: terms from :class:`analysis.topics.labels.TermAnalyzer` (English + Spanish
      stop words, news boilerplate, multi-word proper nouns kept whole) that occur in at least
      ``min_df = clip(n // 1000, 1, 5)`` passages (or ``min_df``); c-TF-IDF with
      ``reduce_frequent_words=True``; label words reranked by c-TF-IDF x coverage ** 0.25
      (``word_coverage``), coverage being the share of the topic's passages with the word.

Fallback to k-means
    Density clustering cannot serve a handful of articles. With fewer than
    :data:`MIN_PASSAGES_FOR_DENSITY` (100) passages, or when HDBSCAN finds fewer than two topics,
    the clusterer is k-means (``n_init=10``, seeded) with k chosen as the best cosine silhouette
    over ``k = 2 .. max(2, min(10, n // 4))`` among partitions whose smallest topic has at least
    three passages (all compete when none has), on the raw embeddings (small corpora) or on the
    UMAP reduction (HDBSCAN failed). The fallback raises :class:`TopicModelWarning` and is
    recorded in ``run_record_["fallback_reason"]``.

Fixed number of topics
    ``n_topics=k`` always uses k-means with that k (on the UMAP reduction, or on the raw
    embeddings below 100 passages), so the result has exactly k topics and no outliers.

Outliers (``outlier_strategy``)
    * ``"embeddings"`` (default): each HDBSCAN outlier goes to the topic whose centroid (mean
      unit-length embedding of the topic's clustered passages) is most cosine-similar, when that
      similarity is at least ``outlier_threshold``; below it the passage stays in topic -1.
      ``outlier_threshold=None`` learns it: the 1st percentile of the clustered passages'
      similarity to their own centroid.
    * ``"none"``: keep HDBSCAN's outliers in topic -1.
    Topic words are computed after reassignment.

Transform (new passages, and after :meth:`TopicModel.load`)
    Nearest centroid by cosine, -1 below ``outlier_threshold_``. On the training passages this
    agrees with the fitted assignments for the share ``run_record_["transform_agreement"]``
    (exact for reassigned outliers, approximate for passages HDBSCAN clustered in UMAP space).

2-D layout for maps (``passage_topics``)
    UMAP to 2-D (seeded, same ``n_neighbors``) from 100 passages up, PCA below.

Neighbour graph
    From 4,096 passages up (where UMAP would otherwise run pynndescent) the cosine neighbour
    graph is computed once, exactly up to 60,000 passages, and shared by the clustering UMAP and
    the 2-D layout (:mod:`analysis.topics.knn`); below, UMAP computes all distances itself.

Reproducibility
    UMAP, k-means, silhouette sampling and the layout take ``random_state``; HDBSCAN and c-TF-IDF
    are deterministic. The same passages, embeddings and seed give identical assignments.
    BERTopic is given ``language="multilingual"`` only so that it skips its English
    preprocessing (which deletes accents and punctuation before c-TF-IDF); with
    ``embedding_model=None`` and precomputed embeddings it never loads a language model.

Persistence: :mod:`analysis.topics.persistence` (no pickle).
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans

from .base import (
    OUTLIER_LABEL,
    OutlierStrategy,
    StopWords,
    TopicModelWarning,
    _bertopic,
    _PrecomputedReduction,
    _quiet_bertopic,
    check_choice,
    check_inputs,
    unit_rows,
)
from .curation import find_topics, merge_topics, reduce_topics, set_topic_names
from .extension import MAX_GROWTH, extend_model, extension_refusal, text_keys
from .knn import EXACT_LIMIT, cosine_knn, prepare_umap, umap_reduce
from .labels import (BOILERPLATE_WORDS, ENGLISH_STOPS, SPANISH_STOP_WORDS, TermAnalyzer, bertopic_docs, coverage_reranker,
                     fit_vocabulary, term_vectorizer, topic_label)
from .persistence import load_model, save_model
from .quality import best_k, seed_agreement, topic_coherence_npmi, topic_diversity

__all__ = ["DOMINANT_TOPIC_SHARE", "MIN_PASSAGES_FOR_DENSITY", "TopicModel", "TopicModelWarning"]

#: Below this many passages, HDBSCAN is not tried and k-means is used (with a warning).
MIN_PASSAGES_FOR_DENSITY = 100

#: A density clustering whose largest topic holds this share of the passages or more is announced
#: (:class:`TopicModelWarning`) when it stays so. With the automatic grain, HDBSCAN is first run once
#: more on the same reduction with a quarter of the minimum topic size (:data:`FINER_GRAIN`), and no
#: cluster larger than :data:`MAX_REFINED_TOPIC_SHARE` of the passages. On the full ljz_zacatecas
#: (43,447 passages) the size-aware floor (217) gives 2 topics, one of 96.5%, NPMI 0.133; a set 150
#: or 100 gives the same, 50 gives 80 topics; the refined automatic grain (54, a quarter) gives 72
#: topics, the largest 10.3%, NPMI 0.244, diversity 0.872, and an article NMI against the corpus's
#: in-domain flag of 0.128 instead of 0.049 (``run_record_["parameters"]["finer_grain"]``). The
#: quarter alone is not robust: over sixteen UMAP reductions of that corpus (seeds 0-3 of the folder
#: and of its ``articles.jsonl``, and seeded subsamples of 50-99%) it left one topic of 96.6% twice
#: (6 topics, on the 85% and 90% subsamples); with the cap all sixteen got 69-83 topics whose largest
#: HDBSCAN cluster held 4-13% (90% subsample: 72 topics, the largest 12% after outliers are placed,
#: NPMI 0.238, diversity 0.871). A ``min_topic_size`` the user set is kept as given.
DOMINANT_TOPIC_SHARE = 0.9
#: The automatic minimum topic size is divided by this when one topic holds the bulk of the corpus.
FINER_GRAIN = 4
#: In that finer run, no HDBSCAN cluster may hold more than this share of the passages (its
#: ``max_cluster_size``; see :data:`DOMINANT_TOPIC_SHARE`).
MAX_REFINED_TOPIC_SHARE = 0.5


def _largest_share(raw: np.ndarray) -> float:
    """Share of all passages in the largest cluster of HDBSCAN labels ``raw`` (-1 outliers)."""
    inliers = raw[raw >= 0]
    return float(np.bincount(inliers).max() / len(raw)) if len(inliers) else 0.0


class TopicModel(BaseEstimator):
    """Topics of passages from their embeddings (BERTopic with size-aware, seeded defaults).

    See the module docstring for every default and fallback.

    Parameters
    ----------
    n_topics : int or None, default None
        Exact number of topics (k-means); ``None`` lets HDBSCAN find them.
    min_topic_size : int or None, default None
        HDBSCAN ``min_cluster_size``; ``None`` sizes it from the number of passages.
    outlier_strategy : {"embeddings", "none"}, default "embeddings"
        How HDBSCAN outliers are handled (module docstring).
    outlier_threshold : float or None, default None
        Cosine similarity to the nearest centroid needed to leave topic -1; ``None`` learns it.
    stop_words : {"en+es", "en", "es"}, default "en+es"
        Stop-word languages; news boilerplate words are always dropped.
    min_df : int or None, default None
        Minimum number of passages a label term must occur in; ``None`` sizes it.
    top_n_words : int, default 10
        Words kept per topic.
    word_coverage : float, default 0.25
        Exponent of within-topic coverage when ranking label words (c-TF-IDF x coverage **
        exponent, see :mod:`analysis._topic_labels`); 0 keeps BERTopic's c-TF-IDF order. 0.25
        was chosen on the BBC benchmark: with HDBSCAN's ~35 topics it raised NPMI from 0.295 to
        0.316 (diversity 0.96 -> 0.92); with 5 topics it cost little (0.237 -> 0.228), while
        0.5 cost more (0.194).
    measure_stability : bool, default False
        Also refit with seeds ``random_state + 1`` and ``+ 2`` and record the mean pairwise ARI.
    random_state : int, default 0
        Seed for UMAP, k-means, silhouette sampling and the 2-D layout.

    Attributes
    ----------
    topics_ : ndarray of shape (n_passages,)
        Topic of each training passage (-1 = outlier), topics numbered by decreasing size.
    topic_info_ : DataFrame
        One row per topic: topic, label, words (top 10), size, share, representative (the
        member passage closest to the topic centroid).
    topic_words_ : DataFrame
        topic, label, word, weight (c-TF-IDF x coverage ** word_coverage), top ``top_n_words``
        per topic, in rank order.
    topic_labels_ : dict of int to str
    centroids_ : ndarray of shape (n_topics, dim)
        Unit-length mean embedding of each topic's clustered passages (used by ``transform``).
    outlier_threshold_ : float
    outlier_share_before_, outlier_share_after_ : float
        Share of passages in topic -1 before and after outlier reassignment.
    layout_ : ndarray of shape (n_passages, 2)
        Seeded 2-D map of the embeddings (UMAP from 100 passages, PCA below).
    run_record_ : dict
        method, parameters actually used, n_passages, n_topics, outlier shares and threshold,
        fallback_reason, transform_agreement, metrics (npmi, diversity[, stability_ari]),
        timings_s, random_state.
    bertopic_ : BERTopic or None
        The fitted BERTopic model (``None`` after :meth:`load`).
    """

    def __init__(
        self,
        *,
        n_topics: int | None = None,
        min_topic_size: int | None = None,
        outlier_strategy: OutlierStrategy = "embeddings",
        outlier_threshold: float | None = None,
        stop_words: StopWords = "en+es",
        min_df: int | None = None,
        top_n_words: int = 10,
        word_coverage: float = 0.25,
        measure_stability: bool = False,
        random_state: int = 0,
    ) -> None:
        self.n_topics = n_topics
        self.min_topic_size = min_topic_size
        self.outlier_strategy = outlier_strategy
        self.outlier_threshold = outlier_threshold
        self.stop_words = stop_words
        self.min_df = min_df
        self.top_n_words = top_n_words
        self.word_coverage = word_coverage
        self.measure_stability = measure_stability
        self.random_state = random_state

    # -- settings ------------------------------------------------------------------------------
    def _validate_settings(self, n: int) -> None:
        check_choice("outlier_strategy", self.outlier_strategy)
        check_choice("stop_words", self.stop_words)
        if self.n_topics is not None and not (2 <= int(self.n_topics) <= n):
            raise ValueError(f"n_topics={self.n_topics} must be between 2 and the number of passages ({n})")
        if self.min_topic_size is not None and self.min_topic_size < 2:
            raise ValueError(f"min_topic_size={self.min_topic_size} must be at least 2")
        if self.word_coverage < 0:
            raise ValueError(f"word_coverage={self.word_coverage} must be zero or positive")
        if self.outlier_threshold is not None and not -1 <= self.outlier_threshold <= 1:
            raise ValueError(f"outlier_threshold={self.outlier_threshold} must be a cosine similarity in [-1, 1]")

    def _stop_words(self) -> frozenset[str]:
        langs = {"en+es": ENGLISH_STOPS | SPANISH_STOP_WORDS, "en": ENGLISH_STOPS, "es": SPANISH_STOP_WORDS}
        return langs[self.stop_words] | BOILERPLATE_WORDS

    def _sizes(self, n: int) -> dict[str, Any]:
        min_cluster = self.min_topic_size or max(5, round(0.005 * n))
        return {
            "umap": {
                "n_neighbors": int(np.clip(n // 10, 5, 15)),
                "n_components": int(np.clip(n // 100 + 2, 3, 5)),
                "min_dist": 0.0,
            },
            "hdbscan": {"min_cluster_size": int(min_cluster), "min_samples": int(max(2, min_cluster // 5))},
            "min_df": int(self.min_df or np.clip(n // 1000, 1, 5)),
        }

    # -- fitting ------------------------------------------------------------------------------
    def fit(
        self, texts: Sequence[str], embeddings: np.ndarray, *, passage_ids: Sequence | None = None
    ) -> TopicModel:
        """Fit topics on passages.

        Parameters
        ----------
        texts : sequence of str, length n_passages
        embeddings : ndarray of shape (n_passages, dim)
            Precomputed passage embeddings (``Embedder.encode``).
        passage_ids : sequence, length n_passages, optional
            Identifiers used by :meth:`passage_topics` and :meth:`save`; default ``0 .. n-1``.

        Returns
        -------
        self
        """
        texts, emb = check_inputs(texts, embeddings)
        n = len(texts)
        self._validate_settings(n)
        ids = list(range(n)) if passage_ids is None else list(passage_ids)
        if len(ids) != n:
            raise ValueError(f"passage_ids has {len(ids)} entries but there are {n} texts")
        timings: dict[str, float] = {}
        sizes = self._sizes(n)
        unit = unit_rows(emb)

        start = time.perf_counter()
        knn = None
        if n >= MIN_PASSAGES_FOR_DENSITY:  # one neighbour graph for both UMAPs
            knn = cosine_knn(unit, sizes["umap"]["n_neighbors"], random_state=self.random_state)
        timings["neighbours"] = time.perf_counter() - start

        # the 2-D map needs only the embeddings and the graph: it is computed in a thread while the
        # vocabulary and the clusters are (UMAP's layout step releases Python's lock)
        prepare_umap()  # kernels compiled once per process and the notice filters, before two UMAPs run
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="topic-layout") as pool:
            layout = pool.submit(self._timed_layout, unit, sizes["umap"]["n_neighbors"], knn)
            start = time.perf_counter()
            docs = bertopic_docs(texts)
            analyzer = TermAnalyzer(stop_words=self._stop_words()).fit(docs)
            vocabulary = fit_vocabulary(analyzer, docs, sizes["min_df"])
            timings["vocabulary"] = time.perf_counter() - start

            start = time.perf_counter()
            raw, bertopic, method, params, reason = self._cluster(texts, emb, unit, analyzer, vocabulary, sizes, knn)
            timings["clustering"] = time.perf_counter() - start
            if reason:
                warnings.warn(f"TopicModel fell back to k-means: {reason}", TopicModelWarning, stacklevel=2)

            start = time.perf_counter()
            final, centroids, threshold = self._reassign(raw, unit)
            final, centroids = self._renumber(final, centroids)
            with _quiet_bertopic():
                bertopic.update_topics(
                    bertopic_docs(texts),
                    topics=final.tolist(),
                    top_n_words=self.top_n_words,
                    vectorizer_model=term_vectorizer(analyzer, vocabulary),
                    ctfidf_model=self._ctfidf(),
                    representation_model=coverage_reranker(self.word_coverage, self.top_n_words),
                )
            timings["outliers_and_words"] = time.perf_counter() - start

            self.bertopic_ = bertopic
            self.analyzer_ = analyzer
            self.vocabulary_ = vocabulary
            self.topics_ = final
            self.centroids_ = centroids.astype(np.float32)
            self.outlier_threshold_ = float(threshold)
            self.outlier_share_before_ = float(np.mean(raw == -1))
            self.outlier_share_after_ = float(np.mean(final == -1))
            self.passage_ids_ = ids
            self.passage_keys_ = text_keys(texts)
            self.n_features_in_ = emb.shape[1]
            self._set_tables(texts, unit)

            start = time.perf_counter()
            self.layout_, timings["layout"] = layout.result()
            timings["layout_wait"] = time.perf_counter() - start

        start = time.perf_counter()
        agreement = float(np.mean(self._nearest(unit) == final))
        metrics: dict[str, float] = {
            "npmi": float(topic_coherence_npmi(self.topic_words_, texts, top_n=self.top_n_words)),
            "diversity": topic_diversity(self.topic_words_, top_n=self.top_n_words),
        }
        if self.measure_stability:
            seeds = tuple(self.random_state + i for i in range(3))
            refit = self._refit_params()
            with warnings.catch_warnings():  # as topic_stability (analysis.topics.stability) does
                warnings.simplefilter("ignore", TopicModelWarning)
                metrics["stability_ari"] = seed_agreement(
                    lambda seed: TopicModel(random_state=seed, **refit).fit_transform(texts, emb), seeds)
        timings["metrics"] = time.perf_counter() - start
        analyzer.clear_memo()
        assigned = final[final >= 0]
        dominant = float(np.bincount(assigned).max() / n) if len(assigned) else 0.0
        if method == "hdbscan" and dominant >= DOMINANT_TOPIC_SHARE:
            tried = params.get("finer_grain")
            tried = f" (also with the finer minimum topic size {tried['min_cluster_size']})" if tried else ""
            warnings.warn(f"one topic holds {dominant:.1%} of the {n:,} passages: density clustering kept the bulk "
                          f"of the corpus as one topic{tried}; for a finer grain set a smaller min_topic_size "
                          f"or n_topics", TopicModelWarning, stacklevel=2)
        self.run_record_ = {
            "method": method,
            "parameters": params,
            "n_passages": n,
            "n_topics": int(len(self.centroids_)),
            "outlier_strategy": self.outlier_strategy,
            "outlier_threshold": self.outlier_threshold_,
            "outlier_share_before": self.outlier_share_before_,
            "outlier_share_after": self.outlier_share_after_,
            "fallback_reason": reason,
            "largest_topic_share": dominant,
            "transform_agreement": agreement,
            "metrics": metrics,
            "timings_s": {k: round(v, 3) for k, v in timings.items()},
            "random_state": self.random_state,
        }
        return self

    def fit_transform(
        self, texts: Sequence[str], embeddings: np.ndarray, *, passage_ids: Sequence | None = None
    ) -> np.ndarray:
        """Fit and return the topic of each passage: ndarray of shape (n_passages,), -1 = outlier."""
        return self.fit(texts, embeddings, passage_ids=passage_ids).topics_.copy()

    def _refit_params(self) -> dict[str, Any]:
        params = self.get_params()
        params.pop("random_state")
        params["measure_stability"] = False
        return params

    @staticmethod
    def _ctfidf():
        return _bertopic()[2](reduce_frequent_words=True)

    def _cluster(self, texts, emb, unit, analyzer, vocabulary, sizes, knn):
        """Run BERTopic; return (raw topics, model, method, parameters used, fallback reason)."""
        BERTopic, BaseDimensionalityReduction, _ = _bertopic()
        from hdbscan import HDBSCAN

        n = len(texts)
        dense = n >= MIN_PASSAGES_FOR_DENSITY
        umap_params = {**sizes["umap"], "metric": "cosine", "low_memory": True, "n_jobs": 1}
        umap_params["random_state"] = self.random_state
        reason = None

        def run(reduction, clusterer):
            model = BERTopic(
                language="multilingual",  # skips BERTopic's English preprocessing that strips accents
                top_n_words=self.top_n_words,
                embedding_model=None,
                umap_model=reduction,
                hdbscan_model=clusterer,
                vectorizer_model=term_vectorizer(analyzer, vocabulary),
                ctfidf_model=self._ctfidf(),
                verbose=False,
            )
            with _quiet_bertopic():
                topics, _ = model.fit_transform(bertopic_docs(texts), embeddings=emb)
            return np.asarray(topics, dtype=int), model

        reduced = np.nan_to_num(umap_reduce(emb, knn=knn, **umap_params)) if dense else None
        if knn is not None:
            umap_params = {**umap_params, "knn": f"exact cosine up to {EXACT_LIMIT:,} passages, else pynndescent"}
        if self.n_topics is None and dense:
            hdb = {**sizes["hdbscan"], "metric": "euclidean", "cluster_selection_method": "eom"}
            raw, model = run(_PrecomputedReduction(reduced), HDBSCAN(**hdb))
            grain = None
            finer = max(5, hdb["min_cluster_size"] // FINER_GRAIN)
            share = _largest_share(raw)
            if self.min_topic_size is None and share >= DOMINANT_TOPIC_SHARE and finer < hdb["min_cluster_size"]:
                # the automatic grain kept the bulk of the corpus as one topic: a finer one, once, on
                # which no cluster may hold more than MAX_REFINED_TOPIC_SHARE (HDBSCAN then selects
                # the sub-clusters of the bulk instead)
                first = hdb
                hdb = {**hdb, "min_cluster_size": finer, "min_samples": max(2, finer // 5),
                       "max_cluster_size": int(MAX_REFINED_TOPIC_SHARE * n)}
                raw, model = run(_PrecomputedReduction(reduced), HDBSCAN(**hdb))
                grain = {"first_min_cluster_size": first["min_cluster_size"], "first_largest_share": round(share, 4),
                         "min_cluster_size": finer, "max_cluster_size": hdb["max_cluster_size"],
                         "largest_share": round(_largest_share(raw), 4)}
            if len(set(raw.tolist()) - {-1}) >= 2:
                params = {"umap": umap_params, "hdbscan": hdb, "min_df": sizes["min_df"]}
                if grain:
                    params["finer_grain"] = grain
                return raw, model, "hdbscan", params, None
            reason = f"HDBSCAN found {len(set(raw.tolist()) - {-1})} topic(s) in {n} passages; need at least 2"
        elif not dense:
            reduced = None
            if self.n_topics is None:
                reason = f"{n} passages is fewer than {MIN_PASSAGES_FOR_DENSITY}, too few for density clustering"
        points = unit if reduced is None else reduced
        scores: dict[int, float] = {}
        if self.n_topics is None:
            k, scores = best_k(points, self.random_state, "cosine" if reduced is None else "euclidean")
        else:
            k = int(self.n_topics)
        kmeans = {"n_clusters": k, "n_init": 10, "random_state": self.random_state}
        reduction = BaseDimensionalityReduction() if reduced is None else _PrecomputedReduction(reduced)
        raw, model = run(reduction, KMeans(**kmeans))
        params = {
            "space": "embeddings" if reduced is None else "umap",
            "umap": None if reduced is None else umap_params,
            "kmeans": kmeans,
            "k_selection": "fixed n_topics" if self.n_topics else "best silhouette",
            "silhouette": {str(key): round(v, 4) for key, v in scores.items()},
            "min_df": sizes["min_df"],
        }
        return raw, model, "kmeans", params, reason

    def _reassign(self, raw: np.ndarray, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        ids = sorted(set(raw.tolist()) - {-1})
        centroids = unit_rows(np.vstack([unit[raw == t].mean(axis=0) for t in ids]))
        sims = unit @ centroids.T
        clustered = raw != -1
        own = sims[clustered, np.searchsorted(ids, raw[clustered])]
        threshold = self.outlier_threshold if self.outlier_threshold is not None else float(np.quantile(own, 0.01))
        final = raw.copy()
        if self.outlier_strategy == "embeddings":
            best = sims.argmax(axis=1)
            take = (raw == -1) & (sims.max(axis=1) >= threshold)
            final[take] = np.asarray(ids)[best[take]]
        return final, centroids, threshold

    @staticmethod
    def _renumber(final: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Number topics 0, 1, ... by decreasing size (ties by old number)."""
        ids = sorted(set(final.tolist()) - {-1})
        order = sorted(ids, key=lambda t: (-int(np.sum(final == t)), t))
        mapping = {old: new for new, old in enumerate(order)}
        mapping[-1] = -1
        renumbered = np.array([mapping[t] for t in final.tolist()], dtype=int)
        return renumbered, centroids[[ids.index(t) for t in order]]

    def _set_tables(self, texts: list[str], unit: np.ndarray) -> None:
        sims = unit @ self.centroids_.T.astype(np.float64)
        rows, word_rows = [], []
        topics = sorted(set(self.topics_.tolist()))
        n = len(self.topics_)
        for t in topics:
            words = [(w, float(s)) for w, s in self.bertopic_.get_topic(t) or [] if w][: self.top_n_words]
            members = np.flatnonzero(self.topics_ == t)
            if t == -1:
                label, representative = OUTLIER_LABEL, ""
            else:
                label = topic_label([w for w, _ in words]) or f"topic {t}"
                representative = texts[members[np.argmax(sims[members, t])]]
            rows.append(
                {
                    "topic": int(t),
                    "label": label,
                    "words": [w for w, _ in words],
                    "size": int(len(members)),
                    "share": len(members) / n,
                    "representative": representative,
                }
            )
            word_rows += [{"topic": int(t), "label": label, "word": w, "weight": s} for w, s in words]
        self.topic_info_ = pd.DataFrame(rows, columns=["topic", "label", "words", "size", "share", "representative"])
        self.topic_words_ = pd.DataFrame(word_rows, columns=["topic", "label", "word", "weight"])

    def _timed_layout(self, unit: np.ndarray, n_neighbors: int, knn) -> tuple[np.ndarray, float]:
        start = time.perf_counter()
        return self._layout(unit, n_neighbors, knn), time.perf_counter() - start

    def _layout(self, unit: np.ndarray, n_neighbors: int, knn) -> np.ndarray:
        if len(unit) >= MIN_PASSAGES_FOR_DENSITY:
            layout = umap_reduce(unit, knn=knn, n_components=2, n_neighbors=n_neighbors, min_dist=0.1,
                                 metric="cosine", random_state=self.random_state, n_jobs=1, low_memory=True)
        else:
            from sklearn.decomposition import PCA

            layout = PCA(n_components=2, random_state=self.random_state).fit_transform(unit)
        return np.asarray(layout, dtype=np.float32)

    # -- using a fitted model -------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "centroids_"):
            raise ValueError("this TopicModel is not fitted yet; call fit(texts, embeddings) or TopicModel.load(folder)")

    def _nearest(self, unit: np.ndarray) -> np.ndarray:
        sims = unit @ self.centroids_.T.astype(np.float64)
        ids = np.asarray(getattr(self, "centroid_topics_", range(len(self.centroids_))), dtype=int)
        topics = ids[sims.argmax(axis=1)]
        return np.where(sims.max(axis=1) >= self.outlier_threshold_, topics, -1).astype(int)

    def transform(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        """Topic of new passages by the nearest-centroid rule (cosine; -1 below the threshold).

        Parameters
        ----------
        texts : sequence of str, length n_passages
            Checked for emptiness and length; topics come from the embeddings.
        embeddings : ndarray of shape (n_passages, dim)

        Returns
        -------
        ndarray of shape (n_passages,), int
        """
        self._check_fitted()
        texts, emb = check_inputs(texts, embeddings, min_passages=1)
        if emb.shape[1] != self.centroids_.shape[1]:
            raise ValueError(
                f"embeddings have {emb.shape[1]} columns but the model was fitted on {self.centroids_.shape[1]}"
            )
        return self._nearest(unit_rows(emb))

    @property
    def topic_labels_(self) -> dict[int, str]:
        """``{topic: label}``, including -1 when outliers remain."""
        self._check_fitted()
        return dict(zip(self.topic_info_["topic"].astype(int), self.topic_info_["label"]))

    def passage_topics(self, passage_ids: Sequence | None = None) -> pd.DataFrame:
        """Tidy table of the training passages: passage_id, topic, label, x, y (2-D layout).

        Parameters
        ----------
        passage_ids : sequence, length n_passages, optional
            Identifiers in training order; default those given to :meth:`fit` (or ``0 .. n-1``).
        """
        self._check_fitted()
        ids = self.passage_ids_ if passage_ids is None else list(passage_ids)
        if len(ids) != len(self.topics_):
            raise ValueError(f"passage_ids has {len(ids)} entries but the model holds {len(self.topics_)} passages")
        labels = self.topic_labels_
        return pd.DataFrame(
            {
                "passage_id": ids,
                "topic": self.topics_.astype(int),
                "label": [labels[t] for t in self.topics_.tolist()],
                "x": self.layout_[:, 0].astype(float),
                "y": self.layout_[:, 1].astype(float),
            }
        )

    def extend(self, texts: Sequence[str], embeddings: np.ndarray, *, passage_ids: Sequence,
               max_growth: float = MAX_GROWTH) -> TopicModel:
        """Place passages added to the fitted corpus in the fitted topics, without refitting.

        See :mod:`analysis.topics.extension`: the fitted passages keep their topics, new ones get
        :meth:`transform`, and ``run_record_["update"]`` records the extension. Raises
        ``ValueError`` when passages of the fit are gone or changed, or the growth since the fit
        reaches ``max_growth`` (:func:`~analysis.topics.extension.extension_refusal`).

        Parameters
        ----------
        texts : sequence of str, length n_passages
            Every passage of the grown corpus, the fitted ones included, in corpus order.
        embeddings : ndarray of shape (n_passages, dim)
        passage_ids : sequence, length n_passages
        """
        return extend_model(self, texts, embeddings, passage_ids=passage_ids, max_growth=max_growth)

    def extension_refusal(self, texts: Sequence[str], passage_ids: Sequence, *,
                          max_growth: float = MAX_GROWTH) -> str | None:
        """Why :meth:`extend` would refuse these passages, or ``None`` when it would extend."""
        return extension_refusal(self, texts, passage_ids, max_growth=max_growth)

    # -- curation (analysis.topics.curation) ---------------------------------------------------
    def set_topic_names(self, names: Mapping[int, str]) -> TopicModel:
        """Name topics by hand, ``{topic: name}`` (:func:`~analysis.topics.curation.set_topic_names`)."""
        return set_topic_names(self, names)

    def merge_topics(self, groups: Sequence[Sequence[int]], texts: Sequence[str], *,
                     embeddings: np.ndarray | None = None) -> TopicModel:
        """Merge groups of topics, e.g. ``[[1, 4]]`` (:func:`~analysis.topics.curation.merge_topics`)."""
        return merge_topics(self, groups, texts, embeddings=embeddings)

    def reduce_topics(self, n_topics: int, texts: Sequence[str], *, embeddings: np.ndarray | None = None) -> TopicModel:
        """Merge the most similar topics until ``n_topics`` remain (:func:`~analysis.topics.curation.reduce_topics`)."""
        return reduce_topics(self, n_topics, texts, embeddings=embeddings)

    def find_topics(self, term: str, texts: Sequence[str]) -> pd.DataFrame:
        """Topics whose passages use ``term``, most first (:func:`~analysis.topics.curation.find_topics`)."""
        return find_topics(self, term, texts)

    # -- persistence (analysis.topics.persistence) ---------------------------------------------
    def save(self, folder: str | os.PathLike) -> Path:
        """Write the model folder: ``centroids.safetensors``, ``model.json``, ``passages.parquet``.

        No pickle: centroids and the c-TF-IDF matrix (CSR parts) in safetensors, settings, topic
        tables, vocabulary and run record in JSON, the passage-topic table in Parquet.
        """
        return save_model(self, folder)

    @classmethod
    def load(cls, folder: str | os.PathLike) -> TopicModel:
        """Reload a folder written by :meth:`save`; ``transform`` uses the nearest-centroid rule."""
        return load_model(cls, folder)
