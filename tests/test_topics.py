"""Tests of analysis.topics (topic model, shares over time/class, quality, persistence)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from analysis.topics.labels import BOILERPLATE_WORDS, STOP_WORDS, TermAnalyzer, bertopic_docs
from analysis.topics import (
    MIN_PASSAGES_FOR_DENSITY,
    TopicModel,
    TopicModelWarning,
    topic_coherence_npmi,
    topic_diversity,
    topic_stability,
    topics_over_time,
    topics_per_class,
)

THEMES = {
    "navy": (
        "The Navy of Ecuador seized cocaine on speedboats near Guayaquil port",
        ["navy", "cocaine", "speedboats", "Guayaquil", "port", "seizure", "containers", "coast", "patrol"],
    ),
    "election": (
        "Voters in Colombia backed Gustavo Petro in the presidential election",
        ["voters", "election", "ballot", "campaign", "candidate", "Congress", "polls", "senate", "coalition"],
    ),
    "farmers": (
        "Farmers in Cauca grow coffee and cacao instead of coca leaf",
        ["farmers", "coffee", "cacao", "coca", "crops", "harvest", "Cauca", "substitution", "growers"],
    ),
    "gangs": (
        "Los Lobos and Los Choneros fight over prisons in the United States of the south",
        ["Los Lobos", "Los Choneros", "prison", "inmates", "gang", "massacre", "riot", "guards", "cells"],
    ),
}
BOILERPLATE = [
    "Read more. Click here to subscribe to our newsletter.",
    "He said on Monday 12 March 2025 that 45 per cent of 3,000 were seen, Mr Smith says.",
    "Photo: Getty Images. Copyright 2025, all rights reserved.",
]


def make_corpus(n_per_theme: int, dim: int = 32, seed: int = 0, noise: float = 0.35):
    """Synthetic passages with clustered embeddings: texts, embeddings, true themes."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(len(THEMES), dim))
    texts, vectors, truth = [], [], []
    for t, (name, (lead, pool)) in enumerate(THEMES.items()):
        for i in range(n_per_theme):
            words = rng.choice(pool, size=6, replace=True)
            body = f"{lead}. Officials reported {', '.join(words[:3])} and {words[3]} this week; {words[4]} and {words[5]} too."
            if i % 3 == 0:
                body += " " + BOILERPLATE[i % len(BOILERPLATE)]
            texts.append(body)
            vectors.append(centers[t] + noise * rng.normal(size=dim))
            truth.append(t)
    order = rng.permutation(len(texts))
    emb = np.asarray(vectors)[order]
    return [texts[i] for i in order], emb / np.linalg.norm(emb, axis=1, keepdims=True), np.asarray(truth)[order]


@pytest.fixture(scope="module")
def small():
    return make_corpus(10)  # 40 passages: the k-means fallback


@pytest.fixture(scope="module")
def large():
    return make_corpus(60)  # 240 passages: UMAP + HDBSCAN


@pytest.fixture(scope="module")
def small_model(small):
    texts, emb, _ = small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TopicModelWarning)
        return TopicModel(random_state=0).fit(texts, emb)


@pytest.fixture(scope="module")
def large_model(large):
    texts, emb, _ = large
    return TopicModel(random_state=0).fit(texts, emb)


# -- fitting -----------------------------------------------------------------------------------------
def test_fit_returns_self_and_fit_transform_matches(small):
    texts, emb, _ = small
    model = TopicModel(random_state=0)
    with pytest.warns(TopicModelWarning):
        assert model.fit(texts, emb) is model
    with pytest.warns(TopicModelWarning):
        topics = TopicModel(random_state=0).fit_transform(texts, emb)
    assert isinstance(topics, np.ndarray) and topics.dtype.kind == "i"
    assert np.array_equal(topics, model.topics_)


def test_small_corpus_falls_back_to_kmeans_with_warning_and_record(small):
    texts, emb, truth = small
    assert len(texts) < MIN_PASSAGES_FOR_DENSITY
    with pytest.warns(TopicModelWarning, match="fell back to k-means"):
        model = TopicModel(random_state=0).fit(texts, emb)
    record = model.run_record_
    assert record["method"] == "kmeans"
    assert "fewer than" in record["fallback_reason"]
    assert record["parameters"]["kmeans"]["n_init"] == 10
    assert record["parameters"]["k_selection"] == "best silhouette"
    assert {"npmi", "diversity"} <= set(record["metrics"])
    assert record["n_passages"] == len(texts) and record["timings_s"]["clustering"] >= 0
    assert adjusted_rand_score(truth, model.topics_) > 0.9


def test_large_corpus_uses_hdbscan_and_finds_the_themes(large_model, large):
    _, _, truth = large
    record = large_model.run_record_
    assert record["method"] == "hdbscan" and record["fallback_reason"] is None
    assert record["parameters"]["umap"]["random_state"] == 0 and record["parameters"]["umap"]["n_jobs"] == 1
    assert adjusted_rand_score(truth, large_model.topics_) > 0.8
    assert 0 <= large_model.outlier_share_after_ <= large_model.outlier_share_before_ <= 1
    assert record["outlier_share_before"] == large_model.outlier_share_before_


def test_same_seed_gives_identical_assignments(large, large_model):
    texts, emb, _ = large
    again = TopicModel(random_state=0).fit(texts, emb)
    assert np.array_equal(again.topics_, large_model.topics_)
    assert again.topic_info_["label"].tolist() == large_model.topic_info_["label"].tolist()


@pytest.mark.parametrize("k", [2, 3, 5])
def test_fixed_n_topics_is_exact(large, small, k):
    for texts, emb, _ in (large, small):
        model = TopicModel(n_topics=k, random_state=0).fit(texts, emb)
        assert sorted(set(model.topics_.tolist())) == list(range(k))
        assert model.run_record_["parameters"]["k_selection"] == "fixed n_topics"


