"""analysis.report.pipeline: one run's stages and cached tables, relative paths (no model needed)."""

from __future__ import annotations

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
