"""analysis.report.runner: the notebooks' parameters (from Settings) and their checks (CLI: test_cli.py)."""

from __future__ import annotations

import nbformat
import pytest

from analysis.report.runner import NOTEBOOK_DIR, notebook_parameters, parse_parameters
from analysis.report.settings import Settings, SettingsError, parameters_cell

REQUIRED = {"corpus", "out_dir", "embedding_model", "seed", "n_topics", "min_topic_size", "date_from", "date_to",
            "group_by", "language", "topic_names", "dayfirst", "text_column", "title_column", "date_column",
            "source_column", "id_column", "framing_model", "relevant_only"}


def test_notebooks_are_committed_clean_with_a_parameters_cell():
    names = sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb"))
    assert names == ["01-corpus.ipynb", "02-topics.ipynb", "03-framing.ipynb", "04-report.ipynb"]
    for path in NOTEBOOK_DIR.glob("*.ipynb"):
        book = nbformat.read(path, as_version=4)
        code = [c for c in book.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path.name
        assert "parameters" in code[0].metadata.get("tags", []), path.name
        source = "\n".join(c.source for c in code)
        assert "def " not in source and "class " not in source and "%pip" not in source, path.name


def test_every_notebook_declares_the_report_parameters():
    declared = notebook_parameters()
    assert set(declared) == REQUIRED == set(Settings.names())
    for name in REQUIRED:
        assert len(declared[name]["notebooks"]) == 4 and declared[name]["help"], name
    assert declared["n_topics"]["default"] is None and declared["group_by"]["default"] == "source"


def test_parameters_cells_are_plain_literals_written_from_settings_and_checked_next():
    for path in NOTEBOOK_DIR.glob("*.ipynb"):
        code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        assert code[0].source == parameters_cell(), path.name
        assert ":" not in code[0].source.split("#")[0]  # no annotation hides a parameter from papermill
        assert "run = Analysis(Settings.from_namespace(globals()))" in code[1].source, path.name


def test_parameters_are_parsed_and_checked():
    declared = notebook_parameters()
    values = parse_parameters([["n_topics", "8"], ["group_by", "country"], ["date_from", "2025-01-01"],
                               ["min_topic_size", "None"], ["seed", "3"]], declared)
    assert values == {"n_topics": 8, "group_by": "country", "date_from": "2025-01-01", "min_topic_size": None,
                      "seed": 3}
    with pytest.raises(SettingsError, match=r"unknown parameter 'n_topic' \(did you mean 'n_topics'\?\)"):
        parse_parameters([["n_topic", "8"]], declared)
    with pytest.raises(SettingsError, match="parameter 'n_topics' must be a whole number of at least 2, or None, "
                                            "got 'many'"):
        parse_parameters([["n_topics", "many"]], declared)
    with pytest.raises(SettingsError, match="parameter 'seed' must be a whole number, 0 or more, got 1.5"):
        parse_parameters([["seed", "1.5"]], declared)