def test_density_clustering_with_one_topic_falls_back_on_the_umap_reduction(large):
    texts, emb, _ = large
    with pytest.warns(TopicModelWarning, match=r"HDBSCAN found [01] topic\(s\) in 240 passages"):
        model = TopicModel(min_topic_size=200, random_state=0).fit(texts, emb)
    assert model.run_record_["method"] == "kmeans"
    assert model.run_record_["parameters"]["space"] == "umap"
    assert len(set(model.topics_.tolist()) - {-1}) >= 2


@pytest.mark.parametrize("n", [2, 3, 5, 8])
def test_tiny_corpora_do_not_crash(small, n):
    texts, emb, _ = small
    with pytest.warns(TopicModelWarning, match="too few for density clustering"):
        model = TopicModel(random_state=0).fit(texts[:n], emb[:n])
    assert len(set(model.topics_.tolist())) == 2
    assert model.passage_topics()[["x", "y"]].notna().all().all()


def test_outlier_strategy_none_keeps_outliers(large):
    texts, emb, _ = large
    model = TopicModel(outlier_strategy="none", min_topic_size=40, random_state=0).fit(texts, emb)
    assert model.outlier_share_after_ == model.outlier_share_before_
    reassigned = TopicModel(outlier_threshold=-1.0, min_topic_size=40, random_state=0).fit(texts, emb)
    assert reassigned.outlier_share_after_ == 0.0


def test_invalid_settings_are_rejected(small):
    texts, emb, _ = small
    with pytest.raises(ValueError, match="outlier_strategy='nearest' is not one of"):
        TopicModel(outlier_strategy="nearest").fit(texts, emb)
    with pytest.raises(ValueError, match="stop_words='fr' is not one of"):
        TopicModel(stop_words="fr").fit(texts, emb)
    with pytest.raises(ValueError, match="n_topics=41 must be between 2 and the number of passages"):
        TopicModel(n_topics=41).fit(texts, emb)


# -- bad input ---------------------------------------------------------------------------------------
def test_bad_inputs_get_clear_errors(small):
    texts, emb, _ = small
    with pytest.raises(ValueError, match="at least 2 passages; got 1"):
        TopicModel().fit(texts[:1], emb[:1])
    with pytest.raises(ValueError, match=r"empty or non-text passages at positions \[3\]"):
        TopicModel().fit(texts[:3] + ["  "] + texts[4:], emb)
    with pytest.raises(ValueError, match="embeddings have 39 rows but there are 40 texts"):
        TopicModel().fit(texts, emb[:-1])
    with pytest.raises(ValueError, match="must be 2-D"):
        TopicModel().fit(texts, emb[:, 0])
    bad = emb.copy()
    bad[5, 2] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinite values in rows \[5\]"):
        TopicModel().fit(texts, bad)
    with pytest.raises(ValueError, match="not a single string"):
        TopicModel().fit("one passage", emb[:1])
    with pytest.raises(ValueError, match="not fitted yet"):
        TopicModel().transform(texts, emb)


# -- labels and tables -------------------------------------------------------------------------------
def test_topic_info_is_tidy_and_readable(large_model, large):
    texts, _, _ = large
    info = large_model.topic_info_
    assert list(info.columns) == ["topic", "label", "words", "size", "share", "representative"]
    assert info["size"].sum() == len(texts) and np.isclose(info["share"].sum(), 1.0)
    for _, row in info[info.topic != -1].iterrows():
        assert 1 <= len(row.words) <= 10
        parts = row.label.split(" · ")
        assert len(parts) == 3 and set(parts) <= set(row.words) and parts[0] == row.words[0]
        assert row.representative in texts
        assert large_model.topics_[texts.index(row.representative)] == row.topic


def test_no_boilerplate_numbers_or_stop_words_in_topic_words(large_model, small_model):
    for model in (large_model, small_model):
        words = model.topic_words_["word"].tolist()
        assert words
        assert not [w for w in words if w.lower() in STOP_WORDS or w.lower() in BOILERPLATE_WORDS]
        assert not [w for w in words if re.search(r"\d", w)]
        for _, group in model.topic_words_.groupby("topic"):
            assert not all(w.lower() in BOILERPLATE_WORDS for w in group["word"])


def test_multi_word_proper_nouns_stay_one_term(large_model):
    words = set(large_model.topic_words_["word"])
    assert "Los Lobos" in words or "Los Choneros" in words
    assert not {"lobos", "choneros", "Lobos", "Choneros"} & words


def test_term_analyzer_rules():
    texts = [
        "Officials in the United States met la banda Los Lobos. The Cartel de Sinaloa grew.",
        "The United States and Ecuador said cocaine rose 40% to $1.2bn in 2024, Mr. Blair says.",
        "Los militares de Ecuador y el gobierno de los Estados Unidos firmaron el acuerdo.",
        "Shares in iPod maker Apple rose as the U.S. Southern Command met Daniel Noboa in Quito.",
    ]
    analyzer = TermAnalyzer().fit(texts)
    terms = [t for text in texts for t in analyzer(text)]
    assert {"United States", "Los Lobos", "Cartel de Sinaloa", "U.S. Southern Command", "Daniel Noboa"} <= set(terms)
    assert {"iPod", "cocaine", "militares", "gobierno", "acuerdo"} <= set(terms)
    assert not {"said", "says", "mr", "Mr", "el", "los", "de", "y", "the", "bn", "Officials"} & set(terms)
    assert not [t for t in terms if re.search(r"\d", t)]


