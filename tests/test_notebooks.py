"""The report end to end: papermill runs every notebook on seeds/ and writes what a user reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from PIL import Image

from analysis.report.runner import NOTEBOOK_DIR, ReportError, run_report

pytestmark = [pytest.mark.notebooks, pytest.mark.model, pytest.mark.slow]

FIGURES = ["corpus_articles_over_time", "corpus_passages_per_article", "topic_sizes", "topic_words", "topic_map",
           "topic_share_over_time", "frame_shares_by_article", "stance_by_group", "stance_by_period",
           "topic_frame_heatmap", "framing_confusion_matrix"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("embedding-cache")


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory, seeds_dir, cache):
    out = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANALYSIS_CACHE", str(cache))
        run_report(str(seeds_dir), str(out), progress=False)
    return out


def test_every_figure_is_written_in_three_formats(report_dir):
    for name in FIGURES:
        png, svg, pdf = (report_dir / f"{name}.{ext}" for ext in ("png", "svg", "pdf"))
        with Image.open(png) as image:
            assert image.width >= 1000 and round(image.info["dpi"][0]) == 300, name
            assert len(set(image.convert("L").getdata())) > 20, f"{name}.png looks blank"
        assert "<text" in svg.read_text(encoding="utf-8"), name
        assert b"/FontFile2" in pdf.read_bytes(), name


def test_notebooks_tables_and_run_record(report_dir):
    for source in NOTEBOOK_DIR.glob("*.ipynb"):
        executed = nbformat.read(report_dir / "notebooks" / source.name, as_version=4)
        errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, source.name
        assert nbformat.read(source, as_version=4).cells[1].get("outputs") == []  # sources untouched
        # one kernel for the run, started before the first notebook: each still counts its cells from 1
        counts = [c.execution_count for c in executed.cells if c.cell_type == "code"]
        assert counts == list(range(1, len(counts) + 1)), source.name
    tables = report_dir / "tables"
    manifest = pd.read_csv(tables / "manifest.csv")
    assert manifest["status"].tolist().count("loaded") == 5
    skipped = manifest[manifest["status"] == "skipped"]  # seeds/annotations.csv is coding, not articles
    assert skipped["input"].str.endswith("annotations.csv").all() and len(skipped) == 1
    frames = pd.read_parquet(tables / "passage_frames.parquet")
    passages = pd.read_parquet(tables / "passages.parquet")
    assert set(frames["passage_id"]) == set(passages["passage_id"])
    assert set(frames["label"]) <= {"militarization", "root_cause", "neither"}
    topics = pd.read_parquet(tables / "passage_topics.parquet")
    assert topics["topic"].nunique() >= 3
    assert (tables / "evidence.csv").is_file() and (tables / "topic_info.csv").is_file()
    record = json.loads((report_dir / "run.json").read_text())
    assert record["parameters"]["seed"] == 0 and record["manifest_counts"] == {"loaded": 5, "skipped": 1}
    assert record["versions"]["torch"].startswith("2.13.0")
    assert set(record["notebook_seconds"]) == {p.name for p in NOTEBOOK_DIR.glob("*.ipynb")}


def test_html_report_embeds_every_figure(report_dir):
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    images = re.findall(r'<img[^>]+src="data:image/png;base64,', html)
    assert len(images) >= len(FIGURES)
    assert "run = Analysis(" not in html  # code hidden
    assert "Framing of counternarcotics coverage" in html


def test_same_inputs_and_seed_give_the_same_results(report_dir, tmp_path, seeds_dir, cache, monkeypatch):
    monkeypatch.setenv("ANALYSIS_CACHE", str(cache))
    run_report(str(seeds_dir), str(tmp_path), notebooks=["02-topics.ipynb", "03-framing.ipynb"], progress=False)
    for table, columns in (("passage_topics", ["passage_id", "topic", "label"]),
                           ("framing_predictions", ["passage_id", "label", "p_militarization", "p_root_cause"])):
        first = pd.read_parquet(report_dir / "tables" / f"{table}.parquet")[columns]
        again = pd.read_parquet(tmp_path / "tables" / f"{table}.parquet")[columns]
        pd.testing.assert_frame_equal(first, again)


def test_a_failing_cell_names_the_notebook_and_keeps_the_partial_output(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "empty.txt").write_text("", encoding="utf-8")  # no article survives: load_corpus fails in 01
    with pytest.raises(ReportError, match=r"notebook 01-corpus.ipynb failed in cell \d+ .*CorpusError"):
        run_report(str(corpus), str(tmp_path / "out"), notebooks=["01-corpus.ipynb"], progress=False)
    assert (tmp_path / "out" / "notebooks" / "01-corpus.ipynb").is_file()


def test_one_notebook_runs_directly_with_papermill(tmp_path, cache):
    """`papermill notebooks/02-topics.ipynb out.ipynb -p corpus seeds` from the project root."""
    import os
    import subprocess
    import sys

    papermill = Path(sys.executable).with_name("papermill")
    root = NOTEBOOK_DIR.parent
    result = subprocess.run([str(papermill), "notebooks/02-topics.ipynb", str(tmp_path / "out.ipynb"), "-p", "corpus",
                             "seeds", "-p", "out_dir", str(tmp_path / "out"), "-p", "n_topics", "3",
                             "--no-progress-bar"], cwd=root,
                            capture_output=True, text=True, env={**os.environ, "ANALYSIS_CACHE": str(cache)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "unknown parameter" not in result.stderr.lower()  # papermill sees every parameter: no warning
    assert pd.read_parquet(tmp_path / "out" / "tables" / "topic_info.parquet")["topic"].nunique() == 3
    assert (tmp_path / "out" / "topic_sizes.png").is_file() and (tmp_path / "out.ipynb").is_file()


def test_an_undated_corpus_reports_without_time_figures(tmp_path, seeds_dir, cache, monkeypatch):
    import shutil

    corpus = tmp_path / "undated"
    corpus.mkdir()
    for name in ("002_6145f9df0f440c78.txt", "003_52007b56ccc49824.txt"):  # the two seeds without a date
        shutil.copy(seeds_dir / name, corpus / name)
    monkeypatch.setenv("ANALYSIS_CACHE", str(cache))
    run_report(str(corpus), str(tmp_path / "out"), {"group_by": "country"}, progress=False)
    written = {p.stem for p in (tmp_path / "out").glob("*.png")}
    assert {"topic_sizes", "frame_shares_by_article", "stance_by_group"} <= written
    assert not {"corpus_articles_over_time", "topic_share_over_time", "stance_by_period"} & written
    assert "no figure over time" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_a_rerun_reuses_every_result_and_a_new_grouping_redraws(report_dir, tmp_path, seeds_dir, cache, monkeypatch):
    import shutil

    from analysis import report
    from analysis.report.pipeline import Analysis

    out = tmp_path / "again"
    shutil.copytree(report_dir, out)  # keeps modification times
    saved = {p: p.stat().st_mtime_ns for ext in ("png", "svg", "pdf", "parquet") for p in out.rglob(f"*.{ext}")}
    monkeypatch.setenv("ANALYSIS_CACHE", str(cache))
    record = run_report(str(seeds_dir), str(out), progress=False)
    assert record["manifest_counts"] == {"loaded": 5, "skipped": 1}
    assert {p for p, t in saved.items() if p.stat().st_mtime_ns != t} == set()  # nothing redrawn or recomputed
    html = (out / "report.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', html)) >= len(FIGURES)

    run = Analysis(corpus=str(seeds_dir), out_dir=str(out), group_by="language")
    tables = report.framing_tables(run)
    assert set(tables["group_stance"]["group"]) == {"en"}
    figs = report.render(run, "framing")
    assert figs["stance_by_group"].path("png").stat().st_mtime_ns != saved[out / "stance_by_group.png"]


def test_a_notebook_runs_from_the_notebooks_folder_as_in_jupyterlab(tmp_path, cache):
    """JupyterLab starts the kernel in notebooks/: the default corpus "seeds" must still be found."""
    import os
    import subprocess
    import sys

    papermill = Path(sys.executable).with_name("papermill")
    result = subprocess.run([str(papermill), "01-corpus.ipynb", str(tmp_path / "out.ipynb"), "--cwd",
                             str(NOTEBOOK_DIR), "-p", "out_dir", str(tmp_path / "out"), "--no-progress-bar"],
                            cwd=NOTEBOOK_DIR, capture_output=True, text=True,
                            env={**os.environ, "ANALYSIS_CACHE": str(cache)})
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = pd.read_csv(tmp_path / "out" / "tables" / "manifest.csv")
    assert (manifest["status"] == "loaded").sum() == 5


@pytest.mark.parametrize("name, value, message", [
    ("ntopics", "3", "SettingsError: unknown parameter 'ntopics' (did you mean 'n_topics'?)"),
    ("n_topics", "three", "SettingsError: parameter 'n_topics' must be a whole number of at least 2, or None, "
                          "got 'three'"),
])
def test_a_bad_parameter_given_to_papermill_fails_in_the_first_cell_in_one_line(tmp_path, name, value, message):
    """`papermill notebooks/02-topics.ipynb out.ipynb -p ntopics 3` stops at once, naming n_topics."""
    import subprocess
    import sys

    papermill = Path(sys.executable).with_name("papermill")
    result = subprocess.run([str(papermill), "notebooks/02-topics.ipynb", str(tmp_path / "out.ipynb"), "-p", name,
                             value, "-p", "out_dir", str(tmp_path / "out"), "--no-progress-bar"],
                            cwd=NOTEBOOK_DIR.parent, capture_output=True, text=True)
    assert result.returncode != 0 and message in result.stderr
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert len(errors) == 1 and len(errors[0]["traceback"]) == 1 and errors[0]["traceback"][0].startswith(message)
    assert not (tmp_path / "out" / "tables" / "passages.parquet").exists()  # nothing ran


def test_no_stderr_or_warning_reaches_a_notebook_or_the_report(report_dir):
    for source in NOTEBOOK_DIR.glob("*.ipynb"):
        executed = nbformat.read(report_dir / "notebooks" / source.name, as_version=4)
        assert executed.metadata.kernelspec["name"] == "analysis"
        for cell in executed.cells:
            for output in cell.get("outputs", []):
                assert output.get("name") != "stderr", (source.name, output.get("text", "")[:200])
                assert "Warning" not in output.get("text", ""), source.name
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html
    assert "IProgress" not in html and "TqdmWarning" not in html
    recorded = json.loads((report_dir / "run.json").read_text())["warnings"]
    assert any("fell back to k-means" in w["message"] for w in recorded)  # seeds are too few for HDBSCAN


def test_evidence_shows_whole_passages_with_named_probabilities(report_dir):
    evidence = pd.read_parquet(report_dir / "tables" / "evidence.parquet")
    passages = pd.read_parquet(report_dir / "tables" / "passages.parquet").set_index("passage_id")
    assert {"p_militarization", "p_root_cause", "source", "date", "title"} <= set(evidence.columns)
    assert "p" not in evidence.columns and len(evidence) == 2 * 5
    assert (evidence["text"] == passages.loc[evidence["passage_id"], "text"].to_numpy()).all()  # never cut
    untitled = evidence[evidence["article_id"].str.startswith("002_")]["title"].iloc[0]
    assert untitled and not untitled.startswith("002_")  # seed 002 has no headline: its first sentence
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    evidence_html = html[html.index('<table class="evidence">'):]
    evidence_html = evidence_html[: evidence_html.index("</table>")]
    assert "<th>p_militarization</th>" in evidence_html and "<th>p_root_cause</th>" in evidence_html
    assert '<mark class="militarization"' in evidence_html and "\\n" not in evidence_html
    import html as htmllib

    def plain(text):
        return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", text)).split()).replace(" ", "")

    shown = plain(evidence_html)
    longest = max(evidence["text"], key=len)
    assert len(longest) > 400 and plain(longest) in shown  # the whole passage, markup aside
    assert plain(untitled) in shown


def test_tables_are_also_one_excel_workbook(report_dir):
    import openpyxl

    tables = report_dir / "tables"
    book = openpyxl.load_workbook(tables / "tables.xlsx", read_only=True)
    stems = sorted(p.stem for p in tables.glob("*.parquet"))
    assert book.sheetnames == ["contents", *stems] and all(len(name) <= 31 for name in book.sheetnames)
    for stem in ("passage_frames", "evidence", "topic_info"):
        assert book[stem].max_row == len(pd.read_parquet(tables / f"{stem}.parquet")) + 1  # header row
    contents = pd.read_excel(tables / "tables.xlsx", sheet_name="contents")
    assert contents.set_index("table").loc["passages", "rows"] == len(pd.read_parquet(tables / "passages.parquet"))


def test_topics_named_and_merged_by_hand_reach_the_tables_figures_and_report(report_dir, tmp_path, seeds_dir, cache,
                                                                              monkeypatch):
    import shutil

    out = tmp_path / "curated"
    shutil.copytree(report_dir, out)
    info = pd.read_parquet(out / "tables" / "topic_info.parquet").sort_values("size", ascending=False)
    first, second, third = info["topic"].iloc[:3].tolist()
    sizes = info.set_index("topic")["size"]
    (out / "topic_names.csv").write_text(f"topic,name\n{first},Fentanyl boom\n"
                                         f"{second},Operations at sea\n{third},Operations at sea\n",
                                         encoding="utf-8")
    fitted = (out / "models" / "topics" / "model.json").stat().st_mtime_ns
    monkeypatch.setenv("ANALYSIS_CACHE", str(cache))
    run_report(str(seeds_dir), str(out), progress=False)
    assert (out / "models" / "topics" / "model.json").stat().st_mtime_ns == fitted  # not refitted
    curated = pd.read_parquet(out / "tables" / "topic_info.parquet").set_index("topic")
    assert curated.loc[first, "label"] == "Fentanyl boom"
    assert third not in curated.index and curated.loc[second, "size"] == sizes[second] + sizes[third]
    assert (curated["label"] == "Operations at sea").sum() == 1
    frames = pd.read_parquet(out / "tables" / "topic_frame.parquet")
    assert "Operations at sea" in set(frames["label"])
    for figure in ("topic_sizes", "topic_frame_heatmap"):
        svg = (out / f"{figure}.svg").read_text(encoding="utf-8")
        assert "Fentanyl boom" in svg and "Operations at sea" in svg, figure
    import base64

    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Fentanyl boom" in html and "Operations at sea" in html
    for figure in ("topic_sizes", "topic_frame_heatmap"):  # the report shows the redrawn figures
        assert base64.b64encode((out / f"{figure}.png").read_bytes()).decode() in html, figure
    executed = nbformat.read(out / "notebooks" / "02-topics.ipynb", as_version=4)
    text = json.dumps([c.get("outputs", []) for c in executed.cells])
    assert "Curated by hand in `topic_names.csv`" in text and "Fentanyl boom" in text


def test_source_notebooks_declare_the_project_kernel_and_make_lab_allows_root_only_for_root():
    import os
    import subprocess

    for source in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        spec = nbformat.read(source, as_version=4).metadata.kernelspec
        assert (spec["name"], spec["display_name"]) == ("analysis", "Python (analysis)"), source.name
    root = NOTEBOOK_DIR.parent
    plan = subprocess.run(["make", "-n", "lab", "STAMP=Makefile"], cwd=root, capture_output=True, text=True)
    command = next(line for line in plan.stdout.splitlines() if "jupyter lab" in line)
    assert ("--allow-root" in command) == (os.getuid() == 0)
    assert "default_kernel_name=analysis" in plan.stdout and "http://localhost:" in plan.stdout


def test_a_report_into_figures_changes_no_tracked_file(report_dir):
    """`make report` writes into figures/: everything it writes there is ignored by git, nothing is tracked."""
    import subprocess

    root = NOTEBOOK_DIR.parent
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "ls-files", "figures"], cwd=root, capture_output=True, text=True).stdout.split()
    assert tracked == ["figures/.gitkeep"]
    products = sorted(f"figures/{p.relative_to(report_dir)}" for p in report_dir.rglob("*") if p.is_file())
    assert len(products) > 40
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *products], cwd=root, capture_output=True,
                             text=True).stdout.split()
    assert sorted(ignored) == products
    readme = (root / "README.md").read_text(encoding="utf-8")
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", readme):  # the README's figures are tracked elsewhere
        assert image.startswith("docs/figures/") and (root / image).is_file(), image


def test_a_warm_rerun_runs_no_notebook_and_a_deleted_figure_reruns_only_its_notebook(report_dir, seeds_dir, cache,
                                                                                    monkeypatch):
    """Last in this file: it reruns into report_dir itself (a copy would be another --out)."""
    from analysis.report.runner import NOT_RERUN

    for source in NOTEBOOK_DIR.glob("*.ipynb"):  # one shared kernel, yet each notebook counts its cells from 1
        executed = nbformat.read(report_dir / "notebooks" / source.name, as_version=4)
        assert [c.execution_count for c in executed.cells if c.cell_type == "code"][:2] == [1, 2], source.name
    runner_files = {"run.json", ".analysis-products.json", "notebooks.json", "warnings.jsonl"}
    files = {p: p.stat().st_mtime_ns for p in report_dir.rglob("*")
             if p.is_file() and ".cache" not in p.parts and p.name not in runner_files}
    monkeypatch.setenv("ANALYSIS_CACHE", str(cache))
    record = run_report(str(seeds_dir), str(report_dir), progress=False)
    assert {entry["status"] for entry in record["notebooks"].values()} == {NOT_RERUN}
    assert {p for p, t in files.items() if p.stat().st_mtime_ns != t} == set()  # no notebook, figure or table written
    assert record["manifest_counts"] == {"loaded": 5, "skipped": 1}
    assert any("fell back to k-means" in w["message"] for w in record["warnings"])
    assert (report_dir / "report.html").stat().st_mtime_ns == files[report_dir / "report.html"]

    (report_dir / "topic_map.svg").unlink()
    record = run_report(str(seeds_dir), str(report_dir), progress=False)
    statuses = {name: entry["status"] for name, entry in record["notebooks"].items()}
    assert statuses == {"01-corpus.ipynb": NOT_RERUN, "02-topics.ipynb": "ran", "03-framing.ipynb": NOT_RERUN,
                        "04-report.ipynb": NOT_RERUN}
    assert (report_dir / "topic_map.svg").is_file()
    changed = {p.name for p, t in files.items() if p.is_file() and p.stat().st_mtime_ns != t}
    assert changed == {"topic_map.svg", "02-topics.ipynb", "figures_topics.json"}  # only the missing format drawn
