"""analysis.framing.model: the scorers, the classifier (method="auto" too) and its persistence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.framing import (FRAMES, METHODS, EnsembleScorer, FramingClassifier, LexiconScorer, SupervisedScorer, ZeroShotScorer,
                              make_scorer, predictions_table)
from analysis.framing.evaluation import macro_f1
from framing_data import MIL, ROOT, signal_embeddings

def test_predictions_table_has_stance_and_evidence():
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3]])
    table = predictions_table(["a", "b"], [MIL, ROOT], proba)
    assert list(table.columns) == ["passage_id", "label", "p_militarization", "p_root_cause", "p_neither",
                                   "stance", "evidence"]
    assert table["label"].tolist() == ["militarization", "root_cause"]
    np.testing.assert_allclose(table["stance"], [0.5, -0.5])
    assert "navy" in table.loc[0, "evidence"] and "poverty" in table.loc[1, "evidence"]


@pytest.mark.parametrize("kwargs, message", [
    ({"y": ["militarization"], "embeddings": None}, "needs passage embeddings"),
    ({"y": ["militarization"], "embeddings": np.zeros((2, 4))}, "do not match 1 passages"),
    ({"y": ["war"], "embeddings": np.zeros((1, 4))}, "unknown labels \\['war'\\]"),
    ({"y": None, "embeddings": np.zeros((1, 4))}, "needs labels"),
])
def test_supervised_scorer_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SupervisedScorer().fit([MIL], kwargs["y"], embeddings=kwargs["embeddings"])


def test_empty_passage_is_refused():
    with pytest.raises(ValueError, match="non-empty text"):
        LexiconScorer().predict_proba(["ok", " "])


def test_classifier_learns_saves_and_reloads_identically(tmp_path):
    labels = list(FRAMES) * 8
    texts = [f"{label} passage {i}" for i, label in enumerate(labels)]
    emb = signal_embeddings(labels)
    model = FramingClassifier(method="supervised").fit(texts, labels, embeddings=emb)
    test_labels = list(FRAMES) * 3
    test_emb = signal_embeddings(test_labels, seed=1)
    test_texts = [f"new {label}" for label in test_labels]
    assert (model.predict(test_texts, embeddings=test_emb) == np.array(test_labels)).mean() >= 0.9
    model.save(tmp_path / "m", extra={"validation": {"note": "test"}})
    loaded = FramingClassifier.load(tmp_path / "m")
    assert loaded.method_ == "supervised" and loaded.record_["validation"] == {"note": "test"}
    np.testing.assert_allclose(loaded.predict_proba(test_texts, embeddings=test_emb),
                               model.predict_proba(test_texts, embeddings=test_emb))
    assert not list((tmp_path / "m").glob("*.pkl"))


def test_auto_needs_groups_and_records_its_choice():
    labels = list(FRAMES) * 6
    texts = [f"{label} passage {i}" for i, label in enumerate(labels)]
    emb = signal_embeddings(labels)
    with pytest.raises(ValueError, match="pass groups"):
        FramingClassifier(method="auto").fit(texts, labels, embeddings=emb)
    with pytest.raises(ValueError, match="unknown framing method 'magic'"):
        FramingClassifier(method="magic").fit(texts, labels, embeddings=emb)


def test_shipped_model_carries_its_outlet_grouped_validation():
    model = FramingClassifier.load()
    validation = model.record_["validation"]
    head = pd.DataFrame(validation["macro_f1"])
    random = head[head["stratum"] == "random"].set_index(["method", "language"])
    assert {("ensemble", "en"), ("ensemble", "es"), ("lexicon", "en"), ("lexicon", "es")} <= set(random.index)
    assert ((random["ci_low"] <= random["value"]) & (random["value"] <= random["ci_high"])).all()
    assert random.loc[("ensemble", "en"), "value"] > 1 / 3 and random.loc[("ensemble", "es"), "value"] > 1 / 3
    assert sum(c["count"] for c in validation["confusion"]) == model.record_["trained_on"]["sources"]["gold"]
    assert "outlet-grouped" in validation["record"]["protocol"]


def fake_cross_validation(monkeypatch, f1_by_method):
    """cross_validate whose out-of-fold predictions give each method the macro-F1 in ``f1_by_method``."""
    from analysis.framing import evaluation

    calls = []

    def cross_validate(scorer, texts, y, *, embeddings, groups, always_train=None):
        method = {LexiconScorer: "lexicon", SupervisedScorer: "supervised",
                  EnsembleScorer: "ensemble"}.get(type(scorer), "zeroshot")
        calls.append((method, list(groups)))
        y = np.asarray(y, dtype=object)
        pred = y.copy() if f1_by_method[method] == 1.0 else np.roll(y, 1)
        return pd.DataFrame({"y_true": y, "y_pred": pred})

    monkeypatch.setattr(evaluation, "cross_validate", cross_validate)
    return calls


@pytest.mark.parametrize("f1_by_method, chosen", [
    ({"lexicon": 0.0, "zeroshot": 0.0, "supervised": 1.0, "ensemble": 0.0}, "supervised"),
    ({"lexicon": 1.0, "zeroshot": 1.0, "supervised": 1.0, "ensemble": 1.0}, "lexicon"),  # a tie goes to the simplest
    ({"lexicon": 0.0, "zeroshot": 1.0, "supervised": 1.0, "ensemble": 1.0}, "zeroshot"),
    ({"lexicon": 0.0, "zeroshot": 0.0, "supervised": 0.0, "ensemble": 1.0}, "ensemble"),
])
def test_auto_compares_every_method_across_articles_and_keeps_the_best(monkeypatch, f1_by_method, chosen):
    labels = list(FRAMES) * 6
    texts = [f"{label} passage {i}" for i, label in enumerate(labels)]
    groups = [f"article{i % 4}" for i in range(len(labels))]
    calls = fake_cross_validation(monkeypatch, f1_by_method)
    if chosen == "zeroshot":  # fitting the zero-shot scorer would embed the codebook with the real model
        monkeypatch.setattr(ZeroShotScorer, "fit", lambda self, texts, y=None, *, embeddings=None: self)
    model = FramingClassifier(method="auto").fit(texts, labels, embeddings=signal_embeddings(labels), groups=groups)
    assert [method for method, _ in calls] == list(METHODS) and all(g == groups for _, g in calls)
    assert model.method_ == chosen
    assert set(model.selection_) == set(METHODS)
    assert {m for m, f1 in model.selection_.items() if f1 == 1.0} == {m for m, f1 in f1_by_method.items() if f1 == 1.0}
    assert type(model.scorer_) is type(make_scorer(chosen))


def test_auto_chooses_what_it_measured_on_real_comparisons(monkeypatch):
    """Without fakes: no indicator phrase in the texts, the label signal only in the embeddings."""
    from analysis.framing import model as framing_model

    monkeypatch.setattr(framing_model, "METHODS", ("lexicon", "supervised"))  # zero-shot needs the real model
    labels = list(FRAMES) * 8
    texts = [f"report {i}" for i in range(len(labels))]
    groups = [f"article{i % 4}" for i in range(len(labels))]
    auto = FramingClassifier(method="auto").fit(texts, labels, embeddings=signal_embeddings(labels), groups=groups)
    assert auto.method_ == "supervised" and auto.selection_["supervised"] > auto.selection_["lexicon"]
    assert auto.selection_["lexicon"] == pytest.approx(macro_f1(labels, ["neither"] * len(labels)))
    fixed = FramingClassifier(method="supervised").fit(texts, labels, embeddings=signal_embeddings(labels))
    test = signal_embeddings(labels, seed=2)
    np.testing.assert_allclose(auto.predict_proba(texts, embeddings=test), fixed.predict_proba(texts, embeddings=test))