def test_term_analyzer_reads_segments_alone_and_forgets_on_refit(seeds_dir):
    from analysis.corpus import load_corpus

    passages = load_corpus(seeds_dir, show_progress=False).passages["text"].tolist()
    docs = bertopic_docs(passages)
    analyzer = TermAnalyzer().fit(docs)
    joined = " ".join(docs)  # as c-TF-IDF joins a topic's passages
    for text in docs + [joined]:  # memoised by segment == the whole text read at once
        assert analyzer(text) == analyzer._segment_terms(text)
    assert analyzer(joined) == [t for doc in docs for t in analyzer(doc)]
    assert "Los Lobos" in analyzer(joined)
    analyzer.fit(["los lobos ran. los lobos hid. Los Lobos came back."])  # now a name no longer
    assert "Los Lobos" not in analyzer("Officials said Los Lobos grew")


def test_labels_skip_plural_repeats():
    from analysis.topics.labels import topic_label as _label

    assert _label(["profits", "airline", "profit", "euros"]) == "profits · airline · euros"
    assert _label(["Ecuador"]) == "Ecuador"


def test_topic_words_table(large_model):
    table = large_model.topic_words_
    assert list(table.columns) == ["topic", "label", "word", "weight"]
    assert table.groupby("topic").size().max() <= 10
    assert (table.groupby("topic")["weight"].apply(lambda w: w.is_monotonic_decreasing)).all()


def test_passage_topics_table(small_model, small):
    texts, _, _ = small
    table = small_model.passage_topics([f"p{i}" for i in range(len(texts))])
    assert list(table.columns) == ["passage_id", "topic", "label", "x", "y"]
    assert table["passage_id"].iloc[3] == "p3" and len(table) == len(texts)
    assert np.isfinite(table[["x", "y"]].to_numpy()).all()
    assert table["label"].tolist() == [small_model.topic_labels_[t] for t in table["topic"]]
    with pytest.raises(ValueError, match="passage_ids has 2 entries but the model holds 40 passages"):
        small_model.passage_topics(["a", "b"])


# -- topic shares --------------------------------------------------------------------------------------
def test_topics_over_time_normalises_per_bin(small_model, small):
    texts, _, _ = small
    table = small_model.passage_topics()
    dates = pd.Series(pd.date_range("2024-01-03", periods=len(texts), freq="5D"))
    shares = topics_over_time(table, dates)
    assert list(shares.columns) == ["period", "topic", "label", "count", "share"]
    assert np.allclose(shares.groupby("period")["share"].sum(), 1.0)
    assert shares["count"].sum() == len(texts)
    assert shares["period"].min() == pd.Timestamp("2024-01-01")  # monthly bins ("MS") for ~7 months
    yearly = topics_over_time(table, pd.Series(pd.date_range("2001-01-01", periods=len(texts), freq="180D")))
    assert yearly["period"].dt.month.eq(1).all() and yearly["period"].dt.day.eq(1).all()
    quarterly = topics_over_time(table, dates, freq="QS")
    assert set(quarterly["period"].dt.month) <= {1, 4, 7, 10}
    with pytest.raises(ValueError, match="dates has 3 entries but passage_topics has 40 rows"):
        topics_over_time(table, dates[:3])
    with pytest.raises(ValueError, match="not a pandas offset alias"):
        topics_over_time(table, dates, freq="fortnightly")
    with pytest.warns(TopicModelWarning, match="2 passage"):
        topics_over_time(table, dates.where(dates.index > 1))


def test_topics_per_class(small_model, small):
    texts, _, truth = small
    table = small_model.passage_topics()
    outlets = pd.Series(np.where(truth % 2 == 0, "El Universo", "Reuters"))
    shares = topics_per_class(table, outlets)
    assert list(shares.columns) == ["class", "topic", "label", "count", "share"]
    assert set(shares["class"]) == {"El Universo", "Reuters"}
    assert np.allclose(shares.groupby("class")["share"].sum(), 1.0)
    n_topics = table["topic"].nunique()
    assert len(shares) == 2 * n_topics  # every topic for every class, zero counts included


# -- quality -------------------------------------------------------------------------------------------
def test_npmi_extremes_and_phrases():
    texts = ["alpha beta", "alpha beta", "gamma delta", "gamma delta", "United States gamma"]
    together = topic_coherence_npmi({0: ["alpha", "beta"]}, texts)
    apart = topic_coherence_npmi({0: ["alpha", "gamma"]}, texts)
    assert together.mean == pytest.approx(1.0, abs=1e-6)
    assert -1.0 <= apart.mean < -0.9
    phrase = topic_coherence_npmi([["united states", "Gamma"]], texts)
    assert phrase.n_pairs == 1 and phrase.mean > 0
    missing = topic_coherence_npmi([["alpha", "zeta"]], texts)
    assert missing.n_pairs_skipped == 1


def test_npmi_and_diversity_of_fitted_model(large_model, large):
    texts, _, _ = large
    npmi = topic_coherence_npmi(large_model.topic_words_, texts)
    assert -1 <= npmi.mean <= 1
    assert npmi.mean == pytest.approx(large_model.run_record_["metrics"]["npmi"])


def test_topic_diversity():
    assert topic_diversity([["a", "b"], ["c", "d"]]) == 1.0
    assert topic_diversity([["a", "b"], ["A", "b"]]) == 0.5
    assert topic_diversity({0: list("abcde"), 1: list("abxyz")}, top_n=2) == 0.5
    with pytest.raises(ValueError, match="every topic is empty"):
        topic_diversity([[], []])


def test_topic_stability(small):
    texts, emb, _ = small
    assert topic_stability(texts, emb, seeds=(0, 1, 2), n_topics=4) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least two seeds"):
        topic_stability(texts, emb, seeds=(0,))


