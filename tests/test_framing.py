"""Framing: codebook, scorers, classifier persistence, validation metrics and summaries."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis.framing.evaluation import (coder_agreement, cross_validate, macro_f1, select_for_annotation,
                                    validation_report)
from analysis.report.tables import evidence_table, frame_shares, topic_frame_table
from analysis.framing import (FRAMES, FramingClassifier, LexiconScorer, SupervisedScorer, codebook_examples,
                              indicator_matches, load_codebook, predictions_table)

MIL = "The navy deployed troops and carried out raids and strikes against the cartels."
ROOT = "Poverty and corruption drive youth recruitment; experts call for alternative development."
NEITHER = "The minister met his counterpart in Quito on Tuesday."


def signal_embeddings(labels, dim=16, seed=0):
    """Random vectors whose first three dimensions carry the label: a stand-in for real embeddings."""
    rng = np.random.default_rng(seed)
    base = rng.normal(0, 0.3, (len(labels), dim))
    for i, label in enumerate(labels):
        base[i, FRAMES.index(label)] += 2.0
    return base.astype(np.float32)


def test_codebook_defines_every_label_with_rules_indicators_and_examples():
    book = load_codebook()
    for frame in FRAMES:
        spec = book["labels"][frame]
        assert spec["definition"] and spec["include"] and spec["exclude"] and len(spec["examples"]) >= 8
    for frame in ("militarization", "root_cause"):
        assert book["labels"][frame]["indicators"]["en"] and book["labels"][frame]["indicators"]["es"]
    cases = {c["case"].split()[0].lower(): c["label"] for c in book["hard_cases"]}
    assert cases == {"calls": "militarization", "corruption": "root_cause", "seizure": "neither",
                     "critiques": "root_cause"}
    examples = codebook_examples()
    assert set(examples["label"]) == set(FRAMES) and examples["text"].is_unique


def test_indicators_match_without_accents_and_case():
    found = indicator_matches(["La MILITARIZACION y la Corrupción", "Nothing here."])
    assert "militarizacion" in found[0]["militarization"] and "corrupcion" in found[0]["root_cause"]
    assert found[1] == {"militarization": [], "root_cause": [], "neither": []}


def test_lexicon_scorer_reads_the_codebook_without_training():
    scorer = LexiconScorer().fit([MIL, ROOT, NEITHER])
    proba = scorer.predict_proba([MIL, ROOT, NEITHER])
    assert proba.shape == (3, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(scorer.predict([MIL, ROOT, NEITHER])) == list(FRAMES)


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


def test_cross_validation_never_tests_on_training_articles():
    labels = list(FRAMES) * 6
    texts = [f"{label} {i}" for i, label in enumerate(labels)]
    groups = [f"article{i % 4}" for i in range(len(labels))]
    fixed = np.zeros(len(labels), bool)
    fixed[:3] = True
    oof = cross_validate(SupervisedScorer(calibrate=False), texts, labels, embeddings=signal_embeddings(labels),
                         groups=groups, always_train=fixed)
    assert oof["y_pred"][:3].isna().all() and oof["y_pred"][3:].notna().all()
    assert macro_f1(oof["y_true"][3:], oof["y_pred"][3:]) > 0.8


def test_validation_report_is_exact_on_perfect_and_imperfect_predictions():
    truth = ["militarization"] * 4 + ["root_cause"] * 4 + ["neither"] * 4
    metrics, confusion = validation_report(truth, truth, n_boot=50)
    overall = metrics.set_index(["metric", "frame"])["value"]
    assert overall[("macro_f1", "all")] == 1.0 and overall[("kappa", "all")] == 1.0
    wrong = truth[:]
    wrong[0] = "neither"
    metrics, confusion = validation_report(truth, wrong, n_boot=200)
    row = metrics.set_index(["metric", "frame"]).loc[("recall", "militarization")]
    assert row["value"] == 0.75 and row["ci_low"] <= 0.75 <= row["ci_high"]
    cell = confusion.set_index(["true", "predicted"])["count"]
    assert cell[("militarization", "neither")] == 1 and confusion["count"].sum() == 12


def test_krippendorff_alpha_between_coders():
    first = ["militarization", "root_cause", "neither", "neither", "militarization"]
    assert coder_agreement(first, first)["krippendorff_alpha"] == 1.0
    disagree = coder_agreement(first, ["root_cause", "root_cause", "neither", "militarization", "militarization"])
    assert disagree["agreement"] == 0.6 and disagree["krippendorff_alpha"] < 0.6 and disagree["n"] == 5
    with pytest.raises(ValueError, match="at least two passages"):
        coder_agreement(["neither"], [""])


def test_select_for_annotation_prefers_unsure_passages_stratified():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet([1, 1, 1], 60)
    predictions = predictions_table([f"p{i}" for i in range(60)], ["text"] * 60, proba)
    chosen = select_for_annotation(predictions, 9, exclude=["p0", "p1"])
    assert len(chosen) == 9 and not {"p0", "p1"} & set(chosen["passage_id"])
    assert set(chosen["label"]) == set(FRAMES)
    assert chosen["margin"].is_monotonic_increasing
    with pytest.raises(ValueError, match="at least 1"):
        select_for_annotation(predictions, 0)


def test_frame_shares_per_article_and_per_outlet():
    table = pd.DataFrame({
        "article_id": ["a", "a", "a", "a", "b", "b"],
        "source": ["X", "X", "X", "X", "Y", "Y"],
        "label": ["militarization", "militarization", "root_cause", "neither", "root_cause", "root_cause"],
        "stance": [0.8, 0.6, -0.5, 0.1, -0.9, -0.7],
    })
    per_article = frame_shares(table, "article_id", n_boot=200).set_index("group")
    assert per_article.loc["a", "share_militarization"] == 0.5
    assert per_article.loc["a", "stance"] == pytest.approx(0.25)
    assert per_article.loc["a", "stance_low"] <= 0.25 <= per_article.loc["a", "stance_high"]
    per_outlet = frame_shares(table, "source", n_boot=200).set_index("group")
    # one article per outlet: a cluster bootstrap has nothing to resample, so the CI collapses
    assert per_outlet.loc["X", "stance_low"] == per_outlet.loc["X", "stance_high"] == pytest.approx(0.25)
    assert per_outlet.loc["Y", "share_root_cause"] == 1.0 and per_outlet.loc["Y", "n_articles"] == 1
    with pytest.raises(ValueError, match="needs columns \\['country'\\]"):
        frame_shares(table, "country")


def test_evidence_and_topic_frame_tables():
    table = pd.DataFrame({
        "article_id": ["a", "a"], "title": ["T", "T"], "passage_id": ["a#001", "a#002"], "text": [MIL, ROOT],
        "label": ["militarization", "root_cause"], "stance": [0.6, -0.4], "p_militarization": [0.7, 0.2],
        "p_root_cause": [0.1, 0.6], "evidence": ["navy", "poverty"], "topic": [0, 0], "topic_label": ["x", "x"]})
    evidence = evidence_table(table)
    assert evidence["passage_id"].tolist() == ["a#001", "a#002"]
    heat = topic_frame_table(table).set_index("frame")
    assert heat.loc["militarization", "share"] == 0.5 and heat.loc["neither", "n"] == 0


def test_every_seed_passage_is_hand_coded(seeds_dir):
    from analysis.framing.cli import read_annotations
    from analysis.corpus import load_corpus

    passages = load_corpus(seeds_dir, show_progress=False).passages.set_index("passage_id")
    annotations = read_annotations(seeds_dir / "annotations.csv").set_index("passage_id")
    assert sorted(annotations.index) == sorted(passages.index)
    assert (annotations["text"] == passages.loc[annotations.index, "text"]).all()
    assert (annotations["coder"] != "").all() and set(annotations["label"]) == set(FRAMES)


def test_shipped_model_is_validated_and_beats_the_lexicon_baseline():
    model = FramingClassifier.load()
    summary = {row["method"]: row for row in model.record_["validation"]["summary"]}
    assert set(summary) == {"lexicon", "zeroshot", "supervised"}
    assert model.method_ == max(summary, key=lambda m: summary[m]["macro_f1"])
    assert summary[model.method_]["macro_f1"] > summary["lexicon"]["macro_f1"]
    assert sum(c["count"] for c in model.record_["validation"]["confusion"]) == model.record_["trained_on"]["n_annotated"]


@pytest.mark.model
def test_predict_command_writes_the_stable_columns(tmp_path, capsys):
    from analysis.cli import main

    source = tmp_path / "passages.csv"
    pd.DataFrame({"id": ["x1", "x2", "x3"], "text": [MIL, ROOT, NEITHER]}).to_csv(source, index=False)
    target = tmp_path / "predictions.csv"
    assert main(["framing", "predict", "--input", str(source), "--output", str(target), "--quiet"]) == 0
    result = pd.read_csv(target)
    assert list(result.columns) == ["id", "label", "p_militarization", "p_root_cause", "p_neither", "stance"]
    assert result["id"].tolist() == ["x1", "x2", "x3"]
    assert result["label"].tolist() == ["militarization", "root_cause", "neither"]
    np.testing.assert_allclose(result[["p_militarization", "p_root_cause", "p_neither"]].sum(axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(result["stance"], result["p_militarization"] - result["p_root_cause"], atol=1e-5)


@pytest.mark.parametrize("content, message", [
    (b"id,body\n1,hello\n", "lacks columns \\['text'\\]; it has \\['id', 'body'\\]"),
    (b"id,text\n1,fine passage\n2,\n", "1 rows have empty text \\(ids \\['2'\\], CSV rows \\[3\\]\\)"),
    ("id,text\n1,Operación en Perú\n".encode("latin-1"), "is not UTF-8"),
    (b"id,text\n1,a\n1,b\n", "repeated: \\['1'\\]"),
])
def test_predict_command_bad_input(tmp_path, capsys, content, message):
    from analysis.cli import main

    source = tmp_path / "bad.csv"
    source.write_bytes(content)
    assert main(["framing", "predict", "--input", str(source), "--output", str(tmp_path / "out.csv")]) == 2
    err = capsys.readouterr().err
    assert re.search(message, err), err
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.model
def test_export_then_import_grows_the_annotations(tmp_path, seeds_dir, capsys):
    from analysis.cli import main

    annotations = tmp_path / "annotations.csv"
    sheet = tmp_path / "sheet.csv"
    assert main(["framing", "export", "--corpus", str(seeds_dir), "--sample", "6", "--output", str(sheet),
                 "--annotations", str(annotations), "--quiet"]) == 0
    coded = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    assert len(coded) == 6 and (coded["label"] == "").all() and coded["margin"].astype(float).is_monotonic_increasing
    coded.loc[:3, "label"] = ["neither", "militarization", "root_cause", "neither"]
    coded.loc[:3, "coder"] = "tester"
    coded.to_csv(sheet, index=False)
    assert main(["framing", "import", "--input", str(sheet), "--annotations", str(annotations)]) == 0
    merged = pd.read_csv(annotations, dtype=str, keep_default_na=False)
    assert len(merged) == 4 and set(merged["coder"]) == {"tester"}
    coded.loc[0, "label"] = "maybe"
    coded.to_csv(sheet, index=False)
    assert main(["framing", "import", "--input", str(sheet), "--annotations", str(annotations)]) == 2
    assert "'maybe'" in capsys.readouterr().err
