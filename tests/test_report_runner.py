"""analysis.report.runner: the notebooks' parameters (from Settings) and their checks (CLI: test_cli.py)."""

from __future__ import annotations

import nbformat
import pytest

from analysis.report.runner import NOTEBOOK_DIR, notebook_parameters, parse_parameters
from analysis.report.settings import Settings, SettingsError, parameters_cell

REQUIRED = {"corpus", "out_dir", "embedding_model", "seed", "n_topics", "min_topic_size", "date_from", "date_to",
            "group_by", "language", "topic_names", "dayfirst", "text_column", "title_column", "date_column",
            "source_column", "id_column", "country_column", "language_column", "framing_model", "relevant_only"}


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


# ------------------------------------------------------------------ notebooks not run again
import json  # noqa: E402
import shutil  # noqa: E402

from analysis.report import runner  # noqa: E402


class _Calls(list):
    def __init__(self) -> None:
        super().__init__()
        self.starts = 0


@pytest.fixture
def fake_kernel(monkeypatch):
    """Notebooks "run" without a kernel: each writes its executed copy and one table named after it.

    The list holds the notebooks run; ``.starts`` counts the kernels started ahead of them."""
    calls = _Calls()

    def execute(path, target, parameters, kernel, out, progress):
        calls.append(path.name)
        shutil.copy(path, target)
        (out / "tables").mkdir(exist_ok=True)
        (out / "tables" / f"{path.stem}.csv").write_text(f"seed\n{parameters.get('seed', 0)}\n", encoding="utf-8")

    monkeypatch.setattr(runner, "_execute", execute)
    def start(self):
        calls.starts += 1

    monkeypatch.setattr(runner._SharedKernel, "start", start)
    return calls


@pytest.fixture
def corpus(tmp_path, seeds_dir):
    folder = tmp_path / "corpus"
    shutil.copytree(seeds_dir, folder)
    return folder


def _statuses(record):
    return {name: entry["status"] for name, entry in record["notebooks"].items()}


NAMES = ["01-corpus.ipynb", "02-topics.ipynb", "03-framing.ipynb", "04-report.ipynb"]


def test_a_warm_rerun_runs_no_notebook_and_keeps_every_executed_copy(tmp_path, corpus, fake_kernel):
    out = tmp_path / "out"
    first = runner.run_report(str(corpus), str(out), progress=False)
    # the kernel is started once, before the first notebook
    assert _statuses(first) == dict.fromkeys(NAMES, "ran") and fake_kernel == NAMES and fake_kernel.starts == 1
    assert (out / "report.html").is_file()
    kept = {p: p.stat().st_mtime_ns for p in [*out.glob("notebooks/*"), *out.glob("tables/*"), out / "report.html"]}
    again = runner.run_report(str(corpus), str(out), progress=False)
    assert _statuses(again) == dict.fromkeys(NAMES, runner.NOT_RERUN) and fake_kernel == NAMES  # no new call
    assert fake_kernel.starts == 1  # and no kernel was started
    assert {p: p.stat().st_mtime_ns for p in kept} == kept
    assert json.loads((out / "run.json").read_text())["notebooks"] == again["notebooks"]
    assert set(again["notebook_seconds"]) == set(NAMES)
    ledger = json.loads((out / ".analysis-products.json").read_text())["files"]
    assert {"notebooks/04-report.ipynb", "tables/02-topics.csv", "report.html"} <= set(ledger)


def test_a_changed_parameter_reruns_the_notebooks_that_take_it(tmp_path, corpus, fake_kernel):
    out = tmp_path / "out"
    runner.run_report(str(corpus), str(out), progress=False)
    record = runner.run_report(str(corpus), str(out), {"seed": 1}, progress=False)
    assert _statuses(record) == dict.fromkeys(NAMES, "ran")  # every notebook declares seed
    assert (out / "tables" / "03-framing.csv").read_text() == "seed\n1\n"


def test_a_deleted_or_changed_product_reruns_exactly_the_notebook_that_wrote_it(tmp_path, corpus, fake_kernel):
    out = tmp_path / "out"
    runner.run_report(str(corpus), str(out), progress=False)
    (out / "tables" / "02-topics.csv").unlink()
    (out / "tables" / "03-framing.csv").write_text("seed\n7\n", encoding="utf-8")
    fake_kernel.clear()
    record = runner.run_report(str(corpus), str(out), progress=False)
    assert fake_kernel == ["02-topics.ipynb", "03-framing.ipynb"] and fake_kernel.starts == 2
    assert _statuses(record)["01-corpus.ipynb"] == _statuses(record)["04-report.ipynb"] == runner.NOT_RERUN
    assert (out / "tables" / "02-topics.csv").is_file() and (out / "tables" / "03-framing.csv").read_text() == "seed\n0\n"
    fake_kernel.clear()
    runner.run_report(str(corpus), str(out), progress=False)
    assert fake_kernel == []