def test_measure_stability_records_it(small):
    texts, emb, _ = small
    model = TopicModel(n_topics=4, measure_stability=True).fit(texts, emb)
    assert model.run_record_["metrics"]["stability_ari"] == pytest.approx(1.0)


# -- persistence ---------------------------------------------------------------------------------------
def test_save_and_load_round_trip(large_model, large, tmp_path):
    texts, emb, _ = large
    folder = large_model.save(tmp_path / "model")
    assert sorted(p.name for p in folder.iterdir()) == ["centroids.safetensors", "model.json", "passages.parquet"]
    loaded = TopicModel.load(folder)
    assert np.array_equal(loaded.topics_, large_model.topics_)
    pd.testing.assert_frame_equal(loaded.passage_topics(), large_model.passage_topics(), check_dtype=False)
    pd.testing.assert_frame_equal(loaded.topic_words_, large_model.topic_words_)
    assert loaded.topic_info_["label"].tolist() == large_model.topic_info_["label"].tolist()
    assert loaded.run_record_ == large_model.run_record_
    assert loaded.get_params() == large_model.get_params()
    # transform after reload: the centroid rule, identical before and after saving
    assert np.array_equal(loaded.transform(texts, emb), large_model.transform(texts, emb))
    agreement = np.mean(loaded.transform(texts, emb) == large_model.topics_)
    assert agreement >= 0.9 and agreement == pytest.approx(large_model.run_record_["transform_agreement"])
    new_texts, new_emb, _ = make_corpus(3, seed=0)
    assert loaded.transform(new_texts, new_emb).shape == (len(new_texts),)


def test_load_rejects_other_folders(tmp_path):
    with pytest.raises(ValueError, match="is not a saved TopicModel folder"):
        TopicModel.load(tmp_path)


def test_transform_checks_dimension(large_model, large):
    texts, emb, _ = large
    with pytest.raises(ValueError, match="embeddings have 8 columns but the model was fitted on 32"):
        large_model.transform(texts[:2], emb[:2, :8])


# -- extension (a corpus that grew a little) ------------------------------------------------------------
def _grown(n_old: int, n_new: int):
    """The first ``n_old`` passages of a corpus, and those followed by ``n_new`` more."""
    texts, emb, truth = make_corpus(80, seed=1)  # 320 passages, shuffled
    ids = [f"p{i}" for i in range(len(texts))]
    return (texts[:n_old], emb[:n_old], ids[:n_old]), (texts[:n_old + n_new], emb[:n_old + n_new], ids[:n_old + n_new],
                                                      truth[:n_old + n_new])


def test_extend_keeps_fitted_topics_and_assigns_new_passages(tmp_path):
    (texts, emb, ids), (more, more_emb, more_ids, truth) = _grown(300, 10)  # 3.3% more
    fitted = TopicModel(random_state=0).fit(texts, emb, passage_ids=ids)
    loaded = TopicModel.load(fitted.save(tmp_path / "model"))
    assert loaded.extension_refusal(more, more_ids) is None
    extended = loaded.extend(more, more_emb, passage_ids=more_ids)
    update = extended.run_record_["update"]
    assert update["mode"] == "extended" and update["added_since_fit"] == 10 and update["fitted_passages"] == 300
    assert "extended, not refit" in update["note"]
    assert np.array_equal(extended.topics_[:300], fitted.topics_)  # old passages keep their topics
    assert np.array_equal(extended.layout_[:300], fitted.layout_)
    assert np.array_equal(extended.topics_[300:], fitted.transform(more[300:], more_emb[300:]))
    assert adjusted_rand_score(truth[300:], extended.topics_[300:]) > 0.8  # the new passages found their themes
    assert extended.topic_info_["size"].sum() == 310 and np.isclose(extended.topic_info_["share"].sum(), 1.0)
    table = extended.passage_topics()
    assert table["passage_id"].tolist() == more_ids and np.isfinite(table[["x", "y"]].to_numpy()).all()
    again = TopicModel.load(tmp_path / "model").extend(more, more_emb, passage_ids=more_ids)  # same inputs, same result
    pd.testing.assert_frame_equal(again.passage_topics(), table)
    reloaded = TopicModel.load(extended.save(tmp_path / "extended"))
    assert reloaded.run_record_["update"] == update and reloaded.passage_keys_ == extended.passage_keys_


def test_extension_drops_a_few_passages_gone_and_counts_them_with_the_added_ones():
    (texts, emb, ids), (more, more_emb, more_ids, _) = _grown(300, 20)
    model = TopicModel(random_state=0).fit(texts, emb, passage_ids=ids)
    fitted_topics = dict(zip(ids, model.topics_.tolist()))
    # two fitted passages gone (say, now duplicates of added articles) and five added
    keep = list(range(2, 305))
    step = model.extend([more[i] for i in keep], more_emb[keep], passage_ids=[more_ids[i] for i in keep])
    update = step.run_record_["update"]
    assert (update["mode"], update["added_since_fit"], update["gone_since_fit"], update["gone_now"]) == (
        "extended", 5, 2, 2)
    assert update["growth"] == pytest.approx(7 / 300) and "and 2 gone" in update["note"]
    table = step.passage_topics()
    assert table["passage_id"].tolist() == [more_ids[i] for i in keep] and ids[0] not in set(table["passage_id"])
    assert all(fitted_topics[p] == t for p, t in zip(table["passage_id"], table["topic"]) if p in fitted_topics)
    assert step.topic_info_["size"].sum() == len(keep)
    # the gone ones still count: eight more added now reach 15 of 300 = 5%
    assert "13 passages added to and 2 gone from the 300 fitted ones (5.0%)" in step.extension_refusal(
        more[2:313], more_ids[2:313])


