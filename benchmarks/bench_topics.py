"""Benchmark of analysis.topics: determinism, the seed corpus, and BBC against gold categories.

Run from the repository root::

    python benchmarks/bench_topics.py [--shared ../shared] [--cache /tmp/embcache-bbc-corpus]

What it prints, in one run:

* Determinism: the same passages, embeddings and seed fitted twice give identical assignments.
* Seeds (``seeds/``, five articles): passages, method, topics and their labels, and whether any
  topic's words are only boilerplate.
* BBC (``<shared>/corpora/bbc``, five gold categories = folder names): models are fitted on
  passages; each article gets the majority topic of its passages (outlier passages ignored
  unless all of an article's passages are outliers), and article topics are compared with the
  categories by ARI and NMI. Side by side, on the same embeddings and the same passages:
  our TopicModel with ``n_topics=5`` and automatic; BERTopic with its own defaults
  (``BERTopic(embedding_model=None)``, only its UMAP seeded with ``random_state=0`` so the row is
  reproducible); scikit-learn LDA with the same number of topics as ours (5, and the automatic
  count) on the same vocabulary rules (our TermAnalyzer and min_df). NPMI (top 10 words) and
  diversity (top 10 words) come from the same functions on the same passages for every model.
  Stability is the mean pairwise ARI over seeds 0, 1, 2.
* Timing: embedding time (measured cold; when the cache is already warm, the cold time recorded
  by the first run is shown and a 1,000-passage sample is re-encoded without cache and
  extrapolated) against the time of fitting our model.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sklearn.decomposition import LatentDirichletAllocation  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer  # noqa: E402
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score  # noqa: E402

from analysis.topics.labels import BOILERPLATE_WORDS, TermAnalyzer  # noqa: E402
from analysis.corpus import load_corpus  # noqa: E402
from analysis.topics import (  # noqa: E402
    TopicModel,
    TopicModelWarning,
    topic_coherence_npmi,
    topic_diversity,
    topic_stability,
)
from analysis.vectorize import Embedder, EmbeddingCache  # noqa: E402

SAMPLE = 1000


def embed(texts: list[str], cache_dir: Path) -> tuple[np.ndarray, str]:
    """Embeddings and a line stating how the embedding time was obtained."""
    embedder = Embedder(cache_dir=cache_dir, show_progress=False)
    cache = EmbeddingCache(cache_dir, embedder.identity)
    missing = sum(v is None for v in cache.get([EmbeddingCache.key(t) for t in texts]))
    record = cache.folder / "bench_cold_timing.json"
    start = time.perf_counter()
    vectors = embedder.encode(texts)
    seconds = time.perf_counter() - start
    if missing == len(texts):
        cache.folder.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps({"n": len(texts), "seconds": seconds}))
        return vectors, f"embedding time (measured cold, {len(texts)} passages): {seconds:.1f} s"
    rng = np.random.default_rng(0)
    sample = [texts[i] for i in rng.choice(len(texts), size=min(SAMPLE, len(texts)), replace=False)]
    start = time.perf_counter()
    Embedder(cache_dir=None, show_progress=False).encode(sample)
    estimate = (time.perf_counter() - start) * len(texts) / len(sample)
    line = (
        f"embedding time: cache was warm ({missing} of {len(texts)} passages not cached); "
        f"re-encoding a {len(sample)}-passage sample without cache extrapolates to {estimate:.1f} s"
    )
    if record.is_file():
        cold = json.loads(record.read_text())
        line += f"; the first (cold) run measured {cold['seconds']:.1f} s for {cold['n']} passages"
    return vectors, line


def article_scores(passage_topics: np.ndarray, article_ids: pd.Series, gold: pd.Series) -> tuple[float, float]:
    """ARI and NMI of each article's majority topic (outliers ignored when possible) vs gold."""
    table = pd.DataFrame({"article": article_ids.to_numpy(), "topic": passage_topics})
    inliers = table[table.topic != -1]
    majority = inliers.groupby("article")["topic"].agg(lambda s: s.value_counts().sort_index().idxmax())
    majority = majority.reindex(table["article"].unique()).fillna(-1).astype(int)
    truth = gold.reindex(majority.index)
    return adjusted_rand_score(truth, majority), normalized_mutual_info_score(truth, majority)


def lda_topics(texts: list[str], analyzer: TermAnalyzer, min_df: int, k: int, seed: int = 0):
    counts = CountVectorizer(analyzer=analyzer, min_df=min_df, lowercase=False)
    X = counts.fit_transform(texts)
    lda = LatentDirichletAllocation(n_components=k, random_state=seed, learning_method="batch", max_iter=20)
    doc_topic = lda.fit_transform(X)
    vocab = counts.get_feature_names_out()
    words = {t: [vocab[i] for i in np.argsort(-row)[:10]] for t, row in enumerate(lda.components_)}
    return doc_topic.argmax(axis=1), words


def bertopic_default(texts: list[str], embeddings: np.ndarray):
    from bertopic import BERTopic
    from umap import UMAP

    # BERTopic's own default UMAP, seeded (a seed makes UMAP single-threaded anyway).
    umap = UMAP(
        n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", low_memory=False, random_state=0, n_jobs=1
    )
    model = BERTopic(embedding_model=None, umap_model=umap)
    topics, _ = model.fit_transform(texts, embeddings)
    words = {t: [w for w, _ in model.get_topic(t)][:10] for t in sorted(set(topics)) if t != -1}
    return np.asarray(topics), words


