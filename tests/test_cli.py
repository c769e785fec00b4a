"""analysis.cli: the `analysis` command's options, help and one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from analysis.cli import build_parser, main


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
    ("group_by", "colour", "parameter 'group_by' must be one of source, country, country_given, collection, language, got 'colour'"),
    ("date_from", "2024-13-01", "parameter 'date_from' must be a date written YYYY-MM-DD, or None, got '2024-13-01'"),
    ("ntopics", "3", "unknown parameter 'ntopics' (did you mean 'n_topics'?)"),
])
def test_a_bad_parameter_fails_in_one_line_before_any_notebook_runs(tmp_path, capsys, name, value, message):
    out = tmp_path / "out"
    assert main(["report", "--corpus", "seeds", "--out", str(out), "-p", name, value]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err
    assert not out.exists()  # nothing ran
