"""analysis.framing.cli: ``analysis framing validate | predict | export | import``."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis.cli import main
from analysis.framing import FRAMES, FramingClassifier
from framing_data import MIL, NEITHER, ROOT


def test_every_seed_passage_is_hand_coded(seeds_dir):
    from analysis.corpus import load_corpus
    from analysis.framing.cli import read_annotations

    passages = load_corpus(seeds_dir, show_progress=False).passages.set_index("passage_id")
    annotations = read_annotations(seeds_dir / "annotations.csv").set_index("passage_id")
    assert sorted(annotations.index) == sorted(passages.index)
    assert (annotations["text"] == passages.loc[annotations.index, "text"]).all()
    assert (annotations["coder"] != "").all() and set(annotations["label"]) == set(FRAMES)


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.corpora
def test_validate_reports_languages_strata_and_the_human_ceiling(tmp_path, corpora_dir, seeds_dir, capsys, monkeypatch):
    monkeypatch.setenv("ANALYSIS_CACHE", str(tmp_path / "cache"))
    out, saved = tmp_path / "validation", tmp_path / "model"
    assert main(["framing", "validate", "--methods", "lexicon,ensemble", "--folds", "3", "--n-boot", "20",
                 "--corpora", str(corpora_dir), "--annotations", str(seeds_dir / "annotations.csv"),
                 "--out", str(out), "--save-model", str(saved), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "en random" in printed and "es random" in printed and "<- headline" in printed
    assert "coder-vs-coder ceiling" in printed and "Krippendorff's alpha" in printed
    metrics = pd.read_csv(out / "framing_validation.csv")
    head = metrics[(metrics["metric"] == "macro_f1") & (metrics["frame"] == "all")]
    assert set(head["method"]) == {"lexicon", "ensemble", "ensemble+relevance"} and set(head["language"]) == {"en", "es"}
    assert set(head["stratum"]) == {"random", "targeted", "all"}
    assert ((head["ci_low"] <= head["value"]) & (head["value"] <= head["ci_high"])).all()
    assert {"f1", "kappa", "ece"} <= set(metrics["metric"])
    oof = pd.read_csv(out / "framing_oof_predictions.csv")
    assert len(oof) == 3 * len(oof.query("method == 'lexicon'"))
    assert oof["p_relevant"].between(0, 1).all()
    assert (out / "framing_validation.png").is_file() and (out / "framing_human_agreement.csv").is_file()
    assert (out / "framing_reliability.png").is_file()
    reliability = pd.read_csv(out / "framing_reliability.csv")
    assert reliability.query("language == 'all'").groupby("method")["n"].sum().eq(len(oof) // 3).all()
    relevance = pd.read_csv(out / "framing_relevance.csv")
    assert {"gold en", "gold es", "bbc"} <= set(relevance["set"]) and "relevance score" in printed
    model = FramingClassifier.load(saved)
    assert model.method_ == "ensemble" and model.record_["encoder"].startswith("use-multilingual-v3@")
    assert model.record_["validation_method"] == "ensemble"
    assert model.relevance_ is not None and model.gate_relevance_ is False  # carried, not gating
    assert model.predict_relevance(np.zeros((1, 512), dtype=np.float32)).shape == (1,)
    assert sum(c["count"] for c in model.record_["validation"]["confusion"]) == len(oof) // 3
    assert (saved / "MODEL_CARD.md").is_file()


@pytest.mark.parametrize("content, message", [
    (None, "annotations file '.*missing.csv' does not exist"),
    (b"passage_id,label,text\na#1,neither,hello\n", r"lacks columns \['article_id'\]"),
    (b"passage_id,article_id,label,text\na#1,a,maybe,hello\n", r"has labels \['maybe'\] in rows \[2\]"),
])
def test_validate_bad_annotations_fail_in_one_line(tmp_path, capsys, content, message):
    source = tmp_path / "missing.csv"
    if content is not None:
        source.write_bytes(content)
    out = tmp_path / "validation"
    assert main(["framing", "validate", "--annotations", str(source), "--out", str(out), "--quiet",
                 "--corpora", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and re.search(message, err), err
    assert not out.exists()


@pytest.mark.model
def test_predict_command_writes_the_stable_columns(tmp_path, capsys):
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
    source = tmp_path / "bad.csv"
    source.write_bytes(content)
    assert main(["framing", "predict", "--input", str(source), "--output", str(tmp_path / "out.csv")]) == 2
    err = capsys.readouterr().err
    assert re.search(message, err), err
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.model
def test_export_then_import_grows_the_annotations(tmp_path, seeds_dir, capsys):
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