def row(name, topics, words, texts, articles, gold, seconds, stability=None):
    ari, nmi = article_scores(topics, articles, gold)
    return {
        "model": name,
        "topics": len(words),
        "outliers": f"{np.mean(topics == -1):.1%}",
        "article ARI": round(ari, 3),
        "article NMI": round(nmi, 3),
        "NPMI": round(float(topic_coherence_npmi(words, texts)), 4),
        "diversity": round(topic_diversity(words), 3),
        "stability ARI": "" if stability is None else round(stability, 3),
        "fit s": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/embcache-bbc-corpus"))
    args = parser.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 80)

    # -- seeds --------------------------------------------------------------------------------
    seeds = load_corpus(REPO / "seeds", show_progress=False).passages
    seed_texts = seeds["text"].tolist()
    seed_cache = args.cache.with_name(args.cache.name + "-seeds")
    seed_emb = Embedder(cache_dir=seed_cache, show_progress=False).encode(seed_texts)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TopicModelWarning)
        seed_model = TopicModel(random_state=0).fit(seed_texts, seed_emb, passage_ids=seeds["passage_id"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TopicModelWarning)
        again = TopicModel(random_state=0).fit(seed_texts, seed_emb)
    boiler = [
        int(t) for t, g in seed_model.topic_words_.groupby("topic")
        if t != -1 and all(w.lower() in BOILERPLATE_WORDS for w in g["word"])
    ]
    print("== Seeds (seeds/, five articles)")
    print(f"passages: {len(seed_texts)}; method: {seed_model.run_record_['method']}; "
          f"topics: {seed_model.run_record_['n_topics']}; fallback warning: {[str(w.message) for w in caught]}")
    print(seed_model.topic_info_[["topic", "size", "label"]].to_string(index=False))
    print(f"boilerplate-only topics: {boiler or 'none'}; NPMI {seed_model.run_record_['metrics']['npmi']:.4f}, "
          f"diversity {seed_model.run_record_['metrics']['diversity']:.3f}")
    print(f"determinism (seeds, same seed twice): {np.array_equal(seed_model.topics_, again.topics_)}")

    # -- BBC ----------------------------------------------------------------------------------
    bbc = args.shared / "corpora" / "bbc"
    corpus = load_corpus(bbc, show_progress=False)
    passages = corpus.passages
    articles = corpus.articles.set_index("article_id")
    gold = articles.loc[articles["status"] == "loaded", "collection"]
    texts = passages["text"].tolist()
    print(f"\n== BBC ({bbc}): {len(gold)} articles, {len(texts)} passages (analysis.corpus.load_corpus), "
          f"gold categories: {sorted(gold.unique())}")
    emb, embed_line = embed(texts, args.cache)

    start = time.perf_counter()
    ours = TopicModel(random_state=0).fit(texts, emb)
    ours_seconds = time.perf_counter() - start
    start = time.perf_counter()
    ours_again = TopicModel(random_state=0).fit(texts, emb)
    ours_warm_seconds = time.perf_counter() - start
    deterministic = bool(np.array_equal(ours.topics_, ours_again.topics_))
    start = time.perf_counter()
    ours5 = TopicModel(n_topics=5, random_state=0).fit(texts, emb)
    ours5_seconds = time.perf_counter() - start
    k_auto = ours.run_record_["n_topics"]
    min_df = ours.run_record_["parameters"]["min_df"]

    stability = topic_stability(texts, emb, seeds=(0, 1, 2))
    stability5 = topic_stability(texts, emb, seeds=(0, 1, 2), n_topics=5)

    start = time.perf_counter()
    bt_topics, bt_words = bertopic_default(texts, emb)
    bt_seconds = time.perf_counter() - start
    analyzer = TermAnalyzer().fit(texts)
    start = time.perf_counter()
    lda5_topics, lda5_words = lda_topics(texts, analyzer, min_df, 5)
    lda5_seconds = time.perf_counter() - start
    start = time.perf_counter()
    lda_topics_auto, lda_words_auto = lda_topics(texts, analyzer, min_df, k_auto)
    lda_seconds = time.perf_counter() - start

    ids = passages["article_id"]
    words = lambda m: {int(t): list(g["word"]) for t, g in m.topic_words_.groupby("topic") if t != -1}  # noqa: E731
    table = pd.DataFrame(
        [
            row("ours n_topics=5", ours5.topics_, words(ours5), texts, ids, gold, ours5_seconds, stability5),
            row("LDA k=5", lda5_topics, lda5_words, texts, ids, gold, lda5_seconds),
            row("ours automatic", ours.topics_, words(ours), texts, ids, gold, ours_seconds, stability),
            row(f"LDA k={k_auto}", lda_topics_auto, lda_words_auto, texts, ids, gold, lda_seconds),
            row("BERTopic defaults", bt_topics, bt_words, texts, ids, gold, bt_seconds),
        ]
    )
    print(table.to_string(index=False))
    rec = ours.run_record_
    clusterer = rec["parameters"]["hdbscan"] if rec["method"] == "hdbscan" else rec["parameters"]["kmeans"]
    print(f"\nours automatic: method {rec['method']} {clusterer}; "
          f"outliers before/after reassignment {rec['outlier_share_before']:.1%} / {rec['outlier_share_after']:.1%} "
          f"(threshold {rec['outlier_threshold']:.3f}); transform agreement on training passages "
          f"{rec['transform_agreement']:.1%}")
    print(f"determinism (BBC, same seed twice): {deterministic}")
    print(ours.topic_info_[["topic", "size", "label"]].head(12).to_string(index=False))
    print(ours5.topic_info_[["topic", "size", "label"]].to_string(index=False))

    print("\n== Timing")
    print(embed_line)
    print(f"fitting our model (given embeddings): {ours_seconds:.1f} s first fit in the process "
          f"(includes numba compilation), {ours_warm_seconds:.1f} s second fit; steps of the second: "
          f"{ours_again.run_record_['timings_s']}")


if __name__ == "__main__":
    main()