def test_extension_places_a_fitted_passage_whose_text_changed_again():
    (texts, emb, ids), _ = _grown(300, 0)
    model = TopicModel(random_state=0).fit(texts, emb, passage_ids=ids)
    before = model.topics_.copy()
    # passage 0 now reads as passage 299 does (its vector too): it is placed again, the rest keep theirs
    edited, edited_emb = [texts[299]] + texts[1:], np.vstack([emb[299:300], emb[1:]])
    assert model.extension_refusal(edited, ids) is None
    step = model.extend(edited, edited_emb, passage_ids=ids)
    update = step.run_record_["update"]
    assert (update["added_now"], update["gone_now"], update["changed_now"], update["changed_since_fit"]) == (0, 0, 1, 1)
    assert "1 whose text changed placed again" in update["note"] and update["growth"] == pytest.approx(1 / 300)
    assert step.topics_[0] == step.transform([texts[299]], emb[299:300])[0]
    assert np.array_equal(step.topics_[1:], before[1:])
    # the change stays counted from the fit, and the changed passage is now known by its new text
    assert step.extension_refusal(edited, ids) is None and step.passage_keys_[0] == step.passage_keys_[299]


def test_extension_is_refused_for_growth_removals_and_changes():
    (texts, emb, ids), (more, more_emb, more_ids, _) = _grown(300, 20)  # 6.7% more
    model = TopicModel(random_state=0).fit(texts, emb, passage_ids=ids)
    assert "20 passages added to the 300 fitted ones (6.7%), at least the 5%" in model.extension_refusal(more, more_ids)
    with pytest.raises(ValueError, match="cannot extend the topic model: 20 passages added"):
        model.extend(more, more_emb, passage_ids=more_ids)
    assert "0 passages added to and 20 gone from the 300 fitted ones (6.7%)" in model.extension_refusal(texts[20:],
                                                                                                    ids[20:])
    edited = [t + " Updated." if i < 15 else t for i, t in enumerate(texts)]
    assert "0 passages added to and 15 changed in the 300 fitted ones (5.0%)" in model.extension_refusal(edited, ids)
    assert "5 passages added to, 2 gone from and 8 changed in the 300 fitted ones (5.0%)" in model.extension_refusal(
        edited[:8] + more[10:305], ids[:8] + more_ids[10:305])
    # growth counts from the fit: two extensions of 3% each are refused the second time
    step = model.extend(more[:309], more_emb[:309], passage_ids=more_ids[:309])
    assert step.run_record_["update"]["added_since_fit"] == 9
    assert "18 passages added to the 300 fitted ones" in step.extension_refusal(more[:318], more_ids[:318])


# -- the real seed corpus ------------------------------------------------------------------------------
@pytest.mark.model
def test_seed_articles_give_three_or_more_readable_topics(seeds_dir, tmp_path):
    from analysis.corpus import load_corpus
    from analysis.vectorize import Embedder

    texts = load_corpus(seeds_dir, show_progress=False).passages["text"].tolist()
    emb = Embedder(cache_dir=tmp_path / "emb", show_progress=False).encode(texts)
    with pytest.warns(TopicModelWarning):
        model = TopicModel(random_state=0).fit(texts, emb)
    topics = model.topic_info_[model.topic_info_.topic != -1]
    assert len(topics) >= 3
    for words in topics["words"]:
        assert not all(w.lower() in BOILERPLATE_WORDS for w in words)
    with pytest.warns(TopicModelWarning):
        again = TopicModel(random_state=0).fit(texts, emb)
    assert np.array_equal(again.topics_, model.topics_)


def test_cosine_neighbours_are_exact_self_first_and_repeatable():
    from analysis.topics.knn import cosine_knn

    rng = np.random.default_rng(3)
    unit = rng.normal(size=(2500, 16)).astype(np.float32)
    unit[10] = unit[11]  # an exact duplicate must not displace the point itself
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    indices, distances = cosine_knn(unit, 7)
    assert (indices[:, 0] == np.arange(len(unit))).all() and (distances[:, 0] == 0).all()
    assert indices[10, 1] == 11 and distances[10, 1] < 1e-5
    sims = unit.astype(np.float64) @ unit.T.astype(np.float64)
    brute = 1 - np.sort(sims, axis=1)[:, ::-1][:, :7]  # exact distances of the 7 nearest
    assert np.abs(distances[:, 1:] - brute[:, 1:]).max() < 1e-5
    found = np.take_along_axis(1 - sims, indices, axis=1)  # the neighbours found are at those distances
    assert np.abs(found[:, 1:] - brute[:, 1:]).max() < 1e-5
    assert (np.diff(distances, axis=1) >= -1e-6).all()
    again = cosine_knn(unit, 7)
    assert (again[0] == indices).all() and (again[1] == distances).all()
    with pytest.raises(ValueError, match="neighbours"):
        cosine_knn(unit[:3], 5)


def test_cosine_neighbours_are_the_same_for_any_number_of_threads(monkeypatch):
    from analysis.topics import knn

    rng = np.random.default_rng(4)
    unit = rng.normal(size=(3 * knn._BLOCK + 77, 384)).astype(np.float32)  # four blocks
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    graphs = []
    for threads in (1, 2, 3):
        monkeypatch.setattr(knn, "_knn_threads", lambda threads=threads: threads)
        graphs.append(knn.cosine_knn(unit, 9))
    for indices, distances in graphs[1:]:
        assert np.array_equal(indices, graphs[0][0]) and np.array_equal(distances, graphs[0][1])


