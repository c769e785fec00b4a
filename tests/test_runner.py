"""The command line and the notebook runner: options, parameter checks, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest

from analysis.cli import build_parser, main
from analysis.report.runner import NOTEBOOK_DIR, notebook_parameters, parse_parameters
from analysis.report.settings import Settings, SettingsError, parameters_cell

REQUIRED = {"corpus", "out_dir", "embedding_model", "seed", "n_topics", "min_topic_size", "date_from", "date_to",
            "group_by", "language"}


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


def test_help_describes_every_option():
    parser = build_parser()
    top = parser.format_help()
    for command in ("report", "corpus", "framing"):
        assert command in top
    sub = {a.dest: a for a in parser._subparsers._group_actions[0].choices["report"]._actions}
    for dest, action in sub.items():
        assert action.help, f"report option {dest} has no help"
    framing = parser._subparsers._group_actions[0].choices["framing"]
    for name, command in framing._subparsers._group_actions[0].choices.items():
        for action in command._actions:
            assert action.help, f"framing {name} option {action.dest} has no help"


def test_report_on_a_missing_corpus_fails_in_one_line(capsys):
    assert main(["report", "--corpus", "does-not-exist", "--out", "unused"]) != 0
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "does-not-exist" in err


def test_console_script_help_and_bad_parameter_before_anything_runs(tmp_path):
    result = subprocess.run([sys.executable, "-m", "analysis.cli", "report", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "--corpus" in result.stdout and "-p NAME VALUE" in result.stdout
    result = subprocess.run([sys.executable, "-m", "analysis.cli", "report", "--corpus", "seeds", "--out",
                             str(tmp_path / "out"), "-p", "colour", "red"], capture_output=True, text=True)
    assert result.returncode != 0 and "unknown parameter 'colour'" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name, value, message", [
    ("group_by", "colour", "parameter 'group_by' must be one of source, country, collection, language, got 'colour'"),
    ("date_from", "2024-13-01", "parameter 'date_from' must be a date written YYYY-MM-DD, or None, got '2024-13-01'"),
    ("ntopics", "3", "unknown parameter 'ntopics' (did you mean 'n_topics'?)"),
])
def test_a_bad_parameter_fails_in_one_line_before_any_notebook_runs(tmp_path, capsys, name, value, message):
    out = tmp_path / "out"
    assert main(["report", "--corpus", "seeds", "--out", str(out), "-p", name, value]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err
    assert not out.exists()  # nothing ran
