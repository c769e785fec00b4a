"""The coding loop: ``framing import`` normalises labels and refuses conflicting duplicates;
``framing train --annotations`` trains a model the report takes as ``-p framing_model``."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.cli.main import main
from analysis.framing.cli import ANNOTATION_COLUMNS, normalise_labels, read_annotations

MILITARY = ("El ejército desplegó dos mil soldados y la Marina lanzó un operativo armado contra el cártel en {place}; "
            "los militares patrullan las calles con blindados y helicópteros artillados.")
ROOTS = ("Los expertos piden atender la pobreza, la falta de empleo y la desigualdad en {place}, y programas de "
         "salud pública y desarrollo rural para que los jóvenes no sean reclutados por el narcotráfico.")
NEITHER = ("El equipo de fútbol de {place} ganó el campeonato regional el domingo ante miles de aficionados que "
           "llenaron el estadio y celebraron en la plaza principal hasta la noche.")
PLACES = ["Culiacán", "Tijuana", "Morelia", "Acapulco", "Chilpancingo", "Zacatecas", "Monterrey", "Reynosa"]


def sheet(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """A coding sheet: (passage_id, article_id, label, text) rows, coder filled in."""
    return pd.DataFrame([{"passage_id": p, "article_id": a, "label": label, "coder": "ana", "note": "", "text": text}
                         for p, a, label, text in rows], columns=ANNOTATION_COLUMNS)


def coded_passages() -> list[tuple[str, str, str, str]]:
    rows = []
    for i, place in enumerate(PLACES):
        rows += [(f"a{i}#001", f"a{i}", "militarization", MILITARY.format(place=place)),
                 (f"a{i}#002", f"a{i}", "root_cause", ROOTS.format(place=place)),
                 (f"a{i}#003", f"a{i}", "neither", NEITHER.format(place=place))]
    return rows


def _import(tmp_path, rows):
    """Write ``rows`` as a coding sheet and run ``framing import`` on it: (exit code, annotations path)."""
    sheet(rows).to_csv(tmp_path / "sheet.csv", index=False)
    target = tmp_path / "annotations.csv"
    return main(["framing", "import", "--input", str(tmp_path / "sheet.csv"), "--annotations", str(target)]), target


def test_label_spellings_are_normalised():
    written = pd.Series(["Militarization ", "root cause", "Root-Cause", "NEITHER", " militarisation", "", "war"])
    assert normalise_labels(written).tolist() == ["militarization", "root_cause", "root_cause", "neither",
                                                  "militarization", "", "war"]


def test_import_accepts_spelling_variants_and_skips_blank_rows(tmp_path, capsys):
    rows = [("p1", "a", "Militarization ", "uno"), ("p2", "a", "root cause", "dos"), ("p3", "b", "root-cause", "tres"),
            ("p4", "b", "", "cuatro")]
    code, target = _import(tmp_path, rows)
    assert code == 0
    merged = read_annotations(target)
    assert dict(zip(merged["passage_id"], merged["label"])) == {"p1": "militarization", "p2": "root_cause",
                                                                "p3": "root_cause"}
    assert "3 coded passages merged" in capsys.readouterr().out


def test_import_refuses_a_passage_coded_twice_with_different_labels(tmp_path, capsys):
    rows = [("p1", "a", "militarization", "uno"), ("p1", "a", "Root cause", "uno"), ("p2", "a", "neither", "dos"),
            ("p2", "a", "Neither", "dos")]
    code, target = _import(tmp_path, rows)
    assert code == 2
    err = capsys.readouterr().err
    assert "1 passage(s) twice with different labels: p1 (militarization vs root_cause)" in err
    assert "p2" not in err and not target.exists()
    with pytest.raises(ValueError, match=r"twice with different labels: p1 \(militarization vs root_cause\)"):
        sheet(rows[:2]).to_csv(tmp_path / "bad.csv", index=False)
        read_annotations(tmp_path / "bad.csv")


def test_import_still_refuses_labels_that_are_no_frame(tmp_path, capsys):
    sheet([("p1", "a", "violence", "uno")]).to_csv(tmp_path / "sheet.csv", index=False)
    assert main(["framing", "import", "--input", str(tmp_path / "sheet.csv"),
                 "--annotations", str(tmp_path / "a.csv")]) == 2
    assert "labels ['violence']" in capsys.readouterr().err


def test_train_help_names_commands_that_exist(capsys):
    with pytest.raises(SystemExit):
        main(["framing", "train", "--help"])
    text = capsys.readouterr().out
    assert "--annotations" in text and "--no-gold" in text and "framing_model" in text
    for command in ("validate", "train", "predict", "export", "import"):
        with pytest.raises(SystemExit) as done:
            main(["framing", command, "--help"])
        assert done.value.code == 0


@pytest.mark.model
def test_train_on_annotations_then_the_report_uses_the_model(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ANALYSIS_CACHE", str(tmp_path / "cache"))
    rows = coded_passages()
    half = len(rows) // 2
    sheet(rows[:half]).to_csv(tmp_path / "first.csv", index=False)
    sheet(rows[half:]).assign(label=lambda t: t["label"].str.replace("_", " ").str.title()).to_csv(
        tmp_path / "second.csv", index=False)
    out = tmp_path / "model"
    assert main(["framing", "train", "--annotations", str(tmp_path / "first.csv"), "--annotations",
                 str(tmp_path / "second.csv"), "--out", str(out), "--no-gold", "--quiet"]) == 0
    said = capsys.readouterr().out
    assert f"-p framing_model {out}" in said and "macro-F1" in said
    record = json.loads((out / "model.json").read_text())
    assert record["trained_on"]["sources"] == {"annotations": len(rows), "codebook": record["trained_on"]["n"] - len(rows)}
    assert record["validation"]["record"]["protocol"].startswith("article-grouped 4-fold")
    assert 0.0 <= record["validation"]["macro_f1"][0]["value"] <= 1.0
    assert "## Validation" in (out / "MODEL_CARD.md").read_text()

    from analysis.framing import FramingClassifier
    from analysis.framing.instrument import embed_cached
    from analysis.report import Analysis

    model = FramingClassifier.load(out)
    texts = [MILITARY.format(place="Uruapan"), ROOTS.format(place="Uruapan")]
    vectors = embed_cached(texts, model.embedding_model, show_progress=False)[0] if model.needs_embeddings else None
    assert model.predict_table(["m", "r"], texts, embeddings=vectors)["label"].tolist() == ["militarization", "root_cause"]
    run = Analysis(out_dir=str(tmp_path / "run"), framing_model=str(out), show_progress=False)
    assert run.framing_model == str(out) and run.framing_classifier().record_ == record
    summary = run.framing_model_record()
    assert summary["folder"] == str(out.resolve()) and summary["shipped"] is False
    assert summary["validation"][0]["metric"] == "macro_f1"
    assert json.loads(run.write_run_record().read_text())["framing_model"]["folder"] == str(out.resolve())


def test_report_refuses_a_framing_model_folder_without_a_model(tmp_path, capsys):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text("Texto de prueba con bastantes palabras para un pasaje entero.",
                                               encoding="utf-8")
    code = main(["report", "--corpus", str(tmp_path / "corpus"), "--out", str(tmp_path / "out"),
                 "-p", "framing_model", str(tmp_path / "empty")])
    assert code == 2
    assert "holds no saved model (model.json); train one with `analysis framing train --annotations" in \
        capsys.readouterr().err
