"""analysis.report.pipeline: one run's stages and cached tables, relative paths (no model needed)."""

from __future__ import annotations

import numpy as np
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


# -- topics extended, not refit, when the corpus grows a little ---------------------------------------
def _write_articles(folder, n: int, start: int = 0) -> None:
    """``n`` one-passage articles on four themes (planted clusters), numbered from ``start``."""
    from test_topics import THEMES

    rng = np.random.default_rng(start)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        lead, pool = list(THEMES.values())[i % len(THEMES)]
        words = rng.choice(pool, size=5)
        (folder / f"a{i:04d}.txt").write_text(
            f"Report number {i}\n\n{lead}. Officials reported {', '.join(words[:3])} and {words[3]} "
            f"in item {i}; {words[4]} as well.\n", encoding="utf-8")


def _theme_embeddings(texts: list[str]) -> np.ndarray:
    """Deterministic vectors: the article's theme centre plus noise seeded by the text."""
    import hashlib

    from test_topics import THEMES

    centres = np.random.default_rng(0).normal(size=(len(THEMES), 32))
    rows = []
    for text in texts:
        theme = next(t for t, (lead, _) in enumerate(THEMES.values()) if lead in text)
        seed = int(hashlib.blake2b(text.encode(), digest_size=4).hexdigest(), 16)
        rows.append(centres[theme] + 0.35 * np.random.default_rng(seed).normal(size=32))
    return np.asarray(rows)


def _topics_run(corpus, out, monkeypatch):
    monkeypatch.setattr(Analysis, "embeddings",
                        lambda self: _theme_embeddings(self.load_corpus().passages["text"].tolist()))
    run = Analysis(corpus=str(corpus), out_dir=str(out), cache_dir=str(out / "cache"), show_progress=False)
    return run.topics()


def test_topics_are_extended_when_a_few_passages_are_added_and_refit_when_many(tmp_path, monkeypatch):
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    _write_articles(corpus, 200)
    first = _topics_run(corpus, out, monkeypatch)
    assert first["record"]["update"]["mode"] == "fitted" and len(first["passage_topics"]) == 200
    _write_articles(corpus, 6, start=200)  # 3% more
    grown = _topics_run(corpus, out, monkeypatch)
    update = grown["record"]["update"]
    assert update["mode"] == "extended" and update["added_since_fit"] == 6, update
    old = first["passage_topics"].set_index("passage_id")
    kept = grown["passage_topics"].set_index("passage_id").loc[old.index]
    assert (kept["topic"] == old["topic"]).all() and (kept[["x", "y"]] == old[["x", "y"]]).all().all()
    assert len(grown["passage_topics"]) == 206 and grown["topic_info"]["size"].sum() == 206
    # the same inputs in the same order give the same result, in a fresh output folder
    fresh, twin = tmp_path / "twin-corpus", tmp_path / "twin-out"
    _write_articles(fresh, 200)
    _topics_run(fresh, twin, monkeypatch)
    _write_articles(fresh, 6, start=200)
    pd.testing.assert_frame_equal(_topics_run(fresh, twin, monkeypatch)["passage_topics"], grown["passage_topics"])
    _write_articles(corpus, 10, start=206)  # 16 since the fit: 8%, refit
    refit = _topics_run(corpus, out, monkeypatch)
    assert refit["record"]["update"]["mode"] == "fitted"
    assert "16 passages added to the 200 fitted ones (8.0%)" in refit["record"]["update"]["reason"]
    assert refit["record"]["n_passages"] == 216


# -- framing reuses the rows of unchanged passages when the corpus grows --------------------------
def test_framing_frames_only_new_passages_and_matches_a_cold_run(tmp_path, monkeypatch):
    from analysis.framing import FramingClassifier

    from test_topics import THEMES

    monkeypatch.setattr(Analysis, "embeddings",
                        lambda self: _theme_embeddings(self.load_corpus().passages["text"].tolist()))
    train_texts = [f"{lead}. Training item {i}." for i in range(12) for lead, _ in THEMES.values()]
    frame_of = dict(zip([lead for lead, _ in THEMES.values()], ["militarization", "neither", "root_cause", "neither"]))
    labels = [frame_of[t.split(". Training")[0]] for t in train_texts]
    FramingClassifier(method="supervised").fit(train_texts, labels, embeddings=_theme_embeddings(train_texts)).save(
        tmp_path / "model")

    def framed(corpus, out):
        run = Analysis(corpus=str(corpus), out_dir=str(out), cache_dir=str(out / "cache"), show_progress=False,
                       framing_model=str(tmp_path / "model"))
        return run.framing(), run.stage_record("framing")

    corpus, out = tmp_path / "corpus", tmp_path / "out"
    _write_articles(corpus, 40)
    first, record = framed(corpus, out)
    assert record["passages_reused"] == 0 and len(first) == 40
    _write_articles(corpus, 3, start=40)
    grown, record = framed(corpus, out)
    assert record["passages_reused"] == 40 and len(grown) == 43
    cold, _ = framed(corpus, tmp_path / "cold")
    columns = ["passage_id", "label", "evidence"]
    pd.testing.assert_frame_equal(grown[columns], cold[columns])
    numbers = ["p_militarization", "p_root_cause", "p_neither", "stance"]
    np.testing.assert_allclose(grown[numbers].to_numpy(), cold[numbers].to_numpy(), rtol=0, atol=1e-12)
    assert set(grown["label"]) >= {"militarization", "root_cause", "neither"}
    # another model frames everything again
    FramingClassifier(method="supervised", C=0.5).fit(train_texts, labels, embeddings=_theme_embeddings(train_texts)).save(
        tmp_path / "model")
    _, record = framed(corpus, out)
    assert record["passages_reused"] == 0


def test_passages_carry_the_tables_country_and_language_for_grouping(tmp_path):
    lead = ("La Marina aseguró dos toneladas de cocaína en el puerto de Manzanillo, Colima, y detuvo a tres "
            "tripulantes de una embarcación que venía del sur.")
    other = ("Productores de café del Cauca pidieron al Gobierno créditos y vías para dejar la coca, y dijeron "
             "que los jóvenes de sus veredas no tienen otro trabajo.")
    (tmp_path / "news.csv").write_text("id,country,lang,text\n"
                                      f'a,MX,es,"{lead}"\n'
                                      f'b,Colombia,Spanish,"{other}"\n', encoding="utf-8")
    run = Analysis(corpus=str(tmp_path / "news.csv"), out_dir=str(tmp_path / "out"), cache_dir=str(tmp_path / "c"),
                   group_by="country_given")
    table = run.passage_table().drop_duplicates("article_id").set_index("article_id")
    assert table["country_given"].to_dict() == {"a": "Mexico", "b": "Colombia"}
    assert table["language"].to_dict() == {"a": "es", "b": "es"}
    assert table["country"].to_dict() == {"a": "Mexico", "b": "Colombia"}
    assert run.group_by == "country_given"
