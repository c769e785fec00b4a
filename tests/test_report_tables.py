"""analysis.report.tables: the tidy tables the figures draw, with exactly the columns they take."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import figures
from analysis.report.tables import (article_frames, evidence_table, frame_shares, group_stance, period_stance,
                                    topic_frame_table, topics_over_time)
from framing_data import MIL, ROOT


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
    # one article per outlet: a cluster bootstrap has nothing to resample, so there is no interval
    assert per_outlet.loc["X", "stance"] == pytest.approx(0.25)
    assert per_outlet.loc["X", ["stance_low", "stance_high", "share_root_cause_low"]].isna().all()
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
    assert evidence["side"].tolist() == ["most militarized", "most root-cause"]
    assert evidence["p_militarization"].tolist() == [0.7, 0.2] and evidence["p_root_cause"].tolist() == [0.1, 0.6]
    assert evidence["text"].tolist() == [MIL, ROOT]  # whole passages
    heat = topic_frame_table(table).set_index("frame")
    assert heat.loc["militarization", "share"] == 0.5 and heat.loc["neither", "n"] == 0


def test_evidence_names_an_untitled_article_by_its_first_sentence_and_keeps_outlet_and_date():
    from analysis.report.tables import EVIDENCE_COLUMNS, display_titles, first_sentence

    long = "What's happened\nLatin American countries are increasing cooperation with the US. Bolivia resumed it."
    table = pd.DataFrame({
        "article_id": ["u", "u", "t"], "title": ["", "", "Navy seizes boats"], "order": [2, 1, 1],
        "passage_id": ["u#2", "u#1", "t#1"], "text": [ROOT, "Latin American countries are increasing cooperation "
                                                      "with the US. Bolivia resumed DEA operations.", MIL],
        "label": ["root_cause", "neither", "militarization"], "stance": [-0.5, 0.0, 0.8],
        "p_militarization": [0.1, 0.3, 0.9], "p_root_cause": [0.6, 0.3, 0.1], "evidence": ["", "", ""],
        "source": ["Reuters", "Reuters", None], "date": pd.to_datetime(["2024-02-01", "2024-02-01", None])})
    assert display_titles(table).to_dict() == {"t": "Navy seizes boats",
                                               "u": "Latin American countries are increasing cooperation with the US."}
    evidence = evidence_table(table)
    assert evidence.columns.tolist() == EVIDENCE_COLUMNS and "p" not in evidence
    row = evidence.set_index(["article_id", "side"]).loc[("u", "most root-cause")]
    assert row["title"].startswith("Latin American") and row["source"] == "Reuters" and row["text"] == ROOT
    assert str(row["date"].date()) == "2024-02-01"
    assert first_sentence(long) == "Latin American countries are increasing cooperation with the US."  # heading skipped
    assert first_sentence("Short line") == "Short line" and len(first_sentence("word " * 60)) <= 120
    assert first_sentence("word " * 60).endswith("…")


def passage_frames() -> pd.DataFrame:
    """Six passages of three articles from two outlets, two months apart."""
    return pd.DataFrame({
        "article_id": ["a", "a", "b", "b", "c", "c"], "title": ["A", "A", "B", "B", None, None],
        "passage_id": [f"{a}#{i}" for a, i in zip("aabbcc", [1, 2] * 3)], "text": [MIL, ROOT] * 3,
        "label": ["militarization", "root_cause", "militarization", "militarization", "neither", "root_cause"],
        "stance": [0.6, -0.4, 0.5, 0.7, 0.0, -0.5], "source": ["X", "X", "Y", "Y", "Y", "Y"],
        "date": pd.to_datetime(["2024-01-05", "2024-01-05", "2024-03-10", "2024-03-10", None, None]),
        "topic": [0, 1, 0, 0, 1, 1], "topic_label": ["navy", "poverty", "navy", "navy", "poverty", "poverty"]})


def test_group_stance_is_what_plot_stance_by_group_draws(pyplot):
    table = group_stance(passage_frames(), "source", n_boot=200)
    assert {"group", "stance", "ci_low", "ci_high", "n", "n_articles"} <= set(table.columns)
    assert table["group"].tolist() == ["X", "Y"] and table["n"].tolist() == [2, 4]
    assert table.set_index("group").loc["X", ["ci_low", "ci_high"]].isna().all()  # one article: no interval
    ranged = table[table["n_articles"] > 1]
    assert ((ranged["ci_low"] <= ranged["stance"]) & (ranged["stance"] <= ranged["ci_high"])).all()
    ax = figures.plot_stance_by_group(table, group_label="Outlet").axes[0]
    assert len(ax.get_yticklabels()) == 2


def test_period_stance_groups_dated_passages_by_period_start():
    table = period_stance(passage_frames(), n_boot=50)
    assert table["group"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-01")]
    assert table["n"].tolist() == [2, 2]  # the undated article c is left out
    with pytest.raises(ValueError, match="no passage has a date"):
        period_stance(passage_frames().assign(date=pd.NaT))


def test_article_frames_is_what_plot_frame_shares_draws(pyplot):
    table = article_frames(passage_frames(), n_boot=50)
    assert table["article_id"].tolist() == ["a", "b", "c"] and table["title"].tolist() == ["A", "B", ""]
    assert np.allclose(table[["share_militarization", "share_root_cause", "share_neither"]].sum(axis=1), 1)
    fig = figures.plot_frame_shares(table)
    assert len(fig.axes[0].get_yticklabels()) == 3


def test_topic_frame_and_topic_time_tables_are_what_their_figures_draw(pyplot):
    frames = passage_frames()
    heat = topic_frame_table(frames)
    assert list(heat.columns) == ["topic", "label", "frame", "n", "share"]
    figures.plot_topic_frame_heatmap(heat)
    dated = frames.dropna(subset=["date"]).reset_index(drop=True)
    shares = topics_over_time(dated[["topic", "topic_label"]].rename(columns={"topic_label": "label"}), dated["date"])
    assert list(shares.columns) == ["period", "topic", "label", "count", "share"]
    assert set(shares["label"]) == {"navy", "poverty"} and shares.groupby("period")["share"].sum().eq(1).all()
    fig = figures.plot_topic_share_over_time(shares)
    assert len(fig.axes[0].get_lines()) == 2  # one line per topic


def test_every_table_and_figure_function_is_public():
    import analysis

    for name in ("article_frames", "group_stance", "period_stance", "topic_frame_table", "evidence_table",
                 "frame_shares", "topics_over_time", *[n for n in dir(figures) if n.startswith("plot_")]):
        assert name in analysis.__all__, name
