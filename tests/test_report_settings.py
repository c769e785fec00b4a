"""analysis.report.settings: the one definition of a run's parameters, checked before anything runs."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from analysis.report import Analysis
from analysis.report.settings import GROUP_BY, Settings, SettingsError, parameters_cell


def test_defaults_names_and_help_come_from_one_place():
    settings = Settings()
    assert settings.group_by == "source" and settings.n_topics is None and settings.seed == 0
    assert Settings.names() == tuple(Settings.defaults()) == tuple(Settings.help())
    assert all(Settings.help().values())
    assert GROUP_BY == ("source", "country", "country_given", "collection", "language")
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.seed = 1  # type: ignore[misc]


@pytest.mark.parametrize("values, message", [
    ({"group_by": "colour"}, "parameter 'group_by' must be one of source, country, country_given, collection, language, got 'colour'"),
    ({"date_from": "2024-13-01"}, "parameter 'date_from' must be a date written YYYY-MM-DD, or None, got '2024-13-01'"),
    ({"date_to": "1 May 2024"}, "parameter 'date_to' must be a date written YYYY-MM-DD"),
    ({"date_from": "2024-05-02", "date_to": "2024-05-01"}, "date_from='2024-05-02' is after date_to='2024-05-01'"),
    ({"n_topics": "three"}, "parameter 'n_topics' must be a whole number of at least 2, or None, got 'three'"),
    ({"n_topics": 1}, "parameter 'n_topics' must be a whole number of at least 2"),
    ({"min_topic_size": 2.5}, "parameter 'min_topic_size' must be a whole number of at least 2"),
    ({"seed": -1}, "parameter 'seed' must be a whole number, 0 or more, got -1"),
    ({"seed": True}, "parameter 'seed' must be a whole number, 0 or more, got True"),
    ({"language": "xx"}, "parameter 'language' must be one of en, es, pt, fr, de, it, or None, got 'xx'"),
    ({"corpus": ""}, "parameter 'corpus' must be a non-empty text"),
    ({"relevant_only": "maybe"}, "parameter 'relevant_only' must be True or False, got 'maybe'"),
    ({"relevant_only": None}, "parameter 'relevant_only' must be True or False, got None"),
    ({"ntopics": 3}, r"unknown parameter 'ntopics' \(did you mean 'n_topics'\?\); the parameters are: corpus, "),
])
def test_bad_values_are_refused_in_one_line(values, message):
    with pytest.raises(SettingsError, match=message) as caught:
        Settings.from_values(values)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_command_line_pairs_keep_text_as_typed_and_read_numbers_and_none():
    settings = Settings.from_pairs([["n_topics", "8"], ["min_topic_size", "None"], ["date_from", "2024-01-31"],
                                    ["corpus", "2024"], ["language", "es"]])
    assert (settings.n_topics, settings.min_topic_size, settings.date_from) == (8, None, "2024-01-31")
    assert settings.corpus == "2024" and settings.language == "es"


def test_relevant_only_reads_true_and_false_as_typed():
    assert Settings().relevant_only is False
    assert Settings.from_pairs([["relevant_only", "true"]]).relevant_only is True
    assert Settings.from_pairs([["relevant_only", "False"]]).relevant_only is False
    with pytest.raises(SettingsError, match="must be True or False"):
        Settings.from_pairs([["relevant_only", "None"]])


def test_notebook_namespace_takes_plain_values_and_refuses_misspelt_names():
    namespace = {"n_topics": 3, "group_by": "country", "_": "ignored", "In": ["x"], "Settings": Settings,
                 "display": print}
    assert Settings.from_namespace(namespace) == Settings(n_topics=3, group_by="country")
    with pytest.raises(SettingsError, match="unknown parameter 'ntopics'"):
        Settings.from_namespace({**namespace, "ntopics": 3})


def test_the_error_shows_as_one_line_in_a_notebook():
    try:
        Settings(group_by="colour")
    except SettingsError as err:
        assert err._render_traceback_() == [f"SettingsError: {err}"]


def test_parameters_cell_is_plain_literals_that_rebuild_the_defaults():
    namespace: dict = {}
    exec(parameters_cell(), namespace)  # noqa: S102 - our own generated source
    assert Settings.from_namespace({k: v for k, v in namespace.items() if k != "__builtins__"}) == Settings()
    assert all(" = " in line and ": " not in line.split(" = ")[0]
               for line in parameters_cell().splitlines() if not line.startswith("#"))


def test_papermill_reads_every_line_of_the_parameters_cell():
    import nbformat
    from papermill.translators import PythonTranslator

    found = PythonTranslator.inspect(nbformat.v4.new_code_cell(parameters_cell()))
    assert [parameter.name for parameter in found] == list(Settings.names())


def test_replace_and_load_options():
    settings = Settings(language="es", date_from="2024-01-01").replace(n_topics=4)
    assert settings.n_topics == 4 and settings.language == "es"
    assert settings.load_options() == {"language": "es", "date_from": "2024-01-01", "date_to": None, "dayfirst": None,
                                       "text_column": None, "title_column": None, "date_column": None,
                                       "source_column": None, "id_column": None, "country_column": None,
                                       "language_column": None}
    assert Settings(country_column="pais").load_options()["country_column"] == "pais"
    assert Settings.from_pairs([("dayfirst", "true"), ("date_column", "pub_date")]).load_options()["dayfirst"] is True
    with pytest.raises(SettingsError, match="unknown parameter 'topics'"):
        settings.replace(topics=4)


def test_analysis_checks_its_settings_before_touching_the_disk(tmp_path):
    with pytest.raises(SettingsError, match="parameter 'group_by' must be one of"):
        Analysis(out_dir=str(tmp_path / "out"), group_by="colour")
    assert not (tmp_path / "out").exists()
    run = Analysis(Settings(out_dir=str(tmp_path / "out"), seed=3), cache_dir=str(tmp_path / "cache"))
    assert run.seed == 3 and run.group_by == "source" and run.settings.seed == 3
    assert run.parameters()["cache_dir"] == str(tmp_path / "cache")


def test_the_dask_entry_point_checks_its_parameters_before_anything_runs(tmp_path):
    from analysis.report.distributed import run_distributed, run_single_process

    with pytest.raises(SettingsError, match="parameter 'n_topics' must be a whole number of at least 2"):
        run_single_process(tmp_path / "missing", n_topics=1)
    with pytest.raises(SettingsError, match="parameter 'date_from' must be a date written YYYY-MM-DD"):
        run_distributed(tmp_path / "missing", date_from="2024-13-01")
    with pytest.raises(SettingsError, match="parameter 'language' must be one of"):
        run_distributed(Settings(corpus=str(tmp_path)).replace(language="klingon"))
    # a date object is accepted as load_corpus accepts it
    from analysis.corpus import CorpusError

    with pytest.raises(CorpusError):
        run_single_process(tmp_path / "missing", date_from=date(2024, 1, 1))