def test_a_changed_corpus_or_topic_names_file_reruns_the_notebooks(tmp_path, corpus, fake_kernel):
    out = tmp_path / "out"
    runner.run_report(str(corpus), str(out), progress=False)
    (out / "topic_names.csv").write_text("topic,name\n0,Ports\n", encoding="utf-8")
    fake_kernel.clear()
    runner.run_report(str(corpus), str(out), progress=False)
    assert fake_kernel == NAMES
    (corpus / "new.txt").write_text("Navy seizes cocaine at the port\n\nA new article about a seizure.", encoding="utf-8")
    fake_kernel.clear()
    runner.run_report(str(corpus), str(out), progress=False)
    assert fake_kernel == NAMES


def test_a_failing_notebook_runs_again_and_those_before_it_do_not(tmp_path, corpus, fake_kernel, monkeypatch):
    out = tmp_path / "out"
    execute = runner._execute

    def failing(path, *args):
        if path.name == "03-framing.ipynb":
            raise runner.ReportError("notebook 03-framing.ipynb failed in cell 3")
        execute(path, *args)

    monkeypatch.setattr(runner, "_execute", failing)
    with pytest.raises(runner.ReportError, match="03-framing.ipynb failed"):
        runner.run_report(str(corpus), str(out), progress=False)
    monkeypatch.setattr(runner, "_execute", execute)
    fake_kernel.clear()
    record = runner.run_report(str(corpus), str(out), progress=False)
    assert fake_kernel == ["03-framing.ipynb", "04-report.ipynb"]
    assert _statuses(record)["02-topics.ipynb"] == runner.NOT_RERUN


def test_the_warnings_of_a_notebook_not_run_again_stay_in_the_run_record(tmp_path, corpus, fake_kernel, monkeypatch):
    out = tmp_path / "out"
    execute = runner._execute

    def warning(path, target, parameters, kernel, out_dir, progress):
        execute(path, target, parameters, kernel, out_dir, progress)
        if path.name == "02-topics.ipynb":
            with (out_dir / "state" / "warnings.jsonl").open("a", encoding="utf-8") as log:
                log.write(json.dumps({"category": "TopicModelWarning", "message": "fell back to k-means",
                                      "where": "model.py:1", "time": "now"}) + "\n")

    monkeypatch.setattr(runner, "_execute", warning)
    first = runner.run_report(str(corpus), str(out), progress=False)
    again = runner.run_report(str(corpus), str(out), progress=False)
    assert _statuses(again)["02-topics.ipynb"] == runner.NOT_RERUN
    assert [w["message"] for w in first["warnings"]] == [w["message"] for w in again["warnings"]] == \
        ["fell back to k-means"]


@pytest.mark.slow
def test_the_shared_kernel_stops_the_clients_each_notebook_made(tmp_path):
    """nbclient leaves the client of a kernel manager it is handed running; the runner stops it
    after each notebook, so a process that runs many reports does not pile up threads and sockets."""
    import nbformat

    source = tmp_path / "tiny.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                                               nbformat.v4.new_code_cell("print(x + 1)")],
                                        metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                 "display_name": "Python 3"}})
    nbformat.write(notebook, source)
    out = tmp_path / "out"
    out.mkdir()
    kernel = runner._SharedKernel("python3", out)
    try:
        kernel.start()
        started = kernel.manager
        assert started.has_kernel  # booting while the caller goes on
        made = []
        for name in ("a", "b"):
            runner._execute(source, out / f"{name}.ipynb", {"x": 41}, kernel, out, False)
            made += kernel._clients
            assert kernel.manager is started  # the first notebook ran in the kernel started ahead, the second too
            assert kernel._clients and all(c.channels_running for c in kernel._clients)
        executed = nbformat.read(out / "b.ipynb", as_version=4)
        assert executed.cells[-1].outputs[0]["text"] == "42\n" and executed.cells[-1].execution_count == 3
    finally:
        kernel.shutdown()
    assert kernel._clients == [] and made and not any(c.channels_running or not c.context.closed for c in made)