def test_umap_kernels_get_a_disk_cache_and_the_parallel_variant_does_not():
    import umap.layouts

    from analysis.topics.knn import _UMAP_KERNELS, cache_umap_kernels

    cache_umap_kernels()
    for module, name in _UMAP_KERNELS:
        kernel = getattr(__import__(module, fromlist=[name]), name)
        assert type(kernel._cache).__name__ != "NullCache", f"{module}.{name} compiles in every process"
    # compiled a second time with parallel=True: it must not share the serial kernel's cache file
    assert type(umap.layouts._nb_optimize_layout_euclidean_single_epoch_parallel._cache).__name__ == "NullCache"


def test_umap_notices_are_ignored_only_from_umap_and_again_after_a_warnings_block_ends():
    from analysis.topics.knn import prepare_umap

    def shown(module):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")  # below the filters prepare_umap puts first
            prepare_umap()
            warnings.warn_explicit("precomputed_knn has no search index", UserWarning, "x.py", 1, module=module,
                                   registry={})
        return len(caught)

    with warnings.catch_warnings():
        prepare_umap()  # filters added here are gone when the block ends
    assert shown("umap.umap_") == 0 and shown("umap") == 0
    assert shown("analysis.topics") == 1 and shown("umapper") == 1


_NOGIL_CHECK = """
import numpy as np
from umap import UMAP
import umap.layouts
from analysis.topics.knn import cache_umap_kernels, release_gil_in_umap_layout
cache_umap_kernels()  # the original layout step, cached under its own name
rng = np.random.default_rng(0)
points = rng.normal(size=(700, 12)).astype(np.float32)
params = dict(n_neighbors=10, n_components=2, min_dist=0.1, random_state=0, n_jobs=1)
before = UMAP(**params).fit_transform(points)
original = umap.layouts._nb_optimize_layout_euclidean_single_epoch
assert not original.targetoptions.get("nogil")
assert release_gil_in_umap_layout() and release_gil_in_umap_layout()
kernel = umap.layouts._nb_optimize_layout_euclidean_single_epoch
assert kernel is not original and kernel.targetoptions["nogil"] and kernel.py_func.__qualname__.endswith("_nogil")
after = UMAP(**params).fit_transform(points)
assert len(kernel.signatures) == 1, "the layout did not go through the nogil kernel"
assert np.array_equal(before, after), np.abs(before - after).max()
print("ok")
"""


def test_umap_layout_step_releases_the_gil_and_lays_out_the_same_points():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _NOGIL_CHECK], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_fit_with_the_map_drawn_in_a_thread_gives_the_same_model_twice():
    texts, emb, truth = make_corpus(130)  # 520 passages: density clustering, UMAP map
    first = TopicModel(random_state=0).fit(texts, emb)
    second = TopicModel(random_state=0).fit(texts, emb)
    assert first.run_record_["method"] == "hdbscan"
    assert np.array_equal(first.layout_, second.layout_) and np.array_equal(first.topics_, second.topics_)
    assert first.layout_.shape == (len(texts), 2) and np.isfinite(first.layout_).all()
    assert first.run_record_["timings_s"]["layout"] > 0


_IMPORT_CHECK = """
import sys
from analysis.topics.base import _bertopic
BERTopic = _bertopic()[0]
heavy = sorted(m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules)
assert not heavy, heavy
import bertopic._save_utils as save_utils
import importlib.util
assert save_utils._has_torch == (importlib.util.find_spec("torch") is not None)
from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance
assert "transformers" not in sys.modules
try:
    from bertopic.representation import NoSuchThing
except ImportError:
    pass
else:
    raise AssertionError("an unknown name was found")
if len(sys.argv) > 1:  # the deferred parts still arrive, and are the real ones
    from bertopic.representation import TextGeneration
    from bertopic.backend import MultiModalBackend
    assert TextGeneration.__module__ == "bertopic.representation._textgeneration"
    assert MultiModalBackend.__module__ == "bertopic.backend._multimodal"
    import torch
    assert save_utils.torch.load is torch.load
print("ok")
"""


def _run_import_check(*args):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _IMPORT_CHECK, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_bertopic_is_imported_without_torch_and_transformers():
    _run_import_check()


@pytest.mark.slow
def test_bertopic_parts_held_back_at_import_arrive_when_asked_for():
    _run_import_check("resolve")


@pytest.mark.slow
def test_small_corpus_hands_umap_the_shared_graph_instead_of_all_pairwise_distances(large, monkeypatch):
    import umap.umap_

    def refuse(*args, **kwargs):
        raise AssertionError("UMAP computed all pairwise distances itself")

    monkeypatch.setattr(umap.umap_, "pairwise_distances", refuse)  # UMAP's path below 4,096 points
    texts, emb, truth = large  # 240 passages
    model = TopicModel(random_state=0).fit(texts, emb)
    assert model.run_record_["method"] == "hdbscan" and "knn" in model.run_record_["parameters"]["umap"]
    assert adjusted_rand_score(truth, model.topics_) > 0.9
    assert model.layout_.shape == (len(texts), 2) and np.isfinite(model.layout_).all()


def test_large_corpus_shares_one_neighbour_graph_and_finds_the_themes():
    texts, emb, truth = make_corpus(1050)  # 4,200 passages: where UMAP would use pynndescent
    model = TopicModel(random_state=0).fit(texts, emb)
    record = model.run_record_
    assert record["method"] == "hdbscan" and "knn" in record["parameters"]["umap"]
    assert record["timings_s"]["neighbours"] > 0
    assert adjusted_rand_score(truth, model.topics_) > 0.9
    assert model.layout_.shape == (len(texts), 2) and np.isfinite(model.layout_).all()


# -- curation (analysis.topics.curation) ---------------------------------------------------------------
def _fresh_model(large):
    texts, emb, _ = large
    return TopicModel(random_state=0).fit(texts, emb)


