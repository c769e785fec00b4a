"""The learned relevance score: separates on-topic from off-topic vectors, gates frames, judges articles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.framing import FramingClassifier
from analysis.framing.relevance import RelevanceScorer, article_relevance, gate

TEXTS = ["el ejército desplegó tropas y capturó al cabecilla", "la pobreza empuja a los jóvenes a las bandas",
         "the navy seized cocaine in a joint operation", "poverty and lack of jobs drive recruitment",
         "the film won three awards", "el partido terminó empatado"] * 4
LABELS = ["militarization", "root_cause", "militarization", "root_cause", "neither", "neither"] * 4


def _clusters(n: int = 200, dim: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Relevant vectors around +1 on the first axis, off-topic ones around -1."""
    rng = np.random.default_rng(seed)
    relevant = np.arange(n) % 2 == 0
    vectors = rng.normal(size=(n, dim))
    vectors[:, 0] += np.where(relevant, 2.0, -2.0)
    return vectors.astype(np.float32), relevant


def test_relevance_separates_held_out_vectors():
    train, y_train = _clusters(seed=0)
    test, y_test = _clusters(seed=1)
    p = RelevanceScorer().fit(None, y_train, embeddings=train).predict_proba(embeddings=test)
    assert p.shape == (len(test),) and ((p >= 0) & (p <= 1)).all()
    assert ((p >= 0.5) == y_test).mean() > 0.9


def test_relevance_refuses_other_vectors_and_one_class():
    train, y = _clusters()
    scorer = RelevanceScorer().fit(None, y, embeddings=train)
    with pytest.raises(ValueError, match="trained on 16-dimensional vectors"):
        scorer.predict_proba(embeddings=np.zeros((3, 8)))
    with pytest.raises(ValueError, match="both relevant and off-topic"):
        RelevanceScorer().fit(None, np.ones(len(train), dtype=bool), embeddings=train)


def test_gate_moves_off_topic_mass_to_neither():
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    gated = gate(proba, np.array([1.0, 0.0, 0.5]))
    np.testing.assert_allclose(gated.sum(axis=1), 1.0)
    np.testing.assert_allclose(gated[0], proba[0])
    np.testing.assert_allclose(gated[1], [0.0, 0.0, 1.0])
    np.testing.assert_allclose(gated[2], [0.15, 0.15, 0.7])
    with pytest.raises(ValueError, match="does not match"):
        gate(proba, np.ones(2))


def test_article_relevance_is_the_mean_of_its_passages():
    passages = pd.DataFrame({"article_id": ["a", "a", "b", "b", "b"], "p_relevant": [0.9, 0.3, 0.2, 0.1, 0.9]})
    table = article_relevance(passages).set_index("article_id")
    assert table.loc["a", "p_relevant"] == pytest.approx(0.6) and table.loc["a", "relevant"]
    assert table.loc["b", "p_relevant"] == pytest.approx(0.4) and not table.loc["b", "relevant"]
    with pytest.raises(ValueError, match="lack the columns"):
        article_relevance(passages.drop(columns="p_relevant"))


def test_a_saved_model_keeps_its_relevance_score_and_gates_only_when_told(tmp_path):
    import json

    rng = np.random.default_rng(0)
    emb = rng.normal(size=(len(TEXTS), 8)).astype(np.float32)
    model = FramingClassifier(method="ensemble").fit(TEXTS, LABELS, embeddings=emb)
    ungated = model.predict_proba(TEXTS, embeddings=emb)
    relevant = np.array([label != "neither" for label in LABELS])
    model.relevance_ = RelevanceScorer().fit(None, relevant, embeddings=emb)
    p_rel = model.predict_relevance(emb)
    assert not np.allclose(gate(ungated, p_rel), ungated)  # else the checks below could not tell
    # carrying a relevance score leaves the frames alone ...
    np.testing.assert_allclose(model.predict_proba(TEXTS, embeddings=emb), ungated)
    model.save(tmp_path / "plain")
    plain = FramingClassifier.load(tmp_path / "plain")
    assert plain.gate_relevance_ is False
    np.testing.assert_allclose(plain.predict_proba(TEXTS, embeddings=emb), ungated, atol=1e-6)
    np.testing.assert_allclose(plain.predict_relevance(emb), p_rel, atol=1e-9)
    table = plain.predict_table([f"p{i}" for i in range(len(TEXTS))], TEXTS, embeddings=emb)
    np.testing.assert_allclose(table["p_relevant"], p_rel, atol=1e-9)
    # ... gating multiplies them by p_relevant, and survives saving
    model.gate_relevance_ = True
    gated = model.predict_proba(TEXTS, embeddings=emb)
    np.testing.assert_allclose(gated, gate(ungated, p_rel))
    model.save(tmp_path / "gated")
    again = FramingClassifier.load(tmp_path / "gated")
    np.testing.assert_allclose(again.predict_proba(TEXTS, embeddings=emb), gated, atol=1e-6)
    # a model saved before the flag existed gated whenever it had a relevance score
    record = json.loads((tmp_path / "gated" / "model.json").read_text())
    del record["gate_relevance"]
    (tmp_path / "gated" / "model.json").write_text(json.dumps(record))
    assert FramingClassifier.load(tmp_path / "gated").gate_relevance_ is True
