"""The bilingual gold standard: what issue 11 asks of it, checked on the shipped table."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.framing.gold import (GOLD_COLUMNS, RESERVE_PATH, GoldStandardError, attach_texts, read_gold_standard,
                                   read_gold_supplement)

FRAMES = ("militarization", "root_cause", "neither")


@pytest.fixture(scope="module")
def gold() -> pd.DataFrame:
    return read_gold_standard()


def test_counts_per_language_frame_stratum_and_outlet(gold):
    assert list(gold.columns[: len(GOLD_COLUMNS)]) == GOLD_COLUMNS
    per_language = gold["language"].value_counts()
    assert len(gold) >= 1400 and per_language["es"] >= 900 and per_language["en"] >= 500
    frames = gold.groupby(["language", "final_label"]).size()
    for language in ("en", "es"):
        for frame in FRAMES:
            assert frames[(language, frame)] >= 120, (language, frame)
        part = gold[gold["language"] == language]
        assert (part["stratum"] == "random").mean() >= 0.30
        assert set(part["stratum"]) == {"random", "targeted"}
        assert part["outlet"].nunique() >= 6
    assert gold.groupby(["corpus", "article_id"]).size().max() <= 8
    assert gold["coder"].ne("").all() and gold["sha1"].str.fullmatch(r"[0-9a-f]{40}").all()


def test_double_coding_is_blind_adjudicated_and_large_enough(gold):
    double = gold[gold["second_label"] != ""]
    assert (double.groupby("language").size() >= 120).all() and len(double) >= 300
    assert (double["coder"] != double["second_coder"]).all()
    disagree = double["label"] != double["second_label"]
    assert disagree.any()
    # every disagreement was settled by a rule recorded in the codebook, and nothing else was changed
    assert double.loc[disagree, "note"].str.startswith("adjudicated by rule A").all()
    single = gold["second_label"] == ""
    assert (gold.loc[single, "final_label"] == gold.loc[single, "label"]).all()
    from analysis.framing.codebook import load_codebook

    rules = {r["id"] for r in load_codebook()["adjudication_rules"]}
    assert set(double.loc[disagree, "note"].str.extract(r"rule (A\d+)")[0]) <= rules


@pytest.fixture(scope="module")
def supplement(gold) -> pd.DataFrame:
    return read_gold_supplement(gold=gold)


def test_the_supplement_is_coded_like_the_gold_standard_and_kept_apart(gold, supplement):
    assert len(supplement) >= 500 and list(supplement.columns[: len(GOLD_COLUMNS)]) == GOLD_COLUMNS
    assert set(supplement["stratum"]) == {"remainder"}
    assert not set(supplement["passage_key"]) & set(gold["passage_key"])
    # the rest of articles already in the gold standard, or (fourth round) more articles of its outlets:
    # every supplement passage is held out with an outlet the validation tests
    assert set(supplement["outlet"]) <= set(gold["outlet"])
    in_gold = (supplement["corpus"] + "/" + supplement["article_id"]).isin(set(gold["corpus"] + "/" + gold["article_id"]))
    assert (supplement.loc[~in_gold, "selection"] == "round4").all()
    _assert_coded_by_sessions_and_adjudicated(supplement, min_double=100)


def _assert_coded_by_sessions_and_adjudicated(table: pd.DataFrame, *, min_double: int) -> None:
    """Coded by annotation sessions, double-coded blind on at least ``min_double`` passages, every
    disagreement settled by a codebook rule and nothing else changed."""
    assert table["coder"].str.fullmatch(r"coder-f\d+").all()
    assert table["sha1"].str.fullmatch(r"[0-9a-f]{40}").all()
    double = table["second_label"] != ""
    assert double.sum() >= min_double and (table.loc[double, "second_coder"] != table.loc[double, "coder"]).all()
    disagree = double & (table["label"] != table["second_label"])
    assert disagree.any() and table.loc[disagree, "note"].str.startswith("adjudicated by rule A").all()
    # a single-coded label stands, unless the lead applied a rule written after its round
    later = table["note"].str.startswith("re-adjudicated by lead under rule A")
    single = ~double & ~later
    assert (table.loc[single, "final_label"] == table.loc[single, "label"]).all()
    from analysis.framing.codebook import load_codebook

    rules = {r["id"] for r in load_codebook()["adjudication_rules"]}
    assert set(table.loc[disagree | later, "note"].str.extract(r"rule (A\d+)")[0]) <= rules


def test_a_passage_in_both_tables_is_refused(tmp_path, gold, supplement):
    supplement.head(3).to_csv(tmp_path / "supplement.csv", index=False)
    assert len(read_gold_supplement(tmp_path / "supplement.csv", gold=gold)) == 3
    assert read_gold_supplement(tmp_path / "absent.csv", gold=gold).empty
    pd.concat([supplement.head(2), gold.head(1)]).to_csv(tmp_path / "overlap.csv", index=False)
    with pytest.raises(GoldStandardError, match="both in the gold standard"):
        read_gold_supplement(tmp_path / "overlap.csv", gold=gold)


def test_a_malformed_gold_standard_is_refused(tmp_path, gold):
    bad = gold.copy()
    bad.loc[bad.index[0], "final_label"] = "Militarization "
    bad.to_csv(tmp_path / "gold.csv", index=False)
    with pytest.raises(GoldStandardError, match="final_label values"):
        read_gold_standard(tmp_path / "gold.csv")
    gold.drop(columns=["sha1"]).to_csv(tmp_path / "short.csv", index=False)
    with pytest.raises(GoldStandardError, match=r"lacks columns \['sha1'\]"):
        read_gold_standard(tmp_path / "short.csv")


def test_missing_corpora_are_reported_with_the_folder(tmp_path, gold):
    with pytest.raises(FileNotFoundError, match="corpora of the gold standard are not at"):
        attach_texts(gold.head(3), tmp_path / "nowhere")


def test_the_reserve_is_coded_like_the_rest_and_kept_out_of_training(gold, supplement):
    # training reads the gold standard and the supplement (analysis.framing.protocol.training_data)
    reserve = read_gold_standard(RESERVE_PATH)
    assert len(reserve) >= 500 and list(reserve.columns[: len(GOLD_COLUMNS)]) == GOLD_COLUMNS
    assert not set(reserve["passage_key"]) & (set(gold["passage_key"]) | set(supplement["passage_key"]))
    assert reserve["selection"].str.fullmatch(r"round[56]:keywords:(militarization|root_cause)|round8").all()
    _assert_coded_by_sessions_and_adjudicated(reserve, min_double=200)


@pytest.mark.corpora
@pytest.mark.slow
def test_every_text_is_rebuilt_by_the_loader_with_its_sha1(gold, supplement, corpora_dir):
    for table in (gold, supplement, read_gold_standard(RESERVE_PATH)):
        rebuilt = attach_texts(table, corpora_dir)
        assert rebuilt["text"].str.len().gt(0).all() and len(rebuilt) == len(table)
    # a changed text is caught: forge one hash
    forged = gold.head(5).copy()
    forged.loc[forged.index[0], "sha1"] = "0" * 40
    with pytest.raises(GoldStandardError, match="changed text"):
        attach_texts(forged, corpora_dir)