def test_recomputed_topic_words_are_the_fitted_ones(large_model, large):
    from analysis.topics.curation import topic_words

    texts, _, _ = large
    words = topic_words(large_model, texts, large_model.topics_)
    assert sorted(words) == sorted(large_model.topic_words_["topic"].unique())
    for topic, part in large_model.topic_words_.groupby("topic"):  # same words and weights (ties in any order)
        assert dict(words[topic]) == pytest.approx(dict(zip(part["word"], part["weight"])), rel=1e-9)


def test_names_by_hand_reach_every_table(large, tmp_path):
    texts, emb, _ = large
    model = _fresh_model(large).set_topic_names({0: "Port seizures", 1: "Elections"})
    info = model.topic_info_.set_index("topic")["label"]
    assert info[0] == "Port seizures" and info[1] == "Elections" and info[2] not in ("Port seizures", "Elections")
    assert set(model.topic_words_.loc[model.topic_words_["topic"] == 0, "label"]) == {"Port seizures"}
    assert set(model.passage_topics().query("topic == 1")["label"]) == {"Elections"}
    loaded = TopicModel.load(model.save(tmp_path / "named"))
    assert loaded.topic_names_ == {0: "Port seizures", 1: "Elections"}
    with pytest.raises(ValueError, match=r"topic\(s\) \[99\] do not exist"):
        model.set_topic_names({99: "Nothing"})
    with pytest.raises(ValueError, match="empty name"):
        model.set_topic_names({2: "  "})


def test_merging_two_topics_joins_their_passages_words_and_centroid(large):
    texts, emb, truth = large
    model = _fresh_model(large)
    before = model.topic_info_.set_index("topic")["size"]
    a, b = 1, 2
    members = (model.topics_ == a) | (model.topics_ == b)
    model.merge_topics([[b, a]], texts, embeddings=emb)
    info = model.topic_info_.set_index("topic")
    assert b not in info.index and info.loc[a, "size"] == before[a] + before[b]
    assert np.array_equal(model.topics_ == a, members)
    assert model.centroids_.shape[0] == len(before) - (-1 in before.index) - 1
    mean = emb[members].mean(axis=0)
    row = model.centroid_topics_.index(a)
    assert np.allclose(model.centroids_[row], mean / np.linalg.norm(mean), atol=1e-6)
    assert set(model.transform(texts, emb)[members].tolist()) <= {a, -1}  # never the merged-away topic
    merged_themes = set(truth[members].tolist())
    assert len(merged_themes) == 2  # two themes, one topic now
    assert model.run_record_["merged"] == [[a, b]] and model.run_record_["n_topics"] == len(info) - (-1 in info.index)
    with pytest.raises(ValueError, match="needs two or more different topics"):
        model.merge_topics([[0]], texts)
    with pytest.raises(ValueError, match=r"topic\(s\) \[2\] do not exist"):
        model.merge_topics([[0, 2]], texts)
    with pytest.raises(ValueError, match="pass the passages the model was fitted on"):
        model.merge_topics([[0, 3]], texts[:5])


def test_merge_works_on_a_loaded_model_and_reduce_topics_stops_at_n(large, tmp_path):
    texts, emb, _ = large
    model = TopicModel.load(_fresh_model(large).save(tmp_path / "m"))
    assert model.bertopic_ is None
    model.reduce_topics(2, texts)
    assert sorted(set(model.topics_.tolist()) - {-1}) == sorted(model.centroid_topics_) and len(model.centroid_topics_) == 2
    assert model.topic_words_.groupby("topic").size().min() >= 3
    with pytest.raises(ValueError, match="must be from 2 to the 2 topics"):
        model.reduce_topics(5, texts)


def test_find_topics_by_term_ignores_case_and_accents(large_model, large):
    texts, _, _ = large
    found = large_model.find_topics("GUAYAQUIL", texts)
    navy = large_model.topics_[[i for i, t in enumerate(texts) if "Guayaquil" in t][0]]
    assert found.iloc[0]["topic"] == navy and found.iloc[0]["share_of_topic"] > 0.9
    assert found["share_of_term"].sum() == pytest.approx(1.0)
    assert large_model.find_topics("zzzz", texts).empty
    with pytest.raises(ValueError, match="give a word or phrase"):
        large_model.find_topics(" ", texts)


