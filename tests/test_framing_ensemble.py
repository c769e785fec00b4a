"""The default ensemble scorer: same features as scikit-learn's TF-IDF, saved without pickle, refuses other encoders."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from analysis.framing import EnsembleScorer, FramingClassifier
from analysis.framing.ensemble import LEXICON_WEIGHTS

TEXTS = ["el ejército desplegó tropas y capturó al cabecilla", "la pobreza empuja a los jóvenes a las bandas",
         "the navy seized cocaine in a joint operation", "poverty and lack of jobs drive recruitment",
         "the film won three awards", "el partido terminó empatado"] * 4
LABELS = ["militarization", "root_cause", "militarization", "root_cause", "neither", "neither"] * 4


def _embeddings(n: int, dim: int = 8) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(n, dim)).astype(np.float32)


def test_ngram_features_equal_sklearn_tfidf_and_the_model_round_trips(tmp_path):
    emb = _embeddings(len(TEXTS))
    scorer = EnsembleScorer(max_features=400).fit(TEXTS, LABELS, embeddings=emb)
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                vocabulary=scorer.vocabulary_).fit(TEXTS)
    np.testing.assert_allclose(scorer._ngrams(TEXTS).toarray(), reference.transform(TEXTS).toarray(), atol=1e-12)
    assert scorer.lexicon_weight_ in LEXICON_WEIGHTS and set(scorer.lexicon_selection_) == {str(w) for w in LEXICON_WEIGHTS}
    model = FramingClassifier(method="ensemble").fit(TEXTS, LABELS, embeddings=emb)
    model.save(tmp_path / "m")
    assert not list((tmp_path / "m").glob("*.pkl"))
    again = FramingClassifier.load(tmp_path / "m")
    np.testing.assert_allclose(again.predict_proba(TEXTS, embeddings=emb), model.predict_proba(TEXTS, embeddings=emb),
                               atol=1e-6)
    proba = model.predict_proba(TEXTS, embeddings=emb)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (model.predict(TEXTS, embeddings=emb) == np.array(LABELS, dtype=object)).mean() > 0.8


def test_vectors_of_another_encoder_are_refused_in_one_line():
    emb = _embeddings(len(TEXTS))
    scorer = EnsembleScorer(lexicon_weight=0.0).fit(TEXTS, LABELS, embeddings=emb)
    with pytest.raises(ValueError, match="embeddings have 4 dimensions but this framing model was trained on 8"):
        scorer.predict_proba(TEXTS, embeddings=emb[:, :4])
    with pytest.raises(ValueError, match="at least two labels"):
        EnsembleScorer().fit(TEXTS[:2], ["neither", "neither"], embeddings=emb[:2])


def test_the_temperature_is_fitted_on_inner_folds_and_saved(tmp_path):
    from analysis.framing.ensemble import _fit_temperature, _tempered

    # an over-confident model: right 60% of the time at 0.9 confidence wants a temperature above 1
    proba = np.tile([0.9, 0.05, 0.05], (100, 1))
    y = np.array(["militarization"] * 60 + ["root_cause"] * 40, dtype=object)
    t = _fit_temperature(proba, y)
    assert t > 1.0
    assert _tempered(proba, t)[0, 0] == pytest.approx(0.6, abs=0.02)
    emb = _embeddings(len(TEXTS))
    plain = EnsembleScorer(max_features=400, calibrate=False).fit(TEXTS, LABELS, embeddings=emb)
    assert plain.temperature_ == 1.0
    model = FramingClassifier(method="ensemble").fit(TEXTS, LABELS, embeddings=emb)
    assert model.scorer_.temperature_ != 1.0
    model.save(tmp_path / "m")
    again = FramingClassifier.load(tmp_path / "m")
    assert again.scorer_.temperature_ == pytest.approx(model.scorer_.temperature_)


def test_word_wise_char_counts_equal_the_vectorizer_transform():
    from sklearn.feature_extraction.text import CountVectorizer

    from analysis.framing.ensemble import _word_wise_counts

    train = ["La Marina aseguró 2 toneladas de cocaína en el puerto", "Poverty drives youth recruitment by gangs",
             "troops  were deployed\tto the border", "a"]
    counter = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=True).fit(train)
    texts = [*train, "  Militarización\tDEL   Ejército\n\nİstanbul ﬁnal a", "", "x", "Ǆemal\u00a0nbsp\u2029para ab ab ab"]
    expected = counter.transform(texts).astype(np.float64).tocsr()
    got = _word_wise_counts(counter, counter.vocabulary_, texts)
    assert got.shape == expected.shape
    assert (got != expected).nnz == 0 and got.sum() == expected.sum() > 0
