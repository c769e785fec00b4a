"""The command line and the notebook runner: options, parameter checks, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest

from analysis.cli import build_parser, main
from analysis.runner import NOTEBOOK_DIR, ReportError, notebook_parameters, parse_parameters

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
    assert REQUIRED <= set(declared)
    for name in REQUIRED:
        assert len(declared[name]["notebooks"]) == 4 and declared[name]["help"], name
    assert declared["n_topics"]["types"] == {"int", "None"} and declared["n_topics"]["default"] is None


def test_parameters_are_typed_and_checked():
    declared = notebook_parameters()
    values = parse_parameters([["n_topics", "8"], ["group_by", "country"], ["date_from", "2025-01-01"],
                               ["min_topic_size", "None"], ["seed", "3"]], declared)
    assert values == {"n_topics": 8, "group_by": "country", "date_from": "2025-01-01", "min_topic_size": None,
                      "seed": 3}
    with pytest.raises(ReportError, match="unknown parameter 'n_topic'; the notebooks take: .*n_topics"):
        parse_parameters([["n_topic", "8"]], declared)
    with pytest.raises(ReportError, match="parameter 'n_topics' must be None or int, got 'many'"):
        parse_parameters([["n_topics", "many"]], declared)
    with pytest.raises(ReportError, match="parameter 'seed' must be int, got '1.5'"):
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