def test_topic_names_files_name_and_merge(tmp_path):
    from analysis.topics import read_topic_names

    csv = tmp_path / "topic_names.csv"
    csv.write_text("topic,name\n0,Port seizures\n3,Elections\n5,Elections\n7,\n", encoding="utf-8")
    curation = read_topic_names(csv)
    assert curation.names == {0: "Port seizures", 3: "Elections", 5: "Elections"} and curation.merge == [[3, 5]]
    yaml_file = tmp_path / "topic_names.yaml"
    yaml_file.write_text("1: Coca farmers\n2: Coca farmers\n", encoding="utf-8")
    assert read_topic_names(yaml_file).merge == [[1, 2]]
    bad = tmp_path / "bad.csv"
    bad.write_text("id,label\n0,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="needs columns topic,name"):
        read_topic_names(bad)
    bad.write_text("topic,name\nfirst,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="is not a topic number"):
        read_topic_names(bad)


def test_a_topic_holding_nine_tenths_of_the_corpus_is_announced_and_recorded():
    from analysis.topics.model import DOMINANT_TOPIC_SHARE

    texts, emb, truth = make_corpus(400)
    keep = np.concatenate([np.flatnonzero(truth == 0)] + [np.flatnonzero(truth == t)[:8] for t in (1, 2, 3)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = TopicModel(random_state=0).fit([texts[i] for i in keep], emb[keep])
    share = model.run_record_["largest_topic_share"]
    assert model.run_record_["method"] == "hdbscan" and share >= DOMINANT_TOPIC_SHARE
    said = [str(w.message) for w in caught if issubclass(w.category, TopicModelWarning)]
    assert len(said) == 1 and f"one topic holds {share:.1%}" in said[0] and "min_topic_size" in said[0]


def test_balanced_themes_raise_no_dominant_topic_warning(large):
    texts, emb, _ = large
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = TopicModel(random_state=0).fit(texts, emb)
    assert model.run_record_["largest_topic_share"] < 0.5
    assert not [w for w in caught if issubclass(w.category, TopicModelWarning)]


def _nested_themes(seed: int = 0, n_sub: int = 8, per: int = 230, spread: float = 0.3):
    """About 1,900 passages: eight close sub-themes of one theme, and one distant theme of 100."""
    rng = np.random.default_rng(seed)
    base, other = rng.normal(size=32), rng.normal(size=32)
    centers = [base + spread * rng.normal(size=32) for _ in range(n_sub)] + [other]
    themes = list(THEMES.values())
    texts, vectors = [], []
    for k, center in enumerate(centers):
        lead, pool = themes[k % len(themes)]
        for _ in range(per if k < n_sub else 100):
            vectors.append(center + 0.35 * rng.normal(size=32))
            texts.append(f"{lead} {k}. Officials reported {' '.join(rng.choice(pool, size=4))} this week.")
    emb = np.asarray(vectors)
    return texts, emb / np.linalg.norm(emb, axis=1, keepdims=True)


def test_an_automatic_grain_dominated_by_one_topic_is_refined_once(monkeypatch):
    import analysis.topics.model as model_module

    texts, emb = _nested_themes()
    plain = TopicModel(random_state=0).fit(texts, emb)
    assert plain.run_record_["parameters"]["hdbscan"]["min_cluster_size"] == 10  # round(0.005 n)
    assert "finer_grain" not in plain.run_record_["parameters"]
    # pretend a quarter of the corpus is "the bulk", so that this corpus triggers the finer grain
    share = plain.run_record_["largest_topic_share"]
    monkeypatch.setattr(model_module, "DOMINANT_TOPIC_SHARE", share / 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TopicModelWarning)
        refined = TopicModel(random_state=0).fit(texts, emb)
        direct = TopicModel(random_state=0, min_topic_size=5).fit(texts, emb)  # 10 // FINER_GRAIN, floored at 5
        kept = TopicModel(random_state=0, min_topic_size=10).fit(texts, emb)
    grain = refined.run_record_["parameters"]["finer_grain"]
    assert grain["first_min_cluster_size"] == 10 and grain["min_cluster_size"] == 5
    assert grain["first_largest_share"] >= share / 2
    assert refined.run_record_["parameters"]["hdbscan"]["min_cluster_size"] == 5
    assert np.array_equal(refined.topics_, direct.topics_)  # the same as asking for that grain
    # a grain the user set is kept as given
    assert "finer_grain" not in kept.run_record_["parameters"]
    assert np.array_equal(kept.topics_, plain.topics_)


def test_the_finer_grain_splits_a_topic_that_would_still_hold_the_bulk(monkeypatch):
    # on a subsample of ljz_zacatecas the finer grain alone kept one topic of 96.6%: the refined
    # HDBSCAN may not select a cluster above MAX_REFINED_TOPIC_SHARE, and picks its parts instead
    import analysis.topics.model as model_module

    texts, emb = _nested_themes()
    n = len(texts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TopicModelWarning)
        plain = TopicModel(random_state=0).fit(texts, emb)
        monkeypatch.setattr(model_module, "DOMINANT_TOPIC_SHARE", plain.run_record_["largest_topic_share"] / 2)
        monkeypatch.setattr(model_module, "MAX_REFINED_TOPIC_SHARE", 1.0)  # no cap: the refined grain as before
        uncapped = TopicModel(random_state=0).fit(texts, emb)
        bulk = uncapped.run_record_["parameters"]["finer_grain"]["largest_share"]
        monkeypatch.setattr(model_module, "MAX_REFINED_TOPIC_SHARE", 0.8 * bulk)  # that topic is now too big
        capped = TopicModel(random_state=0).fit(texts, emb)
    grain = capped.run_record_["parameters"]["finer_grain"]
    assert grain["max_cluster_size"] == int(0.8 * bulk * n)
    assert capped.run_record_["parameters"]["hdbscan"]["max_cluster_size"] == grain["max_cluster_size"]
    assert grain["largest_share"] <= 0.8 * bulk < bulk  # no raw cluster above the cap
    assert capped.run_record_["n_topics"] > uncapped.run_record_["n_topics"]
    # the cap is part of the refinement only: a corpus without a dominant topic is clustered as before
    assert "max_cluster_size" not in plain.run_record_["parameters"]["hdbscan"]


def test_bertopics_datamapplot_notice_is_ignored_even_without_bertopics_own_filter():
    """BERTopic's plotting module warns that datamapplot is missing; BERTopic's global "ignore
    UserWarning" filter can be dropped by another thread's ``catch_warnings`` while it imports, so
    this package ignores that one message itself (here: the module run with no BERTopic filter at all)."""
    import subprocess
    import sys

    check = """
import importlib.util, sys
import analysis.topics
spec = importlib.util.find_spec("bertopic")  # found, not imported: none of BERTopic's own filters
path = spec.submodule_search_locations[0] + "/plotting/_datamap.py"
module_spec = importlib.util.spec_from_file_location("bertopic.plotting._datamap", path)
module_spec.loader.exec_module(importlib.util.module_from_spec(module_spec))
assert "bertopic" not in sys.modules
print("ok")
"""
    done = subprocess.run([sys.executable, "-W", "error::UserWarning", "-c", check], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
