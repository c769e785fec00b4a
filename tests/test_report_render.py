"""analysis.report.render: the report's figures, drawn once and reused while nothing changed."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import figures as fg
from analysis import report
from analysis.report.pipeline import Analysis


@pytest.fixture
def run(tmp_path, seeds_dir):
    return Analysis(corpus=str(seeds_dir), out_dir=str(tmp_path / "out"), cache_dir=str(tmp_path / "cache"))


def test_saved_figure_shows_its_png_at_screen_size(run, pyplot):
    fig = fg.plot_stance_by_group(pd.DataFrame({"group": ["A", "B"], "stance": [0.2, -0.1], "ci_low": [0.1, -0.3],
                                                "ci_high": [0.3, 0.1], "n": [10, 12]}), group_label="Outlet")
    fg.save_figure(fig, "stance", run.out)
    saved = report.SavedFigure("stance", run.out)
    data, meta = saved._repr_png_()
    assert data.startswith(b"\x89PNG") and meta["width"] == int.from_bytes(data[16:20], "big") // 2
    assert [p.suffix for p in saved.files] == [".png", ".svg", ".pdf"] and all(p.is_file() for p in saved.files)


def test_render_names_its_sections(run):
    with pytest.raises(ValueError, match="section must be one of"):
        report.render(run, "maps")


def _mtimes(folder):
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.suffix in (".png", ".svg", ".pdf")}


def test_render_draws_each_figure_once_and_reuses_it_while_its_table_is_unchanged(run):
    first = report.render(run, "corpus")
    assert set(first) == {"corpus_passages_per_article", "corpus_articles_over_time"}
    assert all(p.is_file() for fig in first.values() for p in fig.files)
    assert run.cache.record("figures_corpus")["drawn"] == list(first)
    saved = _mtimes(run.out)
    assert len(saved) == 6
    again = Analysis(corpus=run.corpus, out_dir=run.out_dir, cache_dir=run.cache_dir)  # as the next notebook does
    report.render(again, "corpus")
    assert _mtimes(run.out) == saved  # nothing drawn again
    assert again.cache.record("figures_corpus")["drawn"] == list(first)  # the record is the first draw's


def test_render_writes_a_missing_file_again_and_only_it(run):
    report.render(run, "corpus")
    saved = _mtimes(run.out)
    (run.out / "corpus_passages_per_article.svg").unlink()
    report.render(run, "corpus")
    now = _mtimes(run.out)
    assert set(now) == set(saved)
    assert {name for name in saved if now[name] != saved[name]} == {"corpus_passages_per_article.svg"}
    assert run.cache.record("figures_corpus")["drawn"] == ["corpus_passages_per_article"]


def test_render_redraws_exactly_the_figures_whose_table_or_options_changed(run):
    report.render(run, "corpus")
    saved = _mtimes(run.out)
    by_country = Analysis(corpus=run.corpus, out_dir=run.out_dir, cache_dir=run.cache_dir, group_by="country")
    report.render(by_country, "corpus")  # articles over time split by country; passages per article unchanged
    now = _mtimes(run.out)
    assert {name.split(".")[0] for name in saved if now[name] != saved[name]} == {"corpus_articles_over_time"}
    assert by_country.cache.record("figures_corpus")["drawn"] == ["corpus_articles_over_time"]


def test_figure_key_follows_the_table_content_code_and_options(run):
    from analysis.report.render import FigureSpec, figure_key, table_hash

    table = pd.DataFrame({"article_id": ["a", "b"], "n_passages": [3, 4]})
    spec = FigureSpec(fg.plot_passages_per_article, table, {})
    assert table_hash(table) == table_hash(table.copy().set_axis([5, 6]))  # the index is not content
    assert table_hash(table) != table_hash(table.assign(n_passages=[3, 5]))
    assert table_hash(table) != table_hash(table.astype({"n_passages": float}))  # dtypes are drawn differently
    assert figure_key("f", spec) == figure_key("f", FigureSpec(fg.plot_passages_per_article, table.copy(), {}))
    assert figure_key("f", spec) != figure_key("f", spec._replace(options={"width": "double"}))
    assert figure_key("f", spec) != figure_key("f", spec._replace(draw=fg.plot_articles_over_time))
    assert figure_key("f", spec) != figure_key("g", spec)


def test_evidence_html_is_built_once_per_table_content():
    from analysis.report.tables import EVIDENCE_COLUMNS

    row = {"article_id": "a", "title": "Navy raid", "source": "BBC", "date": pd.Timestamp("2024-05-01"),
           "side": "most militarized", "passage_id": "a-0", "label": "militarization", "p_militarization": 0.9,
           "p_root_cause": 0.05, "stance": 0.85, "evidence": "", "text": "The navy seized cocaine."}
    table = pd.DataFrame([row], columns=EVIDENCE_COLUMNS)
    first = report.evidence_html(table)
    assert report.evidence_html(table.copy()) is first  # same content: the HTML already built
    other = report.evidence_html(table.assign(text="Poverty drives recruitment."))
    assert other is not first and "drives" in other and "cocaine" not in other
