"""analysis.report.pipeline: one run's stages and cached tables, relative paths (no model needed)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.report.pipeline import Analysis


@pytest.fixture
def run(tmp_path, seeds_dir):
    return Analysis(corpus=str(seeds_dir), out_dir=str(tmp_path / "out"), cache_dir=str(tmp_path / "cache"))


def test_cached_tables_are_built_once_per_dependency(run):
    calls = []

    def build():
        calls.append(1)
        return {"shares": pd.DataFrame({"group": ["a", "b"], "share": [0.25, 0.75], "words": [["x", "y"], []]})}

    first = run.cached_tables("demo", ["fp-1", "source"], build)
    again = run.cached_tables("demo", ["fp-1", "source"], build)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first["shares"], again["shares"])
    assert first["shares"]["words"].tolist() == ["x; y", ""]  # lists saved as text, in Parquet and CSV alike
    assert (run.tables_dir / "shares.csv").is_file()
    run.cached_tables("demo", ["fp-2", "source"], build)  # an upstream stage changed
    assert len(calls) == 2
    (run.tables_dir / "shares.parquet").unlink()  # a table deleted by hand
    run.cached_tables("demo", ["fp-2", "source"], build)
    assert len(calls) == 3


def test_relative_paths_resolve_from_the_project_root_in_jupyterlab(monkeypatch, seeds_dir):
    from analysis.report.pipeline import project_path

    monkeypatch.chdir(seeds_dir.parent / "notebooks")  # where JupyterLab starts a notebook's kernel
    assert project_path("seeds") == seeds_dir
    assert project_path("figures") == seeds_dir.parent / "figures"
    assert project_path("new-results") == seeds_dir.parent / "notebooks" / "new-results"  # not there: as given


def _framed(p_relevant):
    """A framing table of two articles (a: on topic, b: off topic) with two passages each."""
    table = pd.DataFrame({"passage_id": ["a#0", "a#1", "b#0", "b#1"], "article_id": ["a", "a", "b", "b"],
                          "title": ["A", "A", "", ""], "source": ["x", "x", "y", "y"],
                          "text": ["Troops landed. More.", "Then.", "The film won. It was long.", "Yes."],
                          "label": ["militarization", "neither", "root_cause", "neither"]})
    if p_relevant is not None:
        table["p_relevant"] = p_relevant
    return table


def test_relevant_only_leaves_off_topic_articles_out_of_scope_but_lists_them(tmp_path, seeds_dir):
    def analysis(**settings):
        return Analysis(corpus=str(seeds_dir), out_dir=str(tmp_path / "out"), cache_dir=str(tmp_path / "c"),
                        **settings)

    every = analysis()
    every._memo["framing"] = _framed([0.9, 0.7, 0.2, 0.6])  # b's mean 0.4 < 0.5: off topic
    relevance = every.article_relevance().set_index("article_id")
    assert relevance.loc["a", "relevant"] and not relevance.loc["b", "relevant"]
    assert relevance.loc["a", "title"] == "A"
    assert relevance.loc["b", "title"] == "The film won."  # an untitled article goes by its first sentence
    assert len(every.framing_in_scope()) == 4  # relevant_only False keeps every passage
    only = analysis(relevant_only=True)
    only._memo["framing"] = _framed([0.9, 0.7, 0.2, 0.6])
    assert only.framing_in_scope()["article_id"].unique().tolist() == ["a"]
    assert len(only.article_relevance()) == 2  # the off-topic article is still listed
    without = analysis(relevant_only=True)
    without._memo["framing"] = _framed(None)
    assert without.article_relevance() is None
    with pytest.raises(ValueError, match="relevant_only needs a framing model with a relevance score"):
        without.framing_in_scope()
