"""Tests of analysis.pipeline's cached tables and analysis.report's saved figures (no model needed)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import figures as fg
from analysis import report
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


def test_relative_paths_resolve_from_the_project_root_in_jupyterlab(monkeypatch, seeds_dir):
    from analysis.report.pipeline import project_path

    monkeypatch.chdir(seeds_dir.parent / "notebooks")  # where JupyterLab starts a notebook's kernel
    assert project_path("seeds") == seeds_dir
    assert project_path("figures") == seeds_dir.parent / "figures"
    assert project_path("new-results") == seeds_dir.parent / "notebooks" / "new-results"  # not there: as given
